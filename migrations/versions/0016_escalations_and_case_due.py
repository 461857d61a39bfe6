"""Escalated late tasks reach a person; a complaint's whole-case due time.

- escalation: one row per rung a late task reached (duty manager, then senior management),
  written by the `escalate` operator when a breach or escalation timer fires; closed by the
  step in which its task stops being open.
- complaint.due_at: when the case as a whole is due (app/timers/case_limits.py), set at intake;
  complaints registered before have none. ix_complaint_status_order carries it, so the list's
  overdue-case filter reads it from the index it walks.

Revision ID: 0016
Revises: 0014
Create Date: 2026-11-29 20:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'escalation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('complaint_number', sa.String(length=20), nullable=False),
        sa.Column('complaint_type', sa.String(length=40), nullable=False),
        sa.Column('task_id', sa.String(length=36), nullable=False),
        sa.Column('task_name', sa.String(length=200), nullable=False),
        sa.Column('task_role', sa.String(length=40), nullable=False),
        sa.Column('limit_name', sa.String(length=40), nullable=False),
        sa.Column('role', sa.String(length=40), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('breached_by_seconds', sa.Integer(), nullable=True),
        sa.Column('notes', sa.JSON(), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_escalation_complaint_id', 'escalation', ['complaint_id'], unique=False)
    op.create_index('ix_escalation_task_id', 'escalation', ['task_id'], unique=False)
    op.create_index('ix_escalation_role', 'escalation', ['role', 'closed_at', 'raised_at'], unique=False)
    with op.batch_alter_table('complaint') as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
    op.drop_index('ix_complaint_status_order', table_name='complaint')
    op.create_index('ix_complaint_status_order', 'complaint', ['status', 'created_at', 'id', 'due_at'], unique=False)


def downgrade():
    op.drop_index('ix_complaint_status_order', table_name='complaint')
    op.create_index('ix_complaint_status_order', 'complaint', ['status', 'created_at', 'id'], unique=False)
    with op.batch_alter_table('complaint') as batch_op:
        batch_op.drop_column('due_at')
    op.drop_index('ix_escalation_role', table_name='escalation')
    op.drop_index('ix_escalation_task_id', table_name='escalation')
    op.drop_index('ix_escalation_complaint_id', table_name='escalation')
    op.drop_table('escalation')
