"""Email addresses: a user's own (staff notifications reach them there), the customer's (given at intake),
and the staff member each email delivery is addressed to.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('email', sa.String(length=254), nullable=True))
    with op.batch_alter_table('complaint') as batch:
        batch.add_column(sa.Column('customer_email', sa.String(length=254), nullable=True))
    with op.batch_alter_table('notification_delivery') as batch:
        batch.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_notification_delivery_user_id', 'user_account', ['user_id'], ['id'])


def downgrade():
    with op.batch_alter_table('notification_delivery') as batch:
        batch.drop_constraint('fk_notification_delivery_user_id', type_='foreignkey')
        batch.drop_column('user_id')
    with op.batch_alter_table('complaint') as batch:
        batch.drop_column('customer_email')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('email')
