"""Summary rows for the complaints received by hour, kept by the database: per UTC hour and complaint type, how
many complaints were registered then (`complaint_hour_total`). The counts and bag-loss reports place these hours
in the mall's day and week, where they grouped every complaint of the period by its hour.

Triggers on the complaint table keep them, whatever writes it: a complaint added counts in its hour, one whose
registration time or type changes moves, one deleted is taken back. Existing complaints are counted once here.

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-09 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0044'
down_revision = '0043'
branch_labels = None
depends_on = None

# The UTC hour a moment falls in, as each database stores a moment.
HOUR = {"postgresql": "date_trunc('hour', {row}.created_at, 'UTC')",
        "sqlite": "substr({row}.created_at, 1, 13) || ':00:00.000000'"}
WATCHED = ('created_at', 'type')
TRIGGERS = ('complaint_received_totals_insert', 'complaint_received_totals_update',
            'complaint_received_totals_delete')


def _add(dialect: str) -> str:
    return (f"INSERT INTO complaint_hour_total (hour, complaint_type, received) "
            f"SELECT {HOUR[dialect].format(row='NEW')}, NEW.type, 1 WHERE true "
            f"ON CONFLICT (hour, complaint_type) DO UPDATE SET received = complaint_hour_total.received + 1")


def _take_back(dialect: str) -> str:
    return (f"UPDATE complaint_hour_total SET received = received - 1 "
            f"WHERE hour = {HOUR[dialect].format(row='OLD')} AND complaint_type = OLD.type")


def _changed(compare: str) -> str:
    return " OR ".join(f"OLD.{column} {compare} NEW.{column}" for column in WATCHED)


def _sqlite_triggers() -> list[str]:
    insert, update, delete = TRIGGERS
    add, take_back = _add("sqlite"), _take_back("sqlite")
    return [
        f"CREATE TRIGGER {insert} AFTER INSERT ON complaint FOR EACH ROW BEGIN {add}; END",
        f"CREATE TRIGGER {update} AFTER UPDATE OF {', '.join(WATCHED)} ON complaint FOR EACH ROW "
        f"WHEN {_changed('IS NOT')} BEGIN {take_back}; {add}; END",
        f"CREATE TRIGGER {delete} AFTER DELETE ON complaint FOR EACH ROW BEGIN {take_back}; END",
    ]


def _postgresql_triggers() -> list[str]:
    insert, update, delete = TRIGGERS
    return [
        "CREATE FUNCTION complaint_received_totals() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {_take_back('postgresql')}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_add('postgresql')}; END IF; "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER {insert} AFTER INSERT ON complaint FOR EACH ROW "
        "EXECUTE FUNCTION complaint_received_totals()",
        f"CREATE TRIGGER {update} AFTER UPDATE OF {', '.join(WATCHED)} ON complaint FOR EACH ROW "
        f"WHEN ({_changed('IS DISTINCT FROM')}) EXECUTE FUNCTION complaint_received_totals()",
        f"CREATE TRIGGER {delete} AFTER DELETE ON complaint FOR EACH ROW "
        "EXECUTE FUNCTION complaint_received_totals()",
    ]


def upgrade():
    op.create_table(
        'complaint_hour_total',
        sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
        sa.Column('complaint_type', sa.String(length=40), nullable=False),
        sa.Column('received', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('hour', 'complaint_type'),
        sqlite_with_rowid=False,
    )
    dialect = op.get_bind().dialect.name
    op.execute(f"INSERT INTO complaint_hour_total (hour, complaint_type, received) "
               f"SELECT {HOUR[dialect].format(row='complaint')}, type, count(*) FROM complaint GROUP BY 1, type")
    for statement in _postgresql_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON complaint" if postgresql else f"DROP TRIGGER IF EXISTS {name}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS complaint_received_totals()")
    op.drop_table('complaint_hour_total')
