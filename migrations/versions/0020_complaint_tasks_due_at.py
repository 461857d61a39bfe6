"""A complaint carries the earliest due time of its open tasks, in the indexes the search walks.

- complaint.tasks_due_at: written by every step with the task rows (app/runtime/steps.py), so "overdue"
  and "not overdue" are a column of the complaint: the list's filters and each row's overdue flag no
  longer probe the task table once per complaint (the "not overdue" filter's deep pages walked ten
  thousand complaints and probed every open one).
- ix_complaint_order, ix_complaint_type_order and ix_complaint_status_order end with it, so those
  filters are answered from the index alone.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_complaint_order': (['created_at', 'id', 'status'], ['created_at', 'id', 'status', 'tasks_due_at']),
    'ix_complaint_type_order': (['type', 'created_at', 'id', 'status'],
                                ['type', 'created_at', 'id', 'status', 'tasks_due_at']),
    'ix_complaint_status_order': (['status', 'created_at', 'id', 'due_at'],
                                  ['status', 'created_at', 'id', 'due_at', 'tasks_due_at']),
}


def upgrade():
    op.add_column('complaint', sa.Column('tasks_due_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE complaint SET tasks_due_at = (SELECT min(task.due_at) FROM task "
               "WHERE task.complaint_id = complaint.id AND task.state = 'ready') WHERE status = 'open'")
    for name, (_before, after) in INDEXES.items():
        op.drop_index(name, table_name='complaint')
        op.create_index(name, 'complaint', after, unique=False)


def downgrade():
    for name, (before, _after) in INDEXES.items():
        op.drop_index(name, table_name='complaint')
        op.create_index(name, 'complaint', before, unique=False)
    with op.batch_alter_table('complaint') as batch:
        batch.drop_column('tasks_due_at')
