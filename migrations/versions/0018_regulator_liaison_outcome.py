"""A regulator liaison records the body's conclusion: outcome, its text and when it was given.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('regulator_liaison') as batch:
        batch.add_column(sa.Column('outcome', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('conclusion', sa.Text(), nullable=True))
        batch.add_column(sa.Column('concluded_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('concluded_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('regulator_liaison') as batch:
        batch.drop_column('concluded_at')
        batch.drop_column('concluded_on')
        batch.drop_column('conclusion')
        batch.drop_column('outcome')
