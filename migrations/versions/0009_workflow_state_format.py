"""Stored workflow state: versioned, pruned format.

Rewrites every complaint's workflow state into the current format of
app/engine/state.py. Format 1 (tagged "spiff-3.2-nospec": SpiffWorkflow's dict
with every finished task and every finished call-activity subworkflow) becomes
the {format, serializer, workflow} envelope, pruned to what the engine needs to
go on. A state of an older format also loads as it is (the upgrade is applied on
load); this migration shrinks the stored rows at once rather than at each
complaint's next step.

The rewrite goes through the service's engine (app.engine), onto each complaint's
deployed version compiled from the diagrams stored in process_definition, which
it reads with plain SQL: it depends on no model class. Rows are read and written
in batches; a row already in the current format is left alone.

Downgrade unwraps the envelope back to format 1, which the older release reads:
the workflow inside stays pruned (the dropped history lives in the task table and
the audit trail, and the older engine goes on from a pruned workflow as well).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 16:50:00.000000

"""
import json

import sqlalchemy as sa
from alembic import op

from app.engine import state as stored
from app.engine.specs import Document, compile_process, parse_documents
from app.engine.xml import parse_document

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

BATCH = 200


def upgrade():
    connection = op.get_bind()
    compiled = {}
    for batch in _batches(connection):
        changed = []
        for complaint_id, definition_id, text in batch:
            if stored.format_of(json.loads(text)) == stored.FORMAT:
                continue
            if definition_id not in compiled:
                compiled[definition_id] = _compile(connection, definition_id)
            changed.append({"id": complaint_id, "state": stored.rewrite(text, compiled[definition_id])})
        _write(connection, changed)


def downgrade():
    connection = op.get_bind()
    for batch in _batches(connection):
        changed = []
        for complaint_id, _definition_id, text in batch:
            state = json.loads(text)
            if stored.format_of(state) != 2 or state.get("serializer") != "1.5":
                continue  # format 1 already, or a state the older release could not read either way
            changed.append({"id": complaint_id,
                            "state": json.dumps({**state["workflow"], "format": stored.LEGACY_FORMAT},
                                                separators=(",", ":"))})
        _write(connection, changed)


def _batches(connection):
    """The stored states, BATCH complaints at a time, in id order."""
    last_id = 0
    while True:
        rows = connection.execute(
            sa.text("SELECT id, definition_id, state FROM complaint WHERE id > :last AND state <> '' "
                    "ORDER BY id LIMIT :batch"), {"last": last_id, "batch": BATCH}).all()
        if not rows:
            return
        yield rows
        last_id = rows[-1][0]


def _write(connection, changed):
    if changed:
        connection.execute(sa.text("UPDATE complaint SET state = :state WHERE id = :id"), changed)


def _compile(connection, definition_id):
    """The executable spec of a deployed version: its diagram and the versions it resolved at deploy."""
    key, dependencies = connection.execute(
        sa.text("SELECT key, dependencies FROM process_definition WHERE id = :id"), {"id": definition_id}).one()
    if isinstance(dependencies, str):  # SQLite hands JSON columns back as text
        dependencies = json.loads(dependencies)
    ids = [definition_id, *(dependency["id"] for dependency in dependencies or [])]
    documents, sources = [], set()
    for filename, kind, source in connection.execute(
            sa.text("SELECT filename, kind, source FROM process_definition WHERE id IN :ids")
            .bindparams(sa.bindparam("ids", expanding=True)), {"ids": ids}):
        if source not in sources:  # one file may hold several processes, each its own version row
            sources.add(source)
            documents.append(Document(filename, kind, parse_document(source, filename)))
    return compile_process(parse_documents(documents), key, {})
