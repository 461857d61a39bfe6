"""The answers delivered as BPMN messages get a table of their own, `message_answer`, which the task context and
the satisfaction report read and the retention purge empties (the audit trail names their personal fields only by
reference to it).

The messages already received are copied from their `message_received` audit events (a field the trail already
holds only as a reference stays a reference); those of complaints whose personal data was purged are not copied.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-05 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

from app.timeutil import UtcDateTime

# revision identifiers, used by Alembic.
revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None


def upgrade():
    answers = op.create_table(
        'message_answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('message', sa.String(length=80), nullable=False),
        sa.Column('received_at', UtcDateTime(), nullable=False),
        sa.Column('by', sa.String(length=120), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_message_answer_complaint_id', 'message_answer', ['complaint_id'])
    _copy_from_audit(answers)


def _copy_from_audit(answers: sa.Table) -> None:
    events = sa.table('audit_event', sa.column('complaint_id', sa.Integer()), sa.column('at', UtcDateTime()),
                      sa.column('actor_name', sa.String()), sa.column('action', sa.String()),
                      sa.column('detail', sa.JSON()), sa.column('id', sa.Integer()))
    purged = sa.table('complaint_purge', sa.column('complaint_id', sa.Integer()))
    query = sa.select(events.c.complaint_id, events.c.at, events.c.actor_name, events.c.detail).where(
        events.c.action == 'message_received',
        events.c.complaint_id.not_in(sa.select(purged.c.complaint_id))).order_by(events.c.id)
    rows = [{"complaint_id": complaint_id, "message": str((detail or {}).get("message") or ""),
             "received_at": at, "by": "customer" if (detail or {}).get("by") == "customer" else actor_name,
             "payload": (detail or {}).get("payload") or {}}
            for complaint_id, at, actor_name, detail in op.get_bind().execute(query)]
    if rows:
        op.bulk_insert(answers, rows)


def downgrade():
    op.drop_index('ix_message_answer_complaint_id', table_name='message_answer')
    op.drop_table('message_answer')
