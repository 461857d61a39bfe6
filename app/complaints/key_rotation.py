"""`flask rotate-data-key`: re-encrypt the customer's contact data with the first of DATA_KEYS.

Run it after the new key has been put first in DATA_KEYS on every process of the service (the old keys still
listed, so that what they wrote still reads). It walks the complaints in id order, BATCH at a time, each batch one
short transaction, and rewrites only the values that another key wrote (found by their key id, without decrypting
anything else): the service keeps running meanwhile, and a second run finds nothing left to do. A row changed while
it was being rewritten is left alone (the change was written with the first key already, or it is picked up by the
next run). The blind indexes do not depend on the data key and are not touched. Once a run reports nothing left,
the old keys can be removed from DATA_KEYS.
"""

from __future__ import annotations

from dataclasses import dataclass

import click
from flask.cli import with_appcontext
from sqlalchemy import and_, column, or_, select, table, update

from app.encryption import SEPARATOR, keyring
from app.extensions import db

BATCH = 500
COLUMNS = ("customer_surname", "customer_phone", "customer_email")
# The table as stored (no column types): the values read and written here are the ciphertexts.
_complaint = table("complaint", column("id"), *(column(name) for name in COLUMNS))


@dataclass
class Rotation:
    key_id: str
    complaints: int = 0  # rewritten
    values: int = 0
    changed_meanwhile: int = 0  # left alone: a step wrote the row between the read and the rewrite


def rotate(batch: int = BATCH) -> Rotation:
    """Re-encrypt every contact value not written with the first data key; return what was done."""
    ring = keyring()
    prefix = ring.primary + SEPARATOR
    columns = [_complaint.c[name] for name in COLUMNS]
    stale = or_(*(and_(c.is_not(None), ~c.startswith(prefix)) for c in columns))
    done = Rotation(key_id=ring.primary)
    last = 0
    while True:
        rows = db.session.execute(select(_complaint.c.id, *columns).where(_complaint.c.id > last, stale)
                                  .order_by(_complaint.c.id).limit(batch)).all()
        if not rows:
            db.session.commit()
            return done
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
        db.session.commit()
        last = rows[-1].id


@click.command("rotate-data-key")
@with_appcontext
@click.option("--batch", default=BATCH, show_default=True, type=click.IntRange(1, 10_000),
              help="Complaints rewritten per transaction.")
def rotate_data_key(batch: int) -> None:
    """Re-encrypt the customers' contact data with the first of DATA_KEYS, a batch at a time."""
    done = rotate(batch)
    click.echo(f"data key {done.key_id}: {done.complaints} complaints re-encrypted ({done.values} values)")
    if done.changed_meanwhile:
        click.echo(f"{done.changed_meanwhile} complaints changed meanwhile: run the command again to check them")
