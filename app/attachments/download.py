"""Handing a stored file to a browser or script safely (used by the API and the pages)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, send_file

# Images every browser shows: these may open in a tab; everything else is downloaded.
INLINE_TYPES = ("image/jpeg", "image/png", "image/webp")


def file_response(attachment: dict[str, Any], path: Path) -> Response:
    """The file as a response: its stored type, never sniffed, shown inline only when it is a web image."""
    inline = attachment["content_type"] in INLINE_TYPES
    response = send_file(path, mimetype=attachment["content_type"], as_attachment=not inline,
                         download_name=attachment["filename"], etag=attachment["sha256"], max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
