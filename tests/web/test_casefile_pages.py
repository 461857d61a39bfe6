"""The case file, audit verification and reads log on the pages: export from the complaint page, a tampered event
shown as the first broken link, the reads log for legal only; and in Chromium, legal exports in both languages and
runs the verification."""

from __future__ import annotations

import subprocess

from tests.conftest import logged_in_client
from tests.test_audit import _rewrite_actor
from tests.web.conftest import login


def test_the_complaint_page_offers_the_case_file_and_logs_the_unmasked_read(app, as_user, complaint):
    legal = logged_in_client(app, "legal")
    html = legal.get(f"/complaints/{complaint['id']}").get_data(as_text=True)
    assert 'id="case-file-zh"' in html and 'id="verify-audit"' in html
    pdf = legal.get(f"/complaints/{complaint['id']}/case-file?lang=en")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    reads = as_user("legal").get("/personal-data-reads", complaint_id=complaint["id"])["items"]
    assert [(r["user"], r["what"]) for r in reads] == [("legal", "case_file"), ("legal", "phone")]
    finance = logged_in_client(app, "finance")
    html = finance.get(f"/complaints/{complaint['id']}").get_data(as_text=True)
    assert 'id="case-file-zh"' in html and 'id="verify-audit"' not in html
    assert finance.get(f"/complaints/{complaint['id']}/audit-verification").status_code == 403
    assert legal.get(f"/complaints/{complaint['id']}/case-file?lang=fr").status_code == 422
    # neither the masked read nor the refused export is logged
    assert as_user("legal").get("/personal-data-reads", complaint_id=complaint["id"])["total"] == 2


def test_a_tampered_event_shows_as_the_first_broken_link(app, as_user, complaint):
    cid = complaint["id"]
    as_user("desk").post(f"/tasks/{complaint['open_tasks'][0]['id']}/claim")
    legal = logged_in_client(app, "legal")
    page = legal.get(f"/complaints/{cid}/audit-verification", headers={"Cookie": "lang=en"})
    assert 'data-intact="yes"' in page.get_data(as_text=True)
    _rewrite_actor(app, cid, 2, "intruder")
    try:
        html = legal.get(f"/complaints/{cid}/audit-verification").get_data(as_text=True)
        assert 'data-intact="no"' in html and "2" in html and "intruder" in html
        after, broken = 0, None
        while after is not None and broken is None:
            batch = legal.get(f"/audit/verification/batch?after={after}").get_json()
            broken, after = batch["broken"], batch["next_after"]
        assert broken["number"] == complaint["number"] and broken["seq"] == 2
        assert broken["url"].endswith(f"/complaints/{cid}/audit-verification")
    finally:
        _rewrite_actor(app, cid, 2, "desk")


def test_only_legal_sees_the_reads_log_and_the_verification_pages(app):
    for name in ("manager", "admin", "desk"):
        client = logged_in_client(app, name)
        for path in ("/personal-data-reads", "/audit/verification", "/audit/verification/batch"):
            assert client.get(path).status_code == 403, (name, path)
    legal = logged_in_client(app, "legal")
    page = legal.get("/personal-data-reads?from=2020-01-01T00:00&user=legal")
    assert page.status_code == 200 and 'id="reads-list"' in page.get_data(as_text=True)
    bad = legal.get("/personal-data-reads?from=soon").get_data(as_text=True)
    assert 'id="reads-errors"' in bad


def _pdf_text(path) -> str:
    subprocess.run(["pdftoppm", "-r", "20", "-png", "-f", "1", "-l", "1", str(path), str(path) + "-page"],
                   check=True, capture_output=True)
    return "".join(subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                                  text=True).stdout.split())


def test_legal_exports_in_both_languages_and_verifies_in_the_browser(new_page, complaint, tmp_path):
    page = new_page()
    login(page, "legal")
    page.goto(f"/complaints/{complaint['id']}")
    for lang, heading in (("zh", "投诉案卷"), ("en", "Complaintcasefile")):
        with page.expect_download() as download:
            page.click(f"#case-file-{lang}")
        path = tmp_path / f"case-{lang}.pdf"
        download.value.save_as(path)
        assert download.value.suggested_filename == f"case-file-{complaint['number']}-{lang}.pdf"
        text = _pdf_text(path)
        assert heading in text and complaint["number"] in text
    page.click("#verify-audit")
    assert page.locator("#verification").get_attribute("data-intact") == "yes"
    page.goto("/audit/verification")
    page.click("#verify-all-run")
    page.wait_for_selector("#verify-all-status.ok, #verify-all-status.error")
    assert page.locator("#verify-all-status").get_attribute("class") == "ok"
