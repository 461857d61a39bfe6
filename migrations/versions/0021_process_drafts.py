"""Process owners' drafts, and the name catalogue a version was deployed with from the workbench.

- process_draft: one per owner and process key (the XML, its catalogue entries, the version it was based
  on, a revision checked by every save).
- deployed_catalogue: the names and instructions (zh, en) a version deployed from a draft carries.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'process_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('catalogue', sa.JSON(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('base_version', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('owner_id', 'key', name='uq_process_draft_owner_key'),
    )
    op.create_index('ix_process_draft_key', 'process_draft', ['key'], unique=False)
    op.create_table(
        'deployed_catalogue',
        sa.Column('definition_id', sa.Integer(), nullable=False),
        sa.Column('entries', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['definition_id'], ['process_definition.id']),
        sa.PrimaryKeyConstraint('definition_id'),
    )


def downgrade():
    op.drop_table('deployed_catalogue')
    op.drop_index('ix_process_draft_key', table_name='process_draft')
    op.drop_table('process_draft')
