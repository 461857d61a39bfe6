"""Writing and restoring a backup directory.

Layout: `manifest.json`, the database (`database.sqlite3`, taken with SQLite's online backup API, or
`database.pgdump`, PostgreSQL's custom format from `pg_dump`) and `attachments/` (a copy of ATTACHMENTS_DIR).
The database is copied first, then the files: a file uploaded meanwhile is merely extra, and the restore checks
every part against the manifest before it writes anything. PostgreSQL needs the client tools `pg_dump` and
`pg_restore` (package postgresql-client) on the PATH, of the server's major version or later.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from app.attachments import storage
from app.extensions import db
from app.timeutil import isoformat, utcnow

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "attachments"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _libpq_url() -> str:
    """The database's URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return _url().set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"'{name}' is not installed: install the PostgreSQL client tools (postgresql-client).")
    return found


def _run(args: list[str]) -> None:
    result = subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603 (fixed tools)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()[:2000]}")


def backup(destination: Path) -> dict[str, Any]:
    """Write a backup into `destination` (a new or empty directory); return its manifest."""
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty: name a new directory.")
    destination.mkdir(parents=True, exist_ok=True)
    url = _url()
    db.session.remove()
    if url.get_backend_name() == "sqlite":
        database = destination / "database.sqlite3"
        with sqlite3.connect(url.database) as source, sqlite3.connect(database) as target:
            source.backup(target)
        target.close()
        kind = "sqlite"
    else:
        database = destination / "database.pgdump"
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(database),
              _libpq_url()])
        kind = "postgresql"
    files = []
    source_root = storage.root()
    if source_root.exists():
        for path in sorted(p for p in source_root.rglob("*") if p.is_file() and not p.name.startswith(".")):
            relative = path.relative_to(source_root).as_posix()
            copy = destination / FILES / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
            files.append({"path": relative, "sha256": _sha256(copy), "size": copy.stat().st_size})
    manifest = {"format": FORMAT, "created_at": isoformat(utcnow()),
                "database": {"kind": kind, "file": database.name, "sha256": _sha256(database)},
                "attachments": files}
    (destination / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def _checked_manifest(source: Path) -> dict[str, Any]:
    """The manifest, once every part it names is present with its SHA-256."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} holds no readable {MANIFEST}: is it a backup directory? ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"The backup's format {manifest.get('format')!r} is not {FORMAT}.")
    parts = [(source / manifest["database"]["file"], manifest["database"]["sha256"])]
    parts += [(source / FILES / item["path"], item["sha256"]) for item in manifest["attachments"]]
    for path, expected in parts:
        if not path.is_file() or _sha256(path) != expected:
            raise BackupError(f"{path} is missing or differs from the manifest: the backup is damaged.")
    return manifest


def _is_empty() -> bool:
    return not inspect(db.engine).get_table_names()


def restore(source: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore the backup in `source` into this application's database and ATTACHMENTS_DIR, both empty (or
    overwritten with `force`); return the manifest."""
    manifest = _checked_manifest(source)
    url = _url()
    kind = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"
    if manifest["database"]["kind"] != kind:
        raise BackupError(f"This is a {manifest['database']['kind']} backup; the configured database is {kind}.")
    target_files = storage.root()
    if not force and not _is_empty():
        raise BackupError("The database is not empty: restore into an empty one, or add --force to overwrite it.")
    if not force and target_files.exists() and any(target_files.iterdir()):
        raise BackupError(f"{target_files} is not empty: restore into an empty folder, or add --force.")
    db.session.remove()
    db.engine.dispose()
    database = source / manifest["database"]["file"]
    if kind == "sqlite":
        with sqlite3.connect(database) as backup_copy, sqlite3.connect(url.database) as target:
            backup_copy.backup(target)
        target.close()
    else:
        args = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", _libpq_url()]
        if force:
            args[1:1] = ["--clean", "--if-exists"]
        _run([*args, str(database)])
    for item in manifest["attachments"]:
        copy = target_files / item["path"]
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / FILES / item["path"], copy)
    db.engine.dispose()
    return manifest
