"""The case file as a ZIP: its PDF, each attachment's file under a safe name, and a manifest of their hashes.

Built in memory for the response and never stored. Each file's SHA-256 is computed again as it is packed and set
beside the hash recorded at upload, so a file changed in storage shows in the manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from typing import Any

from app.attachments import service as attachments
from app.casefile.contents import CaseFile
from app.errors import NotFound
from app.users.models import User


def safe_name(attachment: dict[str, Any]) -> str:
    """`attachments/<id>-<name>`: letters (Chinese too), digits, dot, dash and underscore; nothing else."""
    name = re.sub(r"[^\w.\-]+", "_", attachment["filename"]).strip("._") or "file"
    return f"attachments/{attachment['id']}-{name[-120:]}"


def build(case: CaseFile, pdf: bytes, pdf_name: str, viewer: User) -> bytes:
    """The ZIP's bytes: the PDF, the attachments' files and manifest.json."""
    out = io.BytesIO()
    entries = [{"path": pdf_name, "sha256": hashlib.sha256(pdf).hexdigest(), "size": len(pdf)}]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(pdf_name, pdf)
        for attachment in case.attachments:
            entries.append(_pack(archive, attachment, viewer))
        manifest = {"complaint": case.complaint["number"], "exported_at": case.exported_at,
                    "exported_by": case.exported_by, "audit_head_hash": case.verification["head_hash"],
                    "audit_chain_intact": case.verification["intact"], "files": entries}
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return out.getvalue()


def _pack(archive: zipfile.ZipFile, attachment: dict[str, Any], viewer: User) -> dict[str, Any]:
    entry = {"attachment": attachment["id"], "filename": attachment["filename"], "kind": attachment["kind"],
             "recorded_sha256": attachment["sha256"]}
    try:
        _row, path = attachments.get_file(attachment["id"], viewer)
    except NotFound:  # listed in the PDF; the manifest says it could not be packed
        return {**entry, "path": None, "missing": True}
    data = path.read_bytes()
    archive.writestr(safe_name(attachment), data)
    digest = hashlib.sha256(data).hexdigest()
    return {**entry, "path": safe_name(attachment), "sha256": digest, "size": len(data),
            "matches": digest == attachment["sha256"]}
