"""The customer's contact data encrypted at rest: the data keys, the encrypted column type and the blind indexes.

A value is stored as `<key id>$<Fernet token>`: the key id (8 hex digits of a hash of the key) names the data key
that wrote it, so a row still written with an older key is found with a plain `NOT LIKE` (rotation, app/complaints/
key_rotation.py) and a value whose key is not configured is refused by name instead of read as garbage.
`DATA_KEYS` lists the keys, the first encrypts, every one decrypts (the ones before a rotation stay listed until it
has run).

Searching cannot use the ciphertext (Fernet tokens differ each time), so what is searched is a blind index beside
it: an HMAC-SHA256, under the separate index key, of the normalised value (the phone's digits, its last four,
the surname). Rotating the data key leaves the blind indexes as they are. The index keys are `DATA_INDEX_KEYS`
(else the single `DATA_INDEX_KEY`): the first indexes what is written, every one is searched (`blinds`), so that
`flask rotate-index-key` (app/complaints/index_rotation.py) can recompute the stored indexes while the service runs.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import Flask, current_app
from sqlalchemy import ColumnElement, String, Text, column, false, select, table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import TypeDecorator

from app.extensions import db

SEPARATOR = "$"
KEY_ID_LENGTH = 8
MIN_INDEX_KEY_LENGTH = 32
DECRYPTED_KEPT = 4096
_STORED = re.compile(rf"[0-9a-f]{{{KEY_ID_LENGTH}}}\{SEPARATOR}")


class DataKeyError(RuntimeError):
    """A data key is malformed or missing, or stored data was written with a key that is not configured."""


def new_data_key() -> str:
    return Fernet.generate_key().decode()


def key_id(key: str) -> str:
    return hashlib.sha256(b"data-key-id:" + key.encode()).hexdigest()[:KEY_ID_LENGTH]


@dataclass(frozen=True)
class Keyring:
    """The configured data keys by id (the first one encrypts) and the blind-index keys (the first one indexes).

    The values read most recently are kept decrypted, up to DECRYPTED_KEPT of them, by their stored text: every
    desk's list shows the same newest complaints, and a Fernet token is unique to one encryption, so a value
    rewritten (a rotation, a purge) is a different key here and its old entry is never read again.
    """

    primary: str
    fernets: dict[str, Fernet]
    index_keys: tuple[bytes, ...]
    _recent: Callable[[str], str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_recent", lru_cache(maxsize=DECRYPTED_KEPT)(self._decrypt))

    @classmethod
    def from_config(cls, data_keys: str | Iterable[str], index_keys: str | Iterable[str]) -> Keyring:
        keys = _listed(data_keys)
        if not keys:
            raise DataKeyError("DATA_KEYS is empty: give at least one key, made with `python -c 'from "
                               "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`.")
        fernets: dict[str, Fernet] = {}
        for n, key in enumerate(keys, start=1):
            try:
                fernets[key_id(key)] = Fernet(key)
            except ValueError:
                raise DataKeyError(f"DATA_KEYS: key {n} is not a Fernet key (32 bytes in URL-safe base64, 44 "
                                   "characters).") from None
        indexing = _listed(index_keys or "")
        if not indexing or any(len(k) < MIN_INDEX_KEY_LENGTH for k in indexing):
            raise DataKeyError(f"DATA_INDEX_KEY must be at least {MIN_INDEX_KEY_LENGTH} characters long (each of "
                               "DATA_INDEX_KEYS too).")
        return cls(primary=key_id(keys[0]), fernets=fernets, index_keys=tuple(k.encode() for k in indexing))

    @property
    def index_key_id(self) -> str:
        """The id of the index key that indexes what is written (8 hex digits, as a data key's)."""
        return key_id(self.index_keys[0].decode())

    def encrypt(self, clear: str) -> str:
        return self.primary + SEPARATOR + self.fernets[self.primary].encrypt(clear.encode()).decode()

    def decrypt(self, stored: str) -> str:
        return self._recent(stored)

    def _decrypt(self, stored: str) -> str:
        if not _STORED.match(stored):
            raise DataKeyError("A contact field in the database is not encrypted (run `flask db upgrade`).")
        kid, _, token = stored.partition(SEPARATOR)
        fernet = self.fernets.get(kid)
        if fernet is None:
            raise DataKeyError(f"Contact data in the database was encrypted with data key {kid}, which is not among "
                               f"DATA_KEYS ({', '.join(self.fernets)}): configure the key it was written with.")
        try:
            return fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise DataKeyError(f"Contact data encrypted with data key {kid} does not decrypt: the stored value "
                               "was altered.") from None

    def is_current(self, stored: str | None) -> bool:
        return stored is None or stored.startswith(self.primary + SEPARATOR)

    def blind(self, kind: str, normalised: str | None) -> str | None:
        """The blind index of an already normalised value under the first index key (None stays None)."""
        if normalised is None:
            return None
        return hmac.new(self.index_keys[0], f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()

    def blinds(self, kind: str, normalised: str | None) -> list[str]:
        """The value's blind index under every index key, the first key's first: what a search compares while
        a rotation has left rows indexed under an older key (none for None)."""
        if normalised is None:
            return []
        return [hmac.new(key, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest() for key in self.index_keys]


def _listed(keys: str | Iterable[str]) -> list[str]:
    return [k.strip() for k in (keys.split(",") if isinstance(keys, str) else keys) if k.strip()]


def init_app(app: Flask) -> None:
    """Build the keyring from the configuration (DataKeyError when a key is malformed)."""
    app.extensions["data_keys"] = Keyring.from_config(
        app.config["DATA_KEYS"], app.config.get("DATA_INDEX_KEYS") or app.config["DATA_INDEX_KEY"])


def keyring() -> Keyring:
    return current_app.extensions["data_keys"]


def check_database(app: Flask) -> None:
    """DataKeyError unless the oldest and the newest complaint's contact data decrypt with the configured keys
    (a wrong or missing DATA_KEYS stops the service at start instead of failing on every page). Skipped on a
    database not yet migrated."""
    ring = app.extensions["data_keys"]
    with app.app_context():
        try:
            phones = table("complaint", column("id"), column("customer_phone"))  # untyped: the ciphertext
            first = select(phones.c.customer_phone).where(phones.c.customer_phone.is_not(None)).limit(1)
            stored = [db.session.scalar(first.order_by(order)) for order in (phones.c.id.asc(), phones.c.id.desc())]
        except SQLAlchemyError:  # no complaint table yet: `flask db upgrade` is about to make it
            stored = []
        finally:
            db.session.rollback()
            db.session.remove()
    for value in stored:
        if value is not None and _STORED.match(value):  # clear values: the database is not migrated yet
            ring.decrypt(value)


# --- what is indexed ----------------------------------------------------------------------------------------

def phone_digits(phone: str | None) -> str | None:
    """The phone's digits, a mobile number's +86 left off (so both ways of writing it index alike)."""
    if phone is None:
        return None
    digits = re.sub(r"\D", "", phone)
    return digits[2:] if len(digits) == 13 and digits.startswith("861") else digits


def _last4(phone: str | None) -> str | None:
    digits = phone_digits(phone)
    return digits[-4:] if digits and len(digits) >= 4 else None


def _surname(surname: str | None) -> str | None:
    return None if surname is None else " ".join(surname.split()).casefold()


def phone_index(phone: str | None) -> str | None:
    """The blind index of the phone's digits (None without any, e.g. once purged)."""
    return keyring().blind("phone", phone_digits(phone) or None)


def phone_last4_index(phone: str | None) -> str | None:
    """The blind index of the phone's last four digits (None with fewer than four)."""
    return keyring().blind("phone_last4", _last4(phone))


def surname_index(surname: str | None) -> str | None:
    return keyring().blind("surname", _surname(surname))


def phone_indexes(phone: str | None) -> list[str]:
    """What a search by phone compares: the phone's blind index under every index key."""
    return keyring().blinds("phone", phone_digits(phone) or None)


def phone_last4_indexes(phone: str | None) -> list[str]:
    return keyring().blinds("phone_last4", _last4(phone))


def surname_indexes(surname: str | None) -> list[str]:
    return keyring().blinds("surname", _surname(surname))


def matches(column_: ColumnElement[Any], indexes: list[str]) -> ColumnElement[bool]:
    """The condition that a blind-index column holds one of `indexes` (a plain equality with a single index key,
    so that the search's ordered index serves it as before); none matches nothing."""
    if not indexes:
        return false()
    return column_ == indexes[0] if len(indexes) == 1 else column_.in_(indexes)


def index_default(index: Callable[[str | None], str | None], source: str) -> Callable[[Any], str | None]:
    """A column default computing a blind index from the clear value inserted beside it, so that rows inserted
    without the ORM's unit of work (bulk inserts) are indexed too."""
    return lambda context: index(context.get_current_parameters().get(source))


class Encrypted(TypeDecorator):
    """Text encrypted with the first data key on the way in, decrypted on the way out; clear on the model.

    `length` is the longest clear value (what forms may accept); the ciphertext is longer, hence text on PostgreSQL.
    Comparing such a column with a value in SQL never matches: search its blind index instead.
    """

    impl = Text
    cache_ok = True

    def __init__(self, length: int | None = None) -> None:
        super().__init__()
        self.length = length

    def load_dialect_impl(self, dialect):
        # SQLite enforces no declared length: its column keeps the clear value's, so migration 0031 need not
        # copy a table that others refer to.
        # (Not through dialect.type_descriptor: PostgreSQL's adaptation turns Text into its VARCHAR type.)
        return String(self.length) if dialect.name == "sqlite" else Text()

    def process_bind_param(self, value, dialect):
        return None if value is None else keyring().encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else keyring().decrypt(value)
