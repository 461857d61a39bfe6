"""`flask rotate-index-key`: recompute the complaints' blind indexes under the first of DATA_INDEX_KEYS.

Run it after the new index key has been put first in DATA_INDEX_KEYS on every process of the service (the old key
after it): from then on what is written is indexed under the new key, and every search compares the indexes under
both keys (app/encryption.py `blinds`), so a complaint is found whichever key its row is indexed under. The command
walks the complaints in id order, BATCH at a time, each batch one short transaction: it decrypts the surname and
the phone, computes their indexes under the first key and rewrites those that differ. A row a step changed between
the read and the rewrite is left alone (the step indexed it under the new key already). Once it has run, the old key
can be dropped, at the earliest KEEP_LOOKUPS after the restart: the status page's lookups are tagged under the key
of their moment, and their limits count the tags under every key until those lookups are forgotten. The addresses'
tags in the audit trail cannot be recomputed (the address itself is never kept): they stay under the key that made
them, and no longer match anything once that key is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import click
from flask.cli import with_appcontext
from sqlalchemy import bindparam, column, select, table, update

from app.complaints.customer import KEEP_LOOKUPS
from app.database import batches_by_id
from app.encryption import keyring, phone_index, phone_last4_index, surname_index
from app.extensions import db

BATCH = 500
INDEXES = ("customer_surname_index", "customer_phone_index", "customer_phone_last4_index")
# The table as stored (no column types): the contact columns are read as ciphertexts and decrypted here.
_complaint = table("complaint", column("id"), column("customer_surname"), column("customer_phone"),
                   *(column(name) for name in INDEXES))
# One statement for a batch's rows (executemany): a row is rewritten only if its contact data are still what was read.
_REINDEX = update(_complaint).where(
    _complaint.c.id == bindparam("row_id"),
    _complaint.c.customer_surname.is_not_distinct_from(bindparam("read_surname")),
    _complaint.c.customer_phone.is_not_distinct_from(bindparam("read_phone")),
).values(**{name: bindparam(f"new_{name}") for name in INDEXES})


@dataclass
class IndexRotation:
    key_id: str
    checked: int = 0
    complaints: int = 0  # whose indexes were rewritten
    changed_meanwhile: int = 0  # left alone: a step wrote the row between the read and the rewrite


def rotate(batch: int = BATCH) -> IndexRotation:
    """Recompute every complaint's blind indexes under the first index key; return what was done."""
    ring = keyring()
    done = IndexRotation(key_id=ring.index_key_id)
    for rows in batches_by_id(select(_complaint), _complaint.c.id, batch):
        stale = []
        for row in rows:
            surname = None if row.customer_surname is None else ring.decrypt(row.customer_surname)
            phone = None if row.customer_phone is None else ring.decrypt(row.customer_phone)
            new = {"customer_surname_index": surname_index(surname), "customer_phone_index": phone_index(phone),
                   "customer_phone_last4_index": phone_last4_index(phone)}
            if any(getattr(row, name) != value for name, value in new.items()):
                stale.append({"row_id": row.id, "read_surname": row.customer_surname, "read_phone": row.customer_phone,
                              **{f"new_{name}": value for name, value in new.items()}})
        rewritten = db.session.execute(_REINDEX, stale).rowcount if stale else 0
        done.checked += len(rows)
        done.complaints += rewritten
        done.changed_meanwhile += len(stale) - rewritten
    return done


@click.command("rotate-index-key")
@with_appcontext
@click.option("--batch", default=BATCH, show_default=True, type=click.IntRange(1, 10_000),
              help="Complaints checked per transaction.")
def rotate_index_key(batch: int) -> None:
    """Recompute the blind indexes of the customers' surnames and phones under the first of DATA_INDEX_KEYS."""
    done = rotate(batch)
    click.echo(f"index key {done.key_id}: {done.checked} complaints checked, {done.complaints} re-indexed")
    if done.changed_meanwhile:
        click.echo(f"{done.changed_meanwhile} complaints changed meanwhile: run the command again to check them")
    minutes = int(KEEP_LOOKUPS.total_seconds() // 60)
    click.echo(f"the older index keys can be dropped once this reports none changed meanwhile, and at least "
               f"{minutes} minutes after every process took the new key first (the status page's lookups)")
