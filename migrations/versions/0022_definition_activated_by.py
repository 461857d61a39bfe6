"""Who made a process version the active one: process_definition.activated_by_id.

A version already keeps who deployed it and when it was last activated; activating (and rolling back to)
a version now also keeps who did it, shown on the versions page beside the deployer. Versions activated
before this migration name nobody.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite adds a nullable referencing column in place. Batch mode would copy the table and drop the old
        # one, which the complaints' and tasks' foreign keys refuse as soon as any complaint exists.
        op.execute('ALTER TABLE process_definition ADD COLUMN activated_by_id INTEGER '
                   'CONSTRAINT fk_process_definition_activated_by REFERENCES user_account (id)')
        return
    op.add_column('process_definition', sa.Column('activated_by_id', sa.Integer(), nullable=True))
    op.create_foreign_key('fk_process_definition_activated_by', 'process_definition', 'user_account',
                          ['activated_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('process_definition') as batch:
        batch.drop_constraint('fk_process_definition_activated_by', type_='foreignkey')
        batch.drop_column('activated_by_id')
