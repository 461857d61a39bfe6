"""The reports' task indexes for a million complaints: the finished tasks of a form by state and time with their
complaint (replacing the index by form and time alone), and a complaint's tasks by form, state and time, which
the time to the first response probes for an earlier answer and the outcome categories for a re-review.

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


def upgrade():
    op.create_index('ix_task_report_form_state', 'task', ['form_key', 'state', 'completed_at', 'complaint_id'])
    op.create_index('ix_task_report_complaint_form', 'task', ['complaint_id', 'form_key', 'state', 'completed_at',
                                                              'id'])
    op.drop_index('ix_task_report_form', table_name='task')


def downgrade():
    op.create_index('ix_task_report_form', 'task', ['form_key', 'completed_at'])
    op.drop_index('ix_task_report_complaint_form', table_name='task')
    op.drop_index('ix_task_report_form_state', table_name='task')
