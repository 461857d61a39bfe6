"""Security headers on every response, the session cookie's flags, and templates without inline code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.web.security import CONTENT_SECURITY_POLICY
from tests.conftest import PASSWORD

TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "web" / "templates"


def csrf_token(client, path: str = "/login", **kwargs) -> str:
    html = client.get(path, **kwargs).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def log_in(client, username: str = "desk", **kwargs):
    return client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": csrf_token(client, **kwargs)}, **kwargs)


def session_cookie(response) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


@pytest.mark.parametrize("path", ["/login", "/status", "/inbox", "/no-such-page", "/api/v1/complaints",
                                  "/api/v1/openapi.json", "/healthz"])
def test_every_response_carries_the_security_headers(app, path):
    response = app.test_client().get(path)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_policy_allows_no_inline_script_or_style_and_no_framing():
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


def test_the_session_cookie_is_lax_and_http_only_and_not_secure_over_plain_http(app):
    cookie = session_cookie(log_in(app.test_client()))
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie and "Secure" not in cookie


def test_the_session_cookie_is_secure_over_https(app):
    client = app.test_client()
    # Over HTTPS Flask-WTF also wants a same-origin Referer, which the referrer policy lets browsers send.
    response = log_in(client, base_url="https://localhost", headers={"Referer": "https://localhost/login"})
    assert response.status_code == 302
    cookie = session_cookie(response)
    assert "Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie


def test_templates_hold_no_inline_script_style_or_event_handlers():
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        html = template.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"<style\b", r"\sstyle\s*=", r"\son[a-z]+\s*=",
                        r"javascript:"):
            found += [f"{template.relative_to(TEMPLATES)}: {m.group(0)}" for m in re.finditer(pattern, html, re.I)]
    assert found == []
