"""`flask rotate-data-key`: re-encrypt the customer's contact data with the first of DATA_KEYS.

Run it after the new key has been put first in DATA_KEYS on every process of the service (the old keys still
listed, so that what they wrote still reads). It walks the complaints in id order, BATCH at a time, each batch one
short transaction, and rewrites only the values that another key wrote (found by their key id, without decrypting
anything else): the service keeps running meanwhile, and a second run finds nothing left to do. A row changed while
it was being rewritten is left alone (the change was written with the first key already, or it is picked up by the
next run). The blind indexes do not depend on the data key and are not touched. Once a run reports nothing left,
the old keys can be removed from DATA_KEYS.

The personal values of form data kept as JSON (app/sealed.py: the workflow state, the further intake fields, the
task and message answers, the incidents' retries) are rotated the same way, table by table: the rows holding a
value an older key sealed are found by that key's id in their text, and only those values are sealed again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import JSON, Text, and_, cast, column, or_, select, table, update

from app.database import batches_by_id
from app.encryption import SEPARATOR, Keyring, keyring
from app.extensions import db
from app.sealed import reseal, stale_pattern

BATCH = 500
COLUMNS = ("customer_surname", "customer_phone", "customer_email")
# The table as stored (no column types): the values read and written here are the ciphertexts.
_complaint = table("complaint", column("id"), *(column(name) for name in COLUMNS))
# Where form data is kept as JSON with its personal values sealed: (table, column, its type).
DOCUMENTS = (("complaint", "state", Text), ("complaint", "intake", JSON), ("task", "submitted", JSON),
             ("incident", "action", JSON), ("message_answer", "payload", JSON))


@dataclass
class Rotation:
    key_id: str
    complaints: int = 0  # rewritten
    values: int = 0
    changed_meanwhile: int = 0  # rows left alone: a step wrote the row between the read and the rewrite
    answers: int = 0  # personal values of form data sealed again
    documents: int = 0  # the rows of DOCUMENTS holding them


def rotate(batch: int = BATCH) -> Rotation:
    """Re-encrypt every contact value and every sealed personal value not written with the first data key; return
    what was done."""
    ring = keyring()
    done = Rotation(key_id=ring.primary)
    _rotate_contact_data(ring, batch, done)
    for name, column_name, type_ in DOCUMENTS:
        _rotate_documents(ring, batch, done, table(name, column("id"), column(column_name, type_)), column_name)
    return done


def _rotate_contact_data(ring: Keyring, batch: int, done: Rotation) -> None:
    prefix = ring.primary + SEPARATOR
    columns = [_complaint.c[name] for name in COLUMNS]
    stale = or_(*(and_(c.is_not(None), ~c.startswith(prefix)) for c in columns))
    for rows in batches_by_id(select(_complaint.c.id, *columns).where(stale), _complaint.c.id, batch):
        for row in rows:
            old = {name: getattr(row, name) for name in COLUMNS if not ring.is_current(getattr(row, name))}
            new = {name: ring.encrypt(ring.decrypt(value)) for name, value in old.items()}
            unchanged = [_complaint.c[name] == value for name, value in old.items()]
            if db.session.execute(update(_complaint).where(_complaint.c.id == row.id, *unchanged)
                                  .values(**new)).rowcount:
                done.complaints += 1
                done.values += len(new)
            else:
                done.changed_meanwhile += 1


def _rotate_documents(ring: Keyring, batch: int, done: Rotation, documents: Any, name: str) -> None:
    """Seal again the values an older key sealed in column `name` of `documents`, a batch of rows per transaction;
    a row changed since it was read is left for the next run."""
    old_keys = [kid for kid in ring.fernets if kid != ring.primary]
    if not old_keys:
        return
    stored = cast(documents.c[name], Text)  # the JSON as the database holds it, whatever the column's type
    stale = or_(*(stored.like(stale_pattern(kid)) for kid in old_keys))
    for rows in batches_by_id(select(documents.c.id, stored).where(stale), documents.c.id, batch):
        for row_id, text_ in rows:
            document, n = reseal(json.loads(text_), ring)
            if not n:
                continue
            value = json.dumps(document, separators=(",", ":")) if name == "state" else document
            if db.session.execute(update(documents).where(documents.c.id == row_id, stored == text_)
                                  .values({name: value})).rowcount:
                done.documents += 1
                done.answers += n
            else:
                done.changed_meanwhile += 1


@click.command("rotate-data-key")
@with_appcontext
@click.option("--batch", default=BATCH, show_default=True, type=click.IntRange(1, 10_000),
              help="Rows (complaints, tasks, messages, incidents) rewritten per transaction.")
def rotate_data_key(batch: int) -> None:
    """Re-encrypt the customers' contact data and personal form data with the first of DATA_KEYS, a batch at a
    time."""
    done = rotate(batch)
    click.echo(f"data key {done.key_id}: {done.complaints} complaints re-encrypted ({done.values} values)")
    click.echo(f"{done.answers} personal values of form data sealed again ({done.documents} rows)")
    if done.changed_meanwhile:
        click.echo(f"{done.changed_meanwhile} rows changed meanwhile: run the command again to check them")
