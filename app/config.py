"""Configuration: defaults, overridden by the environment and by create_app's argument."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from app.encryption import new_data_key


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


def _data_keys(instance_path: Path) -> tuple[str, str]:
    """DATA_KEYS and DATA_INDEX_KEY (app/encryption.py) from the environment, else each generated once into
    instance/ like the secret key (the index key not when DATA_INDEX_KEYS is given, which replaces it)."""
    keys = []
    for name, make in (("DATA_KEYS", new_data_key), ("DATA_INDEX_KEY", lambda: secrets.token_urlsafe(32))):
        key_file = instance_path / name.lower()
        if name == "DATA_INDEX_KEY" and os.environ.get("DATA_INDEX_KEYS") and not key_file.exists():
            keys.append(os.environ.get(name) or "")
            continue
        if not os.environ.get(name) and not key_file.exists():
            instance_path.mkdir(parents=True, exist_ok=True)
            key_file.write_text(make())
            key_file.chmod(0o600)
        keys.append(os.environ.get(name) or key_file.read_text().strip())
    return keys[0], keys[1]


def load_config(instance_path: Path) -> dict:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'complaints.db'}"
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    data_keys, data_index_key = _data_keys(instance_path)
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
        "SECRET_KEY": _secret_key(instance_path),
        # Customer contact data at rest: Fernet keys, comma-separated, the first encrypts (app/encryption.py).
        "DATA_KEYS": data_keys,
        "DATA_INDEX_KEY": data_index_key,
        # The blind indexes' keys during a rotation, comma-separated: the first indexes, every one is searched.
        "DATA_INDEX_KEYS": os.environ.get("DATA_INDEX_KEYS", ""),
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
        # A page session ends after this many minutes without a request (app/users/sessions.py).
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", 30)),
        "HEADER_COUNT_SECONDS": float(os.environ.get("HEADER_COUNT_SECONDS", 5)),
        **_notification_config(),
    }


def _notification_config() -> dict:
    """Where notifications go beyond the staff's feed (app/notifications): SMTP, role mailboxes, the
    customer's SMS or WeChat provider. Unset: that channel is not used."""
    env = os.environ.get
    return {
        "SMTP_HOST": env("SMTP_HOST", ""),
        "SMTP_PORT": int(env("SMTP_PORT", 25)),
        "SMTP_USERNAME": env("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": env("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": env("SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
        "SMTP_FROM": env("SMTP_FROM", "complaints@localhost"),
        # role=address pairs, comma-separated: the mailbox each department reads.
        "NOTIFY_ROLE_EMAILS": env("NOTIFY_ROLE_EMAILS", ""),
        "CUSTOMER_MESSAGE_PROVIDER": env("CUSTOMER_MESSAGE_PROVIDER", ""),  # "webhook" / "wechat"
        "CUSTOMER_MESSAGE_CHANNEL": env("CUSTOMER_MESSAGE_CHANNEL", "sms"),  # sms / wechat
        "CUSTOMER_MESSAGE_URL": env("CUSTOMER_MESSAGE_URL", ""),
        "CUSTOMER_MESSAGE_TOKEN": env("CUSTOMER_MESSAGE_TOKEN", ""),
        "WECHAT_TEMPLATE_ID": env("WECHAT_TEMPLATE_ID", ""),  # the template the wechat provider fills in
        "CUSTOMER_LANGUAGE": env("CUSTOMER_LANGUAGE", "zh"),
        "NOTIFY_TIMEOUT_SECONDS": float(env("NOTIFY_TIMEOUT_SECONDS", 10)),
        "NOTIFY_MAX_ATTEMPTS": int(env("NOTIFY_MAX_ATTEMPTS", 6)),
        "NOTIFY_BACKOFF_SECONDS": float(env("NOTIFY_BACKOFF_SECONDS", 30)),
        # The service's address as staff open it, for links in emails (the monthly review's PDF).
        "PUBLIC_URL": env("PUBLIC_URL", ""),
        "MALL_NAME": env("MALL_NAME", ""),  # printed on the monthly review's title page
        # Report readers told of the monthly review on each month's first working day; empty: not sent.
        "MONTHLY_REVIEW_ROLES": env("MONTHLY_REVIEW_ROLES", "senior_management"),
    }
