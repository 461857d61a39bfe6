"""Idempotent intake: `POST /complaints` with an `Idempotency-Key` header is done at most once.

A client that sent a complaint and got no answer (a timeout, a dropped connection, a server killed
after the commit) sends it again with the same key and gets the first answer, same status and body,
instead of a second complaint. The key's record is written in the intake's own transaction (the
service's `before_commit` hook), so a complaint is never kept without it, nor it without the complaint.

- Keys are per user and kept for KEEP (24 hours); after that the same key starts a new intake.
- The same key with a different body is a 422 saying so: a key names one request.
- Two identical requests at the same moment: on SQLite the second waits for the first's write
  transaction and then finds its record; on PostgreSQL the second's insert of the same key fails on
  the unique constraint, its whole intake rolls back (the complaint number too), and it answers with
  the first's record.
- A failed intake (422, 409) keeps nothing: sending it again runs it again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.complaints.idempotency_models import IdempotencyKey
from app.database import begin_write
from app.errors import Invalid
from app.extensions import db
from app.timeutil import utcnow
from app.users.models import User

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEEP = timedelta(hours=24)
MAX_LENGTH = 255
_KEY = re.compile(rf"[\x21-\x7e]{{1,{MAX_LENGTH}}}")  # visible ASCII, e.g. a UUID
_FORGET_BATCH = 100

DOC = {"in": "header", "name": HEADER, "required": False,
       "schema": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH, "pattern": r"^[\x21-\x7e]+$"},
       "description": "A key the client makes up per complaint (a UUID, say). Sending the same request again "
                      "with the same key within 24 hours returns the first answer (same status and body, "
                      f"header `{REPLAYED_HEADER}: true`) instead of registering a second complaint; the same "
                      "key with a different body is a 422. Keys are per user."}

Remember = Callable[[dict[str, Any]], None]
Response = tuple[dict[str, Any], int, dict[str, str]]


def once(user: User, key: str | None, body: Any, act: Callable[[Remember | None], dict[str, Any]],
         status: int = 201) -> Response:
    """Run `act` (the intake) once per user and key; `act` passes the hook it gets to the service."""
    if key is None:
        return act(None), status, {}
    key = _checked(key)
    fingerprint = _fingerprint(body)
    now = utcnow()
    begin_write()  # on SQLite the look-up and the intake are one write transaction: a twin waits
    _forget_expired(user, key, now)
    found = _find(user, key)
    if found is not None:
        db.session.commit()
        return _replay(found, fingerprint)

    def remember(response: dict[str, Any]) -> None:
        # As the client will see it (Flask's JSON), so that a replay is byte for byte the same body.
        stored = json.loads(current_app.json.dumps(response))
        db.session.add(IdempotencyKey(user_id=user.id, key=key, fingerprint=fingerprint, status=status,
                                      response=stored, created_at=now))
        db.session.flush()  # a twin's committed key fails here, before this intake commits

    try:
        return act(remember), status, {}
    except IntegrityError:
        db.session.rollback()
        found = _find(user, key)
        if found is None:
            raise
        return _replay(found, fingerprint)


def _checked(key: str) -> str:
    if not _KEY.fullmatch(key):
        message = f"The {HEADER} header must be 1 to {MAX_LENGTH} visible ASCII characters (a UUID, say)."
        raise Invalid(message, errors={HEADER: [message]})
    return key


def _fingerprint(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _find(user: User, key: str) -> IdempotencyKey | None:
    return db.session.scalars(select(IdempotencyKey).where(
        IdempotencyKey.user_id == user.id, IdempotencyKey.key == key)).first()


def _replay(found: IdempotencyKey, fingerprint: str) -> Response:
    if found.fingerprint != fingerprint:
        message = (f"This {HEADER} was already used for a different complaint. Send a new key with a new "
                   "complaint; send the same body to get the first answer again.")
        raise Invalid(message, errors={HEADER: [message]})
    return found.response, found.status, {REPLAYED_HEADER: "true"}


def _forget_expired(user: User, key: str, now) -> None:
    """This key when it has expired, and a batch of other expired keys (never waiting for a row)."""
    cutoff = now - KEEP
    db.session.execute(delete(IdempotencyKey).where(
        IdempotencyKey.user_id == user.id, IdempotencyKey.key == key, IdempotencyKey.created_at <= cutoff))
    old = (select(IdempotencyKey.id).where(IdempotencyKey.created_at <= cutoff)
           .limit(_FORGET_BATCH).with_for_update(skip_locked=True))
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id.in_(old)))
