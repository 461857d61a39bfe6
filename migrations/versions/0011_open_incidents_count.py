"""The number of open incidents on the complaint row, so a step needs no query to know it has none.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint') as batch_op:
        batch_op.add_column(sa.Column('open_incidents', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE complaint SET open_incidents = (SELECT count(*) FROM incident "
               "WHERE incident.complaint_id = complaint.id AND incident.status = 'open')")


def downgrade():
    with op.batch_alter_table('complaint') as batch_op:
        batch_op.drop_column('open_incidents')
