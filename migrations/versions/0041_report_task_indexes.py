"""The reports' indexes for a million complaints, each holding every column its queries read so that they are
answered from the index alone: the finished tasks of a form by state and time with their complaint and its
registration (replacing the index by form and time alone), a complaint's tasks by form, state and time, which the
time to the first response probes for an earlier answer and the outcome categories for a re-review, and the
closing index with the complaint's id, which the outcome categories look up its decisions by, and the tasks
finished in a period with their state (the tasks finished on time per lane).

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-07 09:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0041'
down_revision = '0040'
branch_labels = None
depends_on = None

CLOSED = ['closed_at', 'created_at', 'type', 'channel', 'place_id', 'status', 'outcome', 'due_at']
COMPLETED = ['completed_at', 'role', 'due_at', 'complaint_type']


def upgrade():
    op.create_index('ix_task_report_form_state', 'task', ['form_key', 'state', 'completed_at', 'complaint_id',
                                                          'complaint_created_at', 'id'])
    op.create_index('ix_task_report_complaint_form', 'task', ['complaint_id', 'form_key', 'state', 'completed_at',
                                                              'id'])
    op.drop_index('ix_task_report_form', table_name='task')
    op.drop_index('ix_complaint_report_closed', table_name='complaint')
    op.create_index('ix_complaint_report_closed', 'complaint', [*CLOSED, 'id'])
    op.drop_index('ix_task_report_completed', table_name='task')
    op.create_index('ix_task_report_completed', 'task', [*COMPLETED, 'state'])


def downgrade():
    op.drop_index('ix_task_report_completed', table_name='task')
    op.create_index('ix_task_report_completed', 'task', COMPLETED)
    op.drop_index('ix_complaint_report_closed', table_name='complaint')
    op.create_index('ix_complaint_report_closed', 'complaint', CLOSED)
    op.create_index('ix_task_report_form', 'task', ['form_key', 'completed_at'])
    op.drop_index('ix_task_report_complaint_form', table_name='task')
    op.drop_index('ix_task_report_form_state', table_name='task')
