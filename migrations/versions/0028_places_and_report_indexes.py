"""The mall's places, a complaint's place, and the indexes the monthly review's reports read.

- place: the list of floors, zones, car-park levels and entrances the mall keeps (app/places).
- complaint.place_id: the place chosen at intake (optional; the free-text location stays as a note).
- ix_complaint_report_created: received complaints of a period with every dimension a report groups or
  filters by, so that counts are read from the index alone.
- ix_complaint_report_closed: the same for complaints closed (or cancelled) in a period, and for the backlog
  at a period's end (still open: closed_at NULL, or closed after it).
- ix_complaint_report_party: received complaints that name a merchant or department, grouped by it.
- ix_payment_request_paid: payments by the moment they were paid.
- ix_task_report_completed: finished tasks by the moment they were completed (on time or not, per lane).
- ix_task_report_form: finished tasks of a form (the follow-up's survey answers) by when they were completed.
- ix_audit_event_report: events of an action (a customer's online survey answer) by when they happened.

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-30 05:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

COMPLAINT_INDEXES = {
    'ix_complaint_report_created': ['created_at', 'type', 'channel', 'place_id', 'status', 'closed_at', 'due_at'],
    'ix_complaint_report_closed': ['closed_at', 'created_at', 'type', 'channel', 'place_id', 'status', 'outcome',
                                   'due_at'],
}


def upgrade():
    op.create_table(
        'place',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name_zh', sa.String(length=100), nullable=False),
        sa.Column('name_en', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code', name='uq_place_code'),
    )
    if op.get_bind().dialect.name == 'sqlite':
        # In place, as 0022 does: batch mode would copy the complaint table and drop the old one, which the tasks',
        # timers' and audit events' foreign keys refuse as soon as any complaint exists.
        op.execute('ALTER TABLE complaint ADD COLUMN place_id INTEGER '
                   'CONSTRAINT fk_complaint_place REFERENCES place (id)')
    else:
        op.add_column('complaint', sa.Column('place_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_complaint_place', 'complaint', 'place', ['place_id'], ['id'])
    for name, columns in COMPLAINT_INDEXES.items():
        op.create_index(name, 'complaint', columns)
    op.create_index('ix_complaint_report_party', 'complaint', ['involved_party', 'created_at'],
                    sqlite_where=sa.text('involved_party IS NOT NULL'),
                    postgresql_where=sa.text('involved_party IS NOT NULL'))
    op.create_index('ix_payment_request_paid', 'payment_request', ['paid_at', 'status', 'purpose', 'amount',
                                                                   'complaint_id'])
    op.create_index('ix_task_report_completed', 'task', ['completed_at', 'role', 'due_at', 'complaint_type'])
    op.create_index('ix_task_report_form', 'task', ['form_key', 'completed_at'])
    op.create_index('ix_audit_event_report', 'audit_event', ['action', 'at'])


def downgrade():
    op.drop_index('ix_audit_event_report', table_name='audit_event')
    op.drop_index('ix_task_report_form', table_name='task')
    op.drop_index('ix_task_report_completed', table_name='task')
    op.drop_index('ix_payment_request_paid', table_name='payment_request')
    op.drop_index('ix_complaint_report_party', table_name='complaint')
    for name in COMPLAINT_INDEXES:
        op.drop_index(name, table_name='complaint')
    if op.get_bind().dialect.name == 'sqlite':
        # The constraint was declared with the column (upgrade), which SQLite reports without its name: copying
        # the table without the column drops both.
        with op.batch_alter_table('complaint') as batch:
            batch.drop_column('place_id')
    else:
        op.drop_constraint('fk_complaint_place', 'complaint', type_='foreignkey')
        op.drop_column('complaint', 'place_id')
    op.drop_table('place')
