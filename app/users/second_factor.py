"""A user's second factor: a TOTP authenticator (RFC 6238, through pyotp) and one-time recovery codes.

The server must read the TOTP secret to check a code, so it cannot be hashed: it is encrypted with Fernet
(the `cryptography` package) under a key derived from the app's SECRET_KEY by HKDF; a copy of the database
alone does not give the secrets away. Recovery codes are random and stored as HMAC-SHA256 under a second
derived key, so they are checked by one indexed look-up and cannot be guessed offline from the database.

A code is accepted for the current 30-second step or the one before or after (clocks drift), and each step
once: a code seen in use cannot be replayed. Wrong codes are counted by the log-in throttle
(app/users/lockout.py) under the user's name with a prefix of their own, so they lock out as passwords do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import delete, select, update

from app.database import begin_write
from app.errors import Conflict, Invalid
from app.extensions import db
from app.timeutil import utcnow
from app.users import lockout, passwords
from app.users.models import RecoveryCode, SecondFactor, User

ISSUER = "Mall complaints"
RECOVERY_CODES = 10
THROTTLE_PREFIX = "2fa:"

WRONG_CODE = "The code is not correct (or was used already). / 验证码不正确（或已使用过）。"
NOT_ENROLLED = "No second factor is enrolled. / 尚未设置第二重验证。"
ALREADY = "A second factor is enrolled already. / 已设置第二重验证。"
NEED_PROOF = "Give a current code or your password. / 请输入当前验证码或您的密码。"


def _key(purpose: bytes) -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"second-factor " + purpose).derive(secret)


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_key(b"totp secret")))


def _code_hash(code: str) -> str:
    normal = code.strip().lower().replace("-", "").replace(" ", "")
    return hmac.new(_key(b"recovery code"), normal.encode("utf-8"), hashlib.sha256).hexdigest()


def factor_of(user: User) -> SecondFactor | None:
    return db.session.get(SecondFactor, user.id)


def enrolled(user: User) -> bool:
    factor = factor_of(user)
    return factor is not None and factor.enabled_at is not None


def secret_of(factor: SecondFactor) -> str:
    return _fernet().decrypt(factor.secret_encrypted.encode("ascii")).decode("ascii")


def start_enrolment(user: User) -> str:
    """The secret of the enrolment under way (a new one when none is), to show as a QR code and as text."""
    factor = factor_of(user)
    if factor is not None and factor.enabled_at is not None:
        raise Conflict(ALREADY)
    if factor is not None:
        return secret_of(factor)
    secret = pyotp.random_base32()
    begin_write()
    db.session.add(SecondFactor(user_id=user.id, secret_encrypted=_fernet().encrypt(secret.encode()).decode()))
    db.session.commit()
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The QR code of an otpauth:// address as an SVG picture in a data: address (made on the server)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#000", light="#fff")


def confirm_enrolment(user: User, code: str, client: str | None) -> list[str]:
    """Enable the factor under way with its first code; the recovery codes, shown this once."""
    factor = factor_of(user)
    if factor is None:
        raise Invalid(NOT_ENROLLED)
    if factor.enabled_at is not None:
        raise Conflict(ALREADY)
    _check_code(user, factor, code, client)
    begin_write()
    factor = factor_of(user)
    factor.enabled_at = utcnow()
    codes = _new_recovery_codes(user)
    db.session.commit()
    return codes


def verify(user: User, code: str, client: str | None) -> None:
    """Check a log-in's code: a TOTP code, or an unused recovery code (then used up). Invalid (422) when wrong,
    lockout.TooManyAttempts (429) over the throttle's limit."""
    factor = factor_of(user)
    if factor is None or factor.enabled_at is None:
        raise Invalid(NOT_ENROLLED)
    _check_code(user, factor, code, client, recovery=True)


def disable(user: User, code: str | None, password: str | None, client: str | None) -> None:
    """Remove the user's second factor and recovery codes, on a current code or the password."""
    factor = factor_of(user)
    if factor is None:
        raise Invalid(NOT_ENROLLED)
    if code:
        _check_code(user, factor, code, client, recovery=True)
    elif not (password and passwords.check(user.password_hash, password)):
        raise Invalid(NEED_PROOF, errors={"code": [NEED_PROOF]})
    begin_write()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id))
    db.session.commit()


def reset(user: User) -> bool:
    """Remove a user's second factor without a code (`flask users reset-second-factor`, for a lost phone and
    lost codes); whether there was one. A user whose roles require one enrols again at the next log-in."""
    begin_write()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    removed = db.session.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id)).rowcount
    db.session.commit()
    return bool(removed)


def regenerate_recovery_codes(user: User, code: str, client: str | None) -> list[str]:
    """New recovery codes for a current TOTP code; the old ones stop working."""
    factor = factor_of(user)
    if factor is None or factor.enabled_at is None:
        raise Invalid(NOT_ENROLLED)
    _check_code(user, factor, code, client)
    begin_write()
    codes = _new_recovery_codes(user)
    db.session.commit()
    return codes


def remaining_recovery_codes(user: User) -> int:
    return len(list(db.session.scalars(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                                                      RecoveryCode.used_at.is_(None)))))


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    db.session.add_all([RecoveryCode(user_id=user.id, code_hash=_code_hash(code)) for code in codes])
    return codes


def _recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()  # 80 random bits
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def _check_code(user: User, factor: SecondFactor, code: str, client: str | None, recovery: bool = False) -> None:
    """Count the attempt, then accept the TOTP code (each step once) or, when allowed, a recovery code."""
    key = THROTTLE_PREFIX + user.username
    lockout.reserve(key, client)
    given = (code or "").strip().replace(" ", "")
    begin_write()
    if given.isdigit() and len(given) == 6 and _use_step(factor.user_id, secret_of(factor), given, utcnow()):
        pass
    elif not (recovery and len(given) > 6 and _use_recovery_code(user, given)):
        db.session.commit()
        raise Invalid(WRONG_CODE, errors={"code": [WRONG_CODE]})
    db.session.commit()
    lockout.succeeded(key, client)


def _use_step(user_id: int, secret: str, code: str, now: datetime) -> bool:
    """Whether `code` is right for a step near `now` not used before; that step is then marked used (one
    conditional UPDATE, so two requests with the same code cannot both pass)."""
    totp = pyotp.TOTP(secret)
    at = int(now.timestamp())
    for offset in (0, -1, 1):
        moment = at + offset * totp.interval
        if hmac.compare_digest(totp.at(moment), code):
            step = moment // totp.interval
            taken = db.session.execute(update(SecondFactor)
                                       .where(SecondFactor.user_id == user_id, SecondFactor.last_step < step)
                                       .values(last_step=step))
            return taken.rowcount == 1
    return False


def _use_recovery_code(user: User, code: str) -> bool:
    used = db.session.execute(update(RecoveryCode)
                              .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_hash(code),
                                     RecoveryCode.used_at.is_(None))
                              .values(used_at=utcnow()))
    return used.rowcount == 1
