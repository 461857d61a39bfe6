"""What every response tells the browser: the content security policy and the other security headers,
and a session cookie that is Secure whenever the page was served over HTTPS.

The policy allows scripts, styles, fonts and pictures only from the service itself (no inline script,
no inline style, no eval), fetches only to itself, no plugins, and no framing by any site. A response
that sets its own header (an attachment download's sandbox policy) keeps it.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, Secure when SESSION_COOKIE_SECURE is set or the request is HTTPS
    (behind a reverse proxy that needs TRUSTED_PROXIES, so that the scheme the client used is known)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_security(app: Flask) -> None:
    app.session_interface = SessionInterface()

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
