"""Files on disk: under ATTACHMENTS_DIR (default instance/attachments), by complaint id and a random name.

The uploaded file name is never part of a path. A file is written under a temporary
name, flushed to disk, then renamed, so no reader ever sees half a file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import current_app

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


def root() -> Path:
    configured = current_app.config.get("ATTACHMENTS_DIR") or os.environ.get("ATTACHMENTS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "attachments"


def max_bytes() -> int:
    configured = current_app.config.get("ATTACHMENT_MAX_BYTES") or os.environ.get("ATTACHMENT_MAX_BYTES")
    return int(configured) if configured else DEFAULT_MAX_BYTES


def resolve(relative: str) -> Path:
    """The absolute path of a stored file; refuses anything that would leave the storage folder."""
    base = root().resolve()
    path = (base / relative).resolve()
    if base not in path.parents:
        raise ValueError(f"attachment path outside the storage folder: {relative!r}")
    return path


def write(complaint_id: int, data: bytes, extension: str) -> str:
    """Store the bytes under a new random name; returns the path relative to the storage folder."""
    folder = root() / str(int(complaint_id))
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16) + extension
    temporary = folder / f".{name}.part"
    try:
        with open(temporary, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, folder / name)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return f"{int(complaint_id)}/{name}"


def delete(relative: str) -> None:
    try:
        resolve(relative).unlink(missing_ok=True)
    except (OSError, ValueError):
        current_app.logger.warning("could not remove attachment file %s", relative)
