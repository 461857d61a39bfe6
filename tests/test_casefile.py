"""The case file export: a PDF that opens, in both languages, with every task; the ZIP with the files and their
hashes; each role's read policy; a long complaint."""

import hashlib
import io
import json
import subprocess
import zipfile

import pytest

from tests.conftest import intake
from tests.paths import ACKNOWLEDGED

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF_FILE = b"%PDF-1.4\n" + b"0" * 64


def _text(pdf: bytes, tmp_path) -> str:
    """The PDF rendered by poppler (it must open) and its text."""
    path = tmp_path / "case.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "20", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                   check=True, capture_output=True)
    assert (tmp_path / "page-1.png").stat().st_size > 0 or (tmp_path / "page-01.png").exists()
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def _export(api, complaint_id, **query):
    r = api.client.get(f"/api/v1/complaints/{complaint_id}/case-file", query_string=query,
                       headers={"Authorization": f"Bearer {api.token}"})
    return r


@pytest.fixture
def worked(as_user, files_dir):
    """A quality complaint with its first task done and two files attached."""
    created = as_user("desk").post("/complaints", intake()).body
    task_id = created["open_tasks"][0]["id"]
    as_user("desk").post(f"/tasks/{task_id}/claim")
    assert as_user("desk").post(f"/tasks/{task_id}/complete", ACKNOWLEDGED).status == 200
    for name, data in (("小票 照片.png", PNG), ("../../etc/claim.pdf", PDF_FILE)):
        up = as_user("desk").post(f"/complaints/{created['id']}/attachments",
                                  data={"file": (io.BytesIO(data), name), "kind": "receipt"},
                                  content_type="multipart/form-data")
        assert up.status == 201, up.body
    return as_user("legal").get(f"/complaints/{created['id']}").body


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pdf_opens_and_holds_the_number_and_every_task(as_user, worked, tmp_path, lang):
    r = _export(as_user("legal"), worked["id"], lang=lang)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == "application/pdf"
    assert worked["number"] in r.headers["Content-Disposition"]
    text = _text(r.data, tmp_path)
    flat = "".join(text.split())
    assert worked["number"] in flat
    tasks = worked["history"] + worked["open_tasks"]
    assert len(tasks) >= 2
    for task in tasks:
        name = task["name"] if lang == "zh" else _english(task)
        assert "".join(name.split()) in flat, name
    for attachment in worked["attachments"]:
        assert attachment["sha256"] in flat
    heading = "审计链完整" if lang == "zh" else "The audit chain is intact"
    assert "".join(heading.split()) in flat
    assert ("13812345678" in flat) and (("顾客" if lang == "zh" else "Customer") in flat)


def _english(task: dict) -> str:
    from app.casefile import words

    return words.task_name(task["process_id"], task["element_id"], task["name"])[1]


def test_the_zip_holds_the_pdf_and_the_files_with_matching_hashes(as_user, worked):
    r = _export(as_user("legal"), worked["id"], format="zip", lang="en")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.data))
    names = archive.namelist()
    assert f"case-file-{worked['number']}-en.pdf" in names
    manifest = json.loads(archive.read("manifest.json"))
    files = [f for f in manifest["files"] if f.get("attachment")]
    assert len(files) == 2
    for entry in files:
        assert ".." not in entry["path"] and "/" not in entry["path"].removeprefix("attachments/")
        data = archive.read(entry["path"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] == entry["recorded_sha256"]
        assert entry["matches"] is True
    assert manifest["audit_head_hash"] and manifest["audit_chain_intact"] is True


def test_a_reader_whose_policy_masks_the_phone_gets_a_masked_case_file(as_user, worked, tmp_path):
    r = _export(as_user("finance"), worked["id"], lang="zh")
    assert r.status_code == 200
    flat = "".join(_text(r.data, tmp_path).split())
    assert "13812345678" not in flat
    assert "138****5678" in flat


def test_who_may_export_and_bad_input(as_user, worked):
    assert _export(as_user("owner"), worked["id"]).status_code == 403
    assert _export(as_user(None), worked["id"]).status_code == 401
    assert _export(as_user("legal"), 10**9).status_code == 404
    bad = _export(as_user("legal"), worked["id"], lang="fr", format="doc")
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"lang", "format"}


def test_a_long_complaint_still_renders(app, as_user, files_dir, tmp_path):
    """Many tasks' steps in the timeline and many attachments: the PDF runs over several pages."""
    created = as_user("desk").post("/complaints", intake(description="很长的描述。" * 400)).body
    task_id = created["open_tasks"][0]["id"]
    for _ in range(30):  # each claim and give-back is two timeline events
        as_user("desk").post(f"/tasks/{task_id}/claim")
        as_user("desk").post(f"/tasks/{task_id}/unclaim")
    for n in range(40):
        assert as_user("desk").post(f"/complaints/{created['id']}/attachments",
                                    data={"file": (io.BytesIO(PNG + bytes([n])), f"photo-{n}.png"),
                                          "kind": "photo"}, content_type="multipart/form-data").status == 201
    r = _export(as_user("legal"), created["id"], lang="en")
    assert r.status_code == 200
    path = tmp_path / "long.pdf"
    path.write_bytes(r.data)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 4
    text = "".join(_text(r.data, tmp_path).split())
    assert "photo-39.png" in text and created["number"] in text
