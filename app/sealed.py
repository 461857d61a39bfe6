"""Personal values inside the JSON the service keeps, encrypted at rest, and read back in clear.

Form data is kept as JSON in several places: a task's answers, a message's answers, a failed step's retry, the
complaint's further intake fields (columns of type `SealedJSON`) and the task data in the stored workflow state
(`WorkflowSeal`, which app/engine/state.py applies as a state is saved and loaded). In all of them the value of a
field that forms mark personal (app/forms/personal.py names them; `init_app` is given the names) is stored as

    {"$enc": "<key id>$<Fernet token of the value's JSON>"}

with the first of DATA_KEYS (app/encryption.py), and everything else stays as it was, so SQL still reads the
amounts and choices the reports count. Empty values (null, "", [], {}) are not sealed. Reading opens every sealed
value wherever it is, so the models, the pages, the engine's expressions and the purge see clear values. A sealed
value's key id is in the JSON text, so the rotation (app/complaints/key_rotation.py) finds the rows an older key
wrote with a plain LIKE, and `reseal` rewrites just those values.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from flask import Flask, current_app
from sqlalchemy import JSON
from sqlalchemy.types import TypeDecorator

from app.encryption import SEPARATOR, Keyring, keyring

MARK = "$enc"
EMPTY = (None, "", [], {})
_NESTED = (dict, list)


def init_app(app: Flask, keys: frozenset[str]) -> None:
    """The names under which form data is personal (app/forms/personal.py `personal_keys`)."""
    app.extensions["personal_keys"] = keys


def personal_keys() -> frozenset[str]:
    return current_app.extensions["personal_keys"]


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get(MARK), str)


def _clear(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def seal(document: Any, keys: frozenset[str], ring: Keyring) -> Any:
    """`document` with the non-empty values of `keys` (at any depth) sealed; a copy, the document is not changed."""
    if isinstance(document, dict):
        return {key: {MARK: ring.encrypt(_clear(value))} if key in keys and value not in EMPTY and not is_sealed(value)
                else seal(value, keys, ring) for key, value in document.items()}
    if isinstance(document, list):
        return [seal(item, keys, ring) for item in document]
    return document


def unseal(document: Any, ring: Keyring) -> Any:
    """`document` with every sealed value opened (a copy)."""
    if isinstance(document, dict):
        if is_sealed(document):
            return json.loads(ring.decrypt(document[MARK]))
        return {key: unseal(value, ring) for key, value in document.items()}
    if isinstance(document, list):
        return [unseal(item, ring) for item in document]
    return document


def reseal(document: Any, ring: Keyring) -> tuple[Any, int]:
    """`document` with the sealed values another data key wrote sealed again with the first; how many were."""
    if isinstance(document, dict):
        if is_sealed(document):
            if ring.is_current(document[MARK]):
                return document, 0
            return {MARK: ring.encrypt(ring.decrypt(document[MARK]))}, 1
        count, out = 0, {}
        for key, value in document.items():
            out[key], n = reseal(value, ring)
            count += n
        return out, count
    if isinstance(document, list):
        count, items = 0, []
        for item in document:
            resealed, n = reseal(item, ring)
            items.append(resealed)
            count += n
        return items, count
    return document, 0


def stale_pattern(key_id: str) -> str:
    """A LIKE pattern matching the JSON text of a document holding a value that data key `key_id` sealed."""
    return f'%"{key_id}{SEPARATOR}%'


class SealedJSON(TypeDecorator):
    """JSON whose personal values are sealed on the way in and opened on the way out; clear on the model.

    An element read in SQL (`column["amount"]`) is opened too; a sealed element's token is
    `column[(name, MARK)]`, and SQL never sees its clear value.
    """

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else seal(value, personal_keys(), keyring())

    def process_result_value(self, value, dialect):
        return None if value is None else unseal(value, keyring())


class WorkflowSeal:
    """Seals and opens the personal values of one workflow's task data (app/engine/state.py `DataSeal`).

    A workflow carries a copy of its data in many of the tasks it keeps, so it remembers what it opened: a value
    opened once is not decrypted again, and a field saved unchanged keeps its token (while the first data key wrote
    it) instead of being encrypted again at every step. Tokens are kept by field, so two fields holding the same
    words do not show it.
    """

    def __init__(self, keys: frozenset[str], ring: Keyring) -> None:
        self.keys, self.ring = keys, ring
        self._opened: dict[str, Any] = {}  # token -> clear value
        self._tokens: dict[str, str] = {}  # field NUL clear value's JSON -> the current key's token

    @classmethod
    def current(cls) -> WorkflowSeal:
        return cls(personal_keys(), keyring())

    def seal(self, data: dict[str, Any]) -> dict[str, Any]:
        return self._seal(data)

    def open(self, data: dict[str, Any]) -> dict[str, Any]:
        return self._open(data)

    def _seal(self, value: Any, key: str | None = None) -> Any:
        if key is not None and value not in EMPTY and not is_sealed(value):
            clear = _clear(value)
            token = self._tokens.get(key + "\0" + clear)
            if token is None:
                token = self._tokens[key + "\0" + clear] = self.ring.encrypt(clear)
            return {MARK: token}
        if isinstance(value, dict):  # (scalars that are not personal are taken as they are, without a call)
            keys = self.keys
            return {name: self._seal(item, name) if name in keys
                    else self._seal(item) if isinstance(item, _NESTED) else item for name, item in value.items()}
        if isinstance(value, list):
            return [self._seal(item) if isinstance(item, _NESTED) else item for item in value]
        return value

    def _open(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            if is_sealed(value):
                token = value[MARK]
                if token not in self._opened:
                    clear = self.ring.decrypt(token)
                    self._opened[token] = json.loads(clear)
                    if key is not None and self.ring.is_current(token):
                        self._tokens[key + "\0" + clear] = token
                opened = self._opened[token]
                return copy.deepcopy(opened) if isinstance(opened, _NESTED) else opened
            return {name: self._open(item, name) if isinstance(item, _NESTED) else item
                    for name, item in value.items()}
        if isinstance(value, list):
            return [self._open(item) if isinstance(item, _NESTED) else item for item in value]
        return value
