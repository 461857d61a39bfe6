"""Lists at scale: indexes that give the complaints search and the inbox their order and filters.

The complaints search (app/complaints/service.py) reads the matching ids newest first
(created_at, id) and stops just past its count cap, so each filter needs an index that
starts with its equality columns and continues with (created_at, id), and carries the
columns other filters check (status above all: only open complaints can be overdue, so the
overdue filter probes the task table for open complaints alone):

- ix_complaint_order (created_at, id, status): no filter, or only dates; replaces
  ix_complaint_created.
- ix_complaint_type_order (type, created_at, id, status), ix_complaint_status_order,
  ix_complaint_type_status_order: type and/or status, with dates; the last replaces
  ix_complaint_type_status_created.
- ix_complaint_surname_order (customer_surname, created_at, id, type, status): a surname,
  with type and status checked inside the index, so that a common surname combined with a
  rare type does not read the table row of each of the surname's complaints.
- ix_task_overdue (state, due_order, complaint_id, complaint_type) on the task table: the
  open tasks past their due time (of one type of complaint), read from the index alone, for
  the overdue filter.
- ix_task_inbox (state, role, due_order, id, complaint_type, assignee_id), replacing
  ix_task_inbox_order: the inbox counts and pages from the index alone, its type and
  assignee filters included.
- ix_task_complaint_due (complaint_id, state, due_order), replacing ix_task_complaint_state:
  whether one complaint has an overdue open task, from the index alone. With the due time in
  it, SQLite (which has no statistics unless ANALYZE runs) prefers it to ix_task_overdue for
  that question instead of reading every overdue task for each complaint.

On a large table, building them takes a while and holds writes back (run it in a quiet hour).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 16:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

COMPLAINT_INDEXES = {
    'ix_complaint_order': ['created_at', 'id', 'status'],
    'ix_complaint_type_order': ['type', 'created_at', 'id', 'status'],
    'ix_complaint_status_order': ['status', 'created_at', 'id'],
    'ix_complaint_type_status_order': ['type', 'status', 'created_at', 'id'],
    'ix_complaint_surname_order': ['customer_surname', 'created_at', 'id', 'type', 'status'],
}
INBOX_COLUMNS = ['state', 'role', 'due_order', 'id', 'complaint_type', 'assignee_id']
REPLACED = {
    'ix_complaint_created': ['created_at'],
    'ix_complaint_type_status_created': ['type', 'status', 'created_at'],
}


# Plain CREATE/DROP INDEX (no batch mode): SQLite needs no table copy for them.
def upgrade():
    for name, columns in COMPLAINT_INDEXES.items():
        op.create_index(name, 'complaint', columns, unique=False)
    for name in REPLACED:
        op.drop_index(name, table_name='complaint')
    op.create_index('ix_task_overdue', 'task', ['state', 'due_order', 'complaint_id', 'complaint_type'], unique=False)
    op.create_index('ix_task_complaint_due', 'task', ['complaint_id', 'state', 'due_order'], unique=False)
    op.drop_index('ix_task_complaint_state', table_name='task')
    op.create_index('ix_task_inbox', 'task', INBOX_COLUMNS, unique=False)
    op.drop_index('ix_task_inbox_order', table_name='task')


def downgrade():
    op.create_index('ix_task_inbox_order', 'task', ['state', 'role', 'due_order', 'id'], unique=False)
    op.drop_index('ix_task_inbox', table_name='task')
    op.create_index('ix_task_complaint_state', 'task', ['complaint_id', 'state'], unique=False)
    op.drop_index('ix_task_complaint_due', table_name='task')
    op.drop_index('ix_task_overdue', table_name='task')
    for name, columns in REPLACED.items():
        op.create_index(name, 'complaint', columns, unique=False)
    for name in COMPLAINT_INDEXES:
        op.drop_index(name, table_name='complaint')
