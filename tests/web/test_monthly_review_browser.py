"""The monthly review in a real browser: the reports page links to it, and its form, used from the keyboard,
downloads the chosen month's PDF in the chosen language."""

from __future__ import annotations

from tests.web.conftest import login


def test_the_reports_page_leads_to_the_monthly_review_pdf(new_page, tmp_path):
    page = new_page()
    login(page, "senior")
    page.goto("/reports")
    page.click("#monthly-review-link a")
    page.wait_for_url("**/reports/monthly-review")
    assert page.locator("h1").inner_text() in ("月度回顾", "Monthly review")
    page.get_by_label("月份").fill("2024-02")  # the input is named by its label
    page.get_by_label("语言").select_option("en")
    with page.expect_download() as waiting:
        page.locator("#review-open").focus()
        page.keyboard.press("Enter")
    download = waiting.value
    assert download.suggested_filename == "monthly-review-2024-02-en.pdf"
    saved = tmp_path / "review.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")


def test_other_roles_are_refused_the_monthly_review(new_page):
    page = new_page()
    login(page, "desk")
    response = page.goto("/reports/monthly-review")
    assert response.status == 403
