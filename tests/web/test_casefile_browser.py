"""Legal exports a complaint's case file in Chromium through the complaint page's buttons, with the pages in Chinese
(the default) and in English (the language switch): the PDF opens with poppler and holds the complaint number and
every task's name in that language; the ZIP holds that PDF, each attachment and `manifest.json`."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile

import pytest

from tests.conftest import ROOT, intake
from tests.paths import ACKNOWLEDGED
from tests.web.conftest import login

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64
PDF_FILE = b"%PDF-1.4\n" + b"1" * 64
BUTTONS = {"zh": {"pdf": "案卷 PDF（中文）", "zip": "案卷及附件（ZIP）"},
           "en": {"pdf": "Case file PDF (English)", "zip": "Case file with attachments (ZIP)"}}


@pytest.fixture
def worked(as_user, files_dir) -> dict:
    """A quality complaint with its first task done and two files attached, as legal reads it."""
    created = as_user("desk").post("/complaints", intake()).body
    task_id = created["open_tasks"][0]["id"]
    as_user("desk").post(f"/tasks/{task_id}/claim")
    assert as_user("desk").post(f"/tasks/{task_id}/complete", ACKNOWLEDGED).status == 200
    for name, data in (("小票 照片.png", PNG), ("索赔单.pdf", PDF_FILE)):
        up = as_user("desk").post(f"/complaints/{created['id']}/attachments",
                                  data={"file": (io.BytesIO(data), name), "kind": "receipt"},
                                  content_type="multipart/form-data")
        assert up.status == 201, up.body
    return as_user("legal").get(f"/complaints/{created['id']}").body


def _task_names(complaint: dict, lang: str) -> list[str]:
    """Every task's name in a language, as the shipped catalogues (processes/translations) give it."""
    names = []
    for task in complaint["history"] + complaint["open_tasks"]:
        catalogue = json.loads((ROOT / "processes" / "translations" / f"{task['process_id']}.json")
                               .read_text(encoding="utf-8"))
        names.append(catalogue[task["element_id"]][lang])
    assert len(names) >= 2
    return names


def _pdf_words(path) -> str:
    """The PDF's text without spaces or line breaks, once poppler has drawn its first page (it opens)."""
    subprocess.run(["pdftoppm", "-r", "20", "-png", "-f", "1", "-l", "1", str(path), str(path) + "-page"],
                   check=True, capture_output=True)
    return "".join(subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                                  text=True).stdout.split())


def _download(page, selector: str, path):
    with page.expect_download() as download:
        page.click(selector)
    download.value.save_as(path)
    return download.value


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_legal_exports_the_pdf_and_the_zip_through_the_buttons(new_page, worked, tmp_path, lang):
    number = worked["number"]
    page = new_page()
    login(page, "legal")
    if lang == "en":
        page.click("#switch-language")
        page.wait_for_load_state()
    page.goto(f"/complaints/{worked['id']}")
    assert page.inner_text(f"#case-file-{lang}") == BUTTONS[lang]["pdf"]
    assert page.inner_text("#case-file-zip") == BUTTONS[lang]["zip"]

    pdf = _download(page, f"#case-file-{lang}", tmp_path / f"case-{lang}.pdf")
    assert pdf.suggested_filename == f"case-file-{number}-{lang}.pdf"
    text = _pdf_words(tmp_path / f"case-{lang}.pdf")
    assert number in text
    for name in _task_names(worked, lang):
        assert "".join(name.split()) in text, name

    bundle = _download(page, "#case-file-zip", tmp_path / f"case-{lang}.zip")
    assert bundle.suggested_filename.endswith(".zip") and number in bundle.suggested_filename
    archive = zipfile.ZipFile(tmp_path / f"case-{lang}.zip")
    names = archive.namelist()
    assert f"case-file-{number}-{lang}.pdf" in names and "manifest.json" in names
    packed_pdf = tmp_path / f"packed-{lang}.pdf"
    packed_pdf.write_bytes(archive.read(f"case-file-{number}-{lang}.pdf"))
    assert number in _pdf_words(packed_pdf)
    manifest = json.loads(archive.read("manifest.json"))
    files = [entry for entry in manifest["files"] if entry.get("attachment")]
    assert {hashlib.sha256(archive.read(entry["path"])).hexdigest() for entry in files} == {
        hashlib.sha256(PNG).hexdigest(), hashlib.sha256(PDF_FILE).hexdigest()}
    assert {a["sha256"] for a in worked["attachments"]} == {entry["sha256"] for entry in files}
    assert all(entry["path"].startswith("attachments/") and entry["matches"] for entry in files)
