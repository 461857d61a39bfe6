"""The record of who changed an editable setting (time limits, business calendar, whole-case limits), when,
and its values before and after.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 02:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'setting_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=60), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('changed_by', sa.String(length=120), nullable=False),
        sa.Column('before', sa.JSON(), nullable=False),
        sa.Column('after', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_setting_change_changed_at', 'setting_change', ['changed_at'], unique=False)


def downgrade():
    op.drop_index('ix_setting_change_changed_at', table_name='setting_change')
    op.drop_table('setting_change')
