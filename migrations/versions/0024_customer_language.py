"""The customer's language for messages, given at intake; complaints registered before speak Chinese.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint') as batch:
        batch.add_column(sa.Column('customer_language', sa.String(length=2), nullable=False, server_default='zh'))


def downgrade():
    with op.batch_alter_table('complaint') as batch:
        batch.drop_column('customer_language')
