"""Attachments through the API: upload, list, download; type and size refused with nothing stored; roles."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.attachments import service
from app.attachments.models import Attachment
from app.extensions import db
from app.runtime import audit
from tests.conftest import intake

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 8
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 100
HTML = b"<!doctype html><script>alert(document.cookie)</script>"


def upload(api, complaint_id: int, data: bytes = JPEG, filename: str = "小票.jpg", kind: str = "receipt",
           content_type: str = "image/jpeg", **form):
    body = {"file": (io.BytesIO(data), filename, content_type), "kind": kind, **form}
    return api.post(f"/complaints/{complaint_id}/attachments", data=body, content_type="multipart/form-data")


def stored_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def attachment_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Attachment))
        db.session.remove()
    return count


def test_upload_list_and_download(app, as_user, complaint, files_dir):
    desk = as_user("desk")
    added = upload(desk, complaint["id"])
    assert added.status == 201, added.body
    body = added.body
    assert body["kind"] == "receipt" and body["kind_name"] == {"zh": "购物小票", "en": "Receipt"}
    assert body["filename"] == "小票.jpg" and body["content_type"] == "image/jpeg"
    assert body["size"] == len(JPEG) and body["uploaded_by"] == "desk" and body["task_id"] is None
    import hashlib

    assert body["sha256"] == hashlib.sha256(JPEG).hexdigest()

    # stored by complaint id under a random name, never the uploaded one
    [path] = stored_files(files_dir)
    assert path.parent == files_dir / str(complaint["id"]) and "小票" not in path.name
    assert path.suffix == ".jpg" and path.read_bytes() == JPEG

    listed = desk.get(f"/complaints/{complaint['id']}/attachments")
    assert listed.status == 200 and [a["id"] for a in listed["items"]] == [body["id"]]
    assert desk.get(f"/complaints/{complaint['id']}")["attachments"] == listed["items"]

    # another complaint reader (quality control, legal) downloads it
    for reader in ("qc", "legal"):
        response = as_user(reader).client.get(f"/api/v1/attachments/{body['id']}",
                                              headers={"Authorization": f"Bearer {as_user(reader).token}"})
        assert response.status_code == 200
        assert response.data == JPEG and response.mimetype == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("inline")

    trail = as_user("manager").get(f"/complaints/{complaint['id']}/audit")["items"]
    event = trail[-1]
    assert event["action"] == "attachment_added" and event["detail"]["attachment"] == body["id"]
    with app.app_context():
        checked, broken = audit.verify()
        db.session.remove()
    assert checked and not [b for b in broken if b.complaint_id == complaint["id"]]


def download(as_user, name: str, attachment_id: int):
    api = as_user(name)
    return api.client.get(f"/api/v1/attachments/{attachment_id}",
                          headers={"Authorization": f"Bearer {api.token}"} if api.token else {})


@pytest.mark.parametrize(("data", "content_type", "suffix"), [
    (PNG, "image/png", ".png"), (WEBP, "image/webp", ".webp"), (HEIC, "image/heic", ".heic"),
    (PDF, "application/pdf", ".pdf")])
def test_accepted_types_are_recognised_by_content(as_user, complaint, files_dir, data, content_type, suffix):
    # the declared type and the name say nothing: the bytes decide
    added = upload(as_user("desk"), complaint["id"], data, filename="scan", content_type="application/octet-stream",
                   kind="hospital_certificate")
    assert added.status == 201, added.body
    assert added["content_type"] == content_type and added["filename"] == "scan" + suffix
    response = download(as_user, "desk", added["id"])
    assert response.mimetype == content_type
    inline = content_type != "application/pdf" and content_type != "image/heic"
    assert response.headers["Content-Disposition"].startswith("inline" if inline else "attachment")


def test_a_file_that_is_not_an_image_or_pdf_is_refused_and_nothing_is_stored(app, as_user, complaint, files_dir):
    before = attachment_count(app)
    refused = upload(as_user("desk"), complaint["id"], HTML, filename="receipt.jpg", content_type="image/jpeg")
    assert refused.status == 422
    assert refused["reason"] == "unsupported_type" and "JPEG" in refused["message"] and "PDF" in refused["message"]
    assert "file" in refused["errors"]
    assert attachment_count(app) == before and stored_files(files_dir) == []


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(app, as_user, complaint, files_dir, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 1024)
    before = attachment_count(app)
    refused = upload(as_user("desk"), complaint["id"], JPEG[:1025])
    assert refused.status == 422 and refused["reason"] == "too_large" and "1 KB" in refused["message"]
    assert attachment_count(app) == before and stored_files(files_dir) == []
    assert upload(as_user("desk"), complaint["id"], JPEG[:1024]).status == 201  # exactly the limit is fine


def test_a_body_over_max_content_length_is_413(app, as_user, complaint, files_dir, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    refused = upload(as_user("desk"), complaint["id"], JPEG)
    assert refused.status == 413 and refused["message"] == "The request body is too large."
    assert stored_files(files_dir) == []


@pytest.mark.parametrize(("form", "field"), [
    ({"kind": "selfie"}, "kind"), ({"task_id": "no-such-task"}, "task_id")])
def test_bad_kind_or_task_is_422(app, as_user, complaint, files_dir, form, field):
    before = attachment_count(app)
    refused = upload(as_user("desk"), complaint["id"], **form)
    assert refused.status == 422 and field in refused["errors"]
    assert attachment_count(app) == before and stored_files(files_dir) == []


def test_missing_or_empty_file_is_422(as_user, complaint, files_dir):
    desk = as_user("desk")
    missing = desk.post(f"/complaints/{complaint['id']}/attachments", data={"kind": "receipt"},
                        content_type="multipart/form-data")
    assert missing.status == 422 and missing["reason"] == "missing_file"
    assert upload(desk, complaint["id"], b"").body["reason"] == "empty"
    assert stored_files(files_dir) == []


def test_a_file_for_a_task_of_the_complaint(as_user, complaint, files_dir):
    task_id = complaint["open_tasks"][0]["id"]
    added = upload(as_user("desk"), complaint["id"], kind="claim_form", task_id=task_id)
    assert added.status == 201 and added["task_id"] == task_id
    other = as_user("desk").post("/complaints", intake()).body
    refused = upload(as_user("desk"), other["id"], task_id=task_id)  # a task of another complaint
    assert refused.status == 422 and "task_id" in refused["errors"]


def test_roles(app, as_user, complaint, files_dir):
    added = upload(as_user("desk"), complaint["id"]).body
    # a role that may not read complaints: nothing at all
    owner = as_user("owner")
    assert upload(owner, complaint["id"]).status == 403
    assert owner.get(f"/complaints/{complaint['id']}/attachments").status == 403
    assert download(as_user, "owner", added["id"]).status_code == 403
    # admin reads the case file but does not add to it
    assert upload(as_user("admin"), complaint["id"]).status == 403
    assert download(as_user, "admin", added["id"]).status_code == 200
    # every other complaint role adds files
    for name in ("qc", "legal", "finance", "manager"):
        assert upload(as_user(name), complaint["id"], kind="photo").status == 201
    # no token
    assert upload(as_user(None), complaint["id"]).status == 401
    assert download(as_user, None, added["id"]).status_code == 401
    assert len(stored_files(files_dir)) == 5


def test_unknown_complaint_or_attachment_is_404_and_leaves_no_file(as_user, files_dir):
    assert upload(as_user("desk"), 999999).status == 404
    assert stored_files(files_dir) == []
    assert download(as_user, "desk", 999999).status_code == 404
    assert as_user("desk").get("/complaints/999999/attachments").status == 404


def test_a_cancelled_complaint_takes_no_more_files(as_user, complaint, files_dir):
    assert as_user("manager").post(f"/complaints/{complaint['id']}/cancel", {"reason": "duplicate"}).status == 200
    refused = upload(as_user("desk"), complaint["id"])
    assert refused.status == 409 and stored_files(files_dir) == []


def test_when_the_transaction_fails_the_file_is_removed(app, as_user, complaint, files_dir, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full in the audit table")

    monkeypatch.setattr(service.audit, "record", broken)
    before = attachment_count(app)
    failed = upload(as_user("desk"), complaint["id"])
    assert failed.status == 500 and "nothing was changed" in failed["message"]
    assert attachment_count(app) == before and stored_files(files_dir) == []


def test_a_missing_file_on_disk_is_404_not_500(as_user, complaint, files_dir):
    added = upload(as_user("desk"), complaint["id"]).body
    for path in stored_files(files_dir):
        path.unlink()
    response = download(as_user, "desk", added["id"])
    assert response.status_code == 404 and "missing" in response.get_json()["message"]


def test_detection_and_filenames():
    assert service.detect(JPEG[:64]) == "image/jpeg"
    assert service.detect(HTML[:64]) is None
    assert service.detect(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf") is None  # AVIF is not HEIC
    assert service.detect(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic") == "image/heic"
    assert service.clean_filename("../../etc/passwd", "image/png") == "passwd.png"
    assert service.clean_filename("C:\\fakepath\\索赔单.JPEG", "image/jpeg") == "索赔单.JPEG"
    assert service.clean_filename("x.html", "image/jpeg") == "x.html.jpg"
    assert service.clean_filename("", "application/pdf") == "attachment.pdf"
    assert len(service.clean_filename("a" * 500 + ".pdf", "application/pdf")) <= 200


def test_openapi_documents_the_endpoints(as_user):
    spec = as_user(None).get("/openapi.json").body
    assert "multipart/form-data" in spec["paths"]["/api/v1/complaints/{complaint_id}/attachments"]["post"][
        "requestBody"]["content"]
    assert "get" in spec["paths"]["/api/v1/complaints/{complaint_id}/attachments"]
    assert "get" in spec["paths"]["/api/v1/attachments/{attachment_id}"]
