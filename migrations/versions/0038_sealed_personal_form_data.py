"""The personal values of form data encrypted at rest (app/sealed.py): in the workflow state's task data, the
complaint's further intake fields, the task answers, the incidents' retries and the message answers, the value of
every field forms mark personal becomes {"$enc": "<key id>$<Fernet token>"} with the configured data key.

Existing rows are sealed in place, a batch at a time; downgrade opens them again. No column changes type.

Revision ID: 0038
Revises: 0039
Create Date: 2026-11-30 08:30:00.000000

"""
import json

import sqlalchemy as sa
from alembic import op

from app.encryption import keyring
from app.engine.state import format_of, map_data
from app.sealed import personal_keys, seal, unseal

# revision identifiers, used by Alembic.
revision = '0038'
down_revision = '0039'
branch_labels = None
depends_on = None

BATCH = 500
# (table, column): the JSON documents holding form data, each row by its id.
DOCUMENTS = (('complaint', 'intake'), ('task', 'submitted'), ('incident', 'action'), ('message_answer', 'payload'))


def upgrade():
    keys, ring = personal_keys(), keyring()
    _rewrite_states(lambda data: seal(data, keys, ring))
    for name, column in DOCUMENTS:
        _rewrite_documents(name, column, lambda document: seal(document, keys, ring))


def downgrade():
    ring = keyring()
    _rewrite_states(lambda data: unseal(data, ring))
    for name, column in DOCUMENTS:
        _rewrite_documents(name, column, lambda document: unseal(document, ring))


def _rewrite_states(change):
    """Apply `change` to every data dict of every stored workflow state (app/engine/state.py `map_data`)."""
    complaint = sa.table('complaint', sa.column('id', sa.Integer), sa.column('state', sa.Text))

    def rewrite(text):
        state = json.loads(text)
        if format_of(state) is None:
            return text
        changed = []

        def noted(data):
            new = change(data)
            if new != data:
                changed.append(True)
            return new

        map_data(state['workflow'] if format_of(state) >= 2 else state, noted)
        return json.dumps(state, separators=(',', ':')) if changed else text  # else the row is not written

    _batches(complaint, 'state', lambda text: rewrite(text) if text else text)


def _rewrite_documents(name, column, change):
    documents = sa.table(name, sa.column('id'), sa.column(column, sa.JSON))
    _batches(documents, column, lambda document: None if document is None else change(document))


def _batches(table, column, change):
    """Set `column` of every row of `table` to change(value), BATCH rows at a time in id order; a row whose value
    does not change is not written."""
    connection = op.get_bind()
    last = None
    while True:
        query = sa.select(table.c.id, table.c[column]).order_by(table.c.id).limit(BATCH)
        rows = connection.execute(query if last is None else query.where(table.c.id > last)).all()
        if not rows:
            return
        for row_id, value in rows:
            changed = change(value)
            if changed != value:
                connection.execute(table.update().where(table.c.id == row_id).values({column: changed}))
        last = rows[-1][0]
