"""What purchasing recovered from the supplier, and where in the called processes a task stands.

`supplier_action.recovered_amount`: the amount recovered from the supplier (yuan) as purchasing records it with
the supplier's action; null for the actions recorded before it was asked. `task.call_path`: the call activities
and embedded subprocesses, from the top-level diagram down, whose run holds the task (`acknowledge`,
`discretion_remedy/authorise`; empty for a task of the top-level diagram), which the heat maps draw over the call
activities; null for the tasks opened before it was kept. Both are added in place (no table is copied).

Revision ID: 0040
Revises: 0037
Create Date: 2026-11-30 08:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0040'
down_revision = '0037'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('supplier_action', sa.Column('recovered_amount', sa.Numeric(12, 2), nullable=True))
    op.add_column('task', sa.Column('call_path', sa.String(length=400), nullable=True))


def downgrade():
    op.drop_column('task', 'call_path')
    op.drop_column('supplier_action', 'recovered_amount')
