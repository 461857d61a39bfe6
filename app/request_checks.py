"""What every request must satisfy before a view sees it, API and pages alike.

- A body sent without Content-Length (chunked) obeys MAX_CONTENT_LENGTH like any other:
  werkzeug would quietly cut such a body at the limit, so `StreamedBodyLimit` reads it
  first, up to one byte past the limit, and states its length.
- Query strings and form fields hold no text the databases cannot store: the NUL
  character is a 422 naming the parameter (JSON bodies are checked in app.payloads).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, request

from app.errors import Invalid
from app.payloads import NUL_MESSAGE

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class StreamedBodyLimit:
    """WSGI middleware: a streamed request body longer than MAX_CONTENT_LENGTH gets the usual 413.

    The body (at most the limit plus one byte) is buffered and given a Content-Length, so
    werkzeug's own check answers 413 when the application reads a body that is too large.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wsgi_app = app.wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        limit = self.app.config.get("MAX_CONTENT_LENGTH")
        streamed = not environ.get("CONTENT_LENGTH") and environ.get("wsgi.input_terminated")
        if limit is not None and streamed:
            body = _read_up_to(environ["wsgi.input"], limit + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            del environ["wsgi.input_terminated"]
            environ.pop("HTTP_TRANSFER_ENCODING", None)  # the body is now given whole, with its length
        return self.wsgi_app(environ, start_response)


def _read_up_to(stream: Any, size: int) -> bytes:
    parts: list[bytes] = []
    left = size
    while left > 0:
        part = stream.read(min(left, 64 * 1024))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def refuse_unstorable_text() -> None:
    """before_request: a 422 naming each query parameter or form field that holds the NUL character."""
    values = list(request.args.items(multi=True))
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in FORM_TYPES:
        values += list(request.form.items(multi=True))
    bad = sorted({name if "\x00" not in name else "_schema" for name, value in values
                  if "\x00" in f"{name}{value}"})  # a multipart part may come without a name
    if bad:
        raise Invalid(f"Some fields are not valid: {', '.join(bad)}.", errors={name: [NUL_MESSAGE] for name in bad})


def install(app: Flask) -> None:
    app.wsgi_app = StreamedBodyLimit(app)  # type: ignore[method-assign]
    app.before_request(refuse_unstorable_text)
