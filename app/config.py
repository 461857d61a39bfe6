"""Configuration: defaults, overridden by the environment and by create_app's argument."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(instance_path: Path) -> dict:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'complaints.db'}"
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
        "SECRET_KEY": _secret_key(instance_path),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 5 * 1024 * 1024)),
        "MALL_TIMEZONE": os.environ.get("MALL_TIMEZONE", "Asia/Shanghai"),
        "PROCESSES_DIR": os.environ.get("PROCESSES_DIR", str(Path(__file__).resolve().parent.parent / "processes")),
        "MAX_PER_PAGE": 100,
        "ATTACHMENTS_DIR": os.environ.get("ATTACHMENTS_DIR", str(instance_path / "attachments")),
        "ATTACHMENT_MAX_BYTES": int(os.environ.get("ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)),
        "API_TITLE": "Mall complaint handling",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": None,
        "JSON_AS_ASCII": False,
        # How many reverse proxies in front may be trusted for X-Forwarded-For/-Proto (app/proxy.py).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", 0)),
        # Set here, not with setdefault: Flask's own defaults already hold these keys.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # True: always Secure; False (default): Secure whenever the request came over HTTPS (app/web/security.py).
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "").lower() in ("1", "true", "yes"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
    }
