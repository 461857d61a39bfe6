"""Payment requests have a life (requested, approved, paid, refused, cancelled) and decisions a status.

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-29 19:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment_request') as batch_op:
        batch_op.add_column(sa.Column('authorised_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('authorised_by_role', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('authorised_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('authorisation_note', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('voucher_number', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('claim_form', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('paid_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('decision') as batch_op:
        batch_op.add_column(sa.Column('decided_by', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('payment_request_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=12), nullable=False, server_default='standing'))
        batch_op.create_foreign_key('fk_decision_payment_request', 'payment_request', ['payment_request_id'], ['id'])


def downgrade():
    with op.batch_alter_table('decision') as batch_op:
        batch_op.drop_constraint('fk_decision_payment_request', type_='foreignkey')
        batch_op.drop_column('status')
        batch_op.drop_column('payment_request_id')
        batch_op.drop_column('decided_by')
    with op.batch_alter_table('payment_request') as batch_op:
        for column in ('cancel_reason', 'cancelled_at', 'paid_by', 'claim_form', 'voucher_number',
                       'authorisation_note', 'authorised_at', 'authorised_by_role', 'authorised_by'):
            batch_op.drop_column(column)
