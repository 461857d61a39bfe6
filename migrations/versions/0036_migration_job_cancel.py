"""A migration job can be cancelled: who cancelled it and when are kept on the job.

Revision ID: 0036
Revises: 0033
Create Date: 2026-12-04 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0036'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('migration_job') as batch:
        batch.add_column(sa.Column('cancelled_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('cancelled_by_name', sa.String(length=120), nullable=True))
        batch.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key('fk_migration_job_cancelled_by', 'user_account', ['cancelled_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('migration_job') as batch:
        batch.drop_constraint('fk_migration_job_cancelled_by', type_='foreignkey')
        batch.drop_column('cancelled_at')
        batch.drop_column('cancelled_by_name')
        batch.drop_column('cancelled_by_id')
