"""Lookups on the customer's status page, for its rate limit.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('public_lookup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('matched', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('public_lookup', schema=None) as batch_op:
        batch_op.create_index('ix_public_lookup_at', ['at'], unique=False)
        batch_op.create_index('ix_public_lookup_client_at', ['client', 'at'], unique=False)
        batch_op.create_index('ix_public_lookup_number_at', ['number', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('public_lookup', schema=None) as batch_op:
        batch_op.drop_index('ix_public_lookup_number_at')
        batch_op.drop_index('ix_public_lookup_client_at')
        batch_op.drop_index('ix_public_lookup_at')

    op.drop_table('public_lookup')
