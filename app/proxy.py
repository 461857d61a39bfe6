"""Trusting a reverse proxy: the client's real address and scheme from X-Forwarded-For / -Proto.

Off by default (TRUSTED_PROXIES = 0): then those headers are ignored, since any client can send
them, and `request.remote_addr` is the address that connected. With TRUSTED_PROXIES = n (the number
of reverse proxies in front of the service, each appending to X-Forwarded-For), werkzeug's ProxyFix
takes the address the n-th proxy from the end saw, and the scheme the client used, so the log-in and
status-page rate limits, the audit and the Secure session cookie see the real client.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def trust_proxies(app: Flask) -> None:
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
