"""Overdue tasks carry their complaint's registration time; the assignee index leaves unassigned tasks out.

- task.complaint_created_at: the complaints list's order, copied onto each task, so that the list's
  overdue filter walks the open tasks newest complaint first in ix_task_overdue and pages from the index
  alone, instead of reading one complaint row per overdue task.
- ix_task_assignee_id covers assigned tasks only: PostgreSQL planned the inbox's "unassigned" filter on it
  (every open task of every role, then a sort) instead of walking ix_task_inbox in order.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

ASSIGNED = sa.text("assignee_id IS NOT NULL")


def upgrade():
    op.add_column('task', sa.Column('complaint_created_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE task SET complaint_created_at = "
               "(SELECT complaint.created_at FROM complaint WHERE complaint.id = task.complaint_id)")
    op.drop_index('ix_task_overdue', table_name='task')
    op.drop_index('ix_task_assignee_id', table_name='task')
    with op.batch_alter_table('task') as batch_op:
        batch_op.alter_column('complaint_created_at', existing_type=sa.DateTime(timezone=True), nullable=False)
    op.create_index('ix_task_overdue', 'task',
                    ['state', 'complaint_created_at', 'complaint_id', 'due_order', 'complaint_type'])
    op.create_index('ix_task_assignee_id', 'task', ['assignee_id'],
                    postgresql_where=ASSIGNED, sqlite_where=ASSIGNED)


def downgrade():
    op.drop_index('ix_task_assignee_id', table_name='task')
    op.drop_index('ix_task_overdue', table_name='task')
    with op.batch_alter_table('task') as batch_op:
        batch_op.drop_column('complaint_created_at')
    op.create_index('ix_task_overdue', 'task', ['state', 'due_order', 'complaint_id', 'complaint_type'])
    op.create_index('ix_task_assignee_id', 'task', ['assignee_id'])
