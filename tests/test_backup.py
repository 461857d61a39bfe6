"""`flask backup` and `flask restore`: complaints with attachments backed up, restored into an empty database (a new
SQLite file, or a PostgreSQL database made for the test), where every audit chain verifies and every attachment's
file has its recorded SHA-256; a non-empty database or a damaged backup is refused."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from sqlalchemy import func, select

from app.attachments import storage
from app.attachments.models import Attachment
from app.casefile import verification
from app.extensions import db
from app.runtime.models import AuditEvent, Complaint
from tests.conftest import Api, intake
from tests.isolated_app import bare_app, dispose, drop_database, new_database, ready_app

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 4


@pytest.fixture(scope="module")
def source(database_url, tmp_path_factory):
    """An application with three complaints (two with attachments, one cancelled)."""
    folder = tmp_path_factory.mktemp("backup_source")
    url = new_database(database_url, "backup_source", folder)
    application, tokens = ready_app(url, folder / "attachments")
    desk = Api(application.test_client(), tokens["desk"])
    for n in range(3):
        created = desk.post("/complaints", intake(description=f"第{n}件"))
        assert created.status == 201, created.body
        if n < 2:
            body = {"file": (io.BytesIO(JPEG + bytes([n])), f"receipt{n}.jpg", "image/jpeg"), "kind": "receipt"}
            assert desk.post(f"/complaints/{created['id']}/attachments", data=body,
                             content_type="multipart/form-data").status == 201
    manager = Api(application.test_client(), tokens["manager"])
    assert manager.post(f"/complaints/{created['id']}/cancel", {"reason": "重复"}).status == 200
    yield application
    dispose(application)
    drop_database(url)


def run(application, *args: str):
    return application.test_cli_runner().invoke(args=list(args))


def snapshot(application) -> dict:
    with application.app_context():
        ids = list(db.session.scalars(select(Complaint.id).order_by(Complaint.id)))
        chains = [verification.of_complaint(i) for i in ids]
        files = [(row.storage_path, row.sha256) for row in db.session.scalars(select(Attachment))]
        actual = [hashlib.sha256(storage.resolve(path).read_bytes()).hexdigest() for path, _ in files]
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
        db.session.remove()
    return {"chains": chains, "files": files, "actual": actual, "events": events}


def test_a_backup_restores_into_an_empty_database(source, database_url, tmp_path):
    backup_dir = tmp_path / "backup"
    made = run(source, "backup", str(backup_dir))
    assert made.exit_code == 0, made.output
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert len(manifest["attachments"]) == 2 and len(manifest["database"]["sha256"]) == 64
    assert run(source, "backup", str(backup_dir)).exit_code != 0  # never over an existing backup

    url = new_database(database_url, "restored", tmp_path)
    restored = bare_app(url, tmp_path / "restored_files")
    try:
        done = run(restored, "restore", str(backup_dir))
        assert done.exit_code == 0, done.output
        before, after = snapshot(source), snapshot(restored)
        assert after == before and after["events"] > 0
        assert all(chain["intact"] and chain["events"] > 0 for chain in after["chains"])
        assert after["actual"] == [sha for _, sha in after["files"]] and len(after["files"]) == 2
        again = run(restored, "restore", str(backup_dir))
        assert again.exit_code != 0 and "not empty" in again.output
    finally:
        dispose(restored)
        drop_database(url)


def test_a_damaged_backup_is_refused_before_anything_is_written(source, database_url, tmp_path):
    backup_dir = tmp_path / "backup"
    assert run(source, "backup", str(backup_dir)).exit_code == 0
    damaged = next((backup_dir / "attachments").rglob("*.jpg"))
    damaged.write_bytes(damaged.read_bytes() + b"x")
    url = new_database(database_url, "damaged", tmp_path)
    target = bare_app(url, tmp_path / "damaged_files")
    try:
        refused = run(target, "restore", str(backup_dir))
        assert refused.exit_code != 0 and "damaged" in refused.output
        assert not (tmp_path / "damaged_files").exists()
    finally:
        dispose(target)
        drop_database(url)
