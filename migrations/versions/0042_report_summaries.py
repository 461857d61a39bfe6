"""Summary rows for the time-limit report, kept by the database from the task table whatever writes it (a step,
a case migration, a purge, a restore, a fixture): each complaint's first completion of each form with the hours
since its registration (`task_first_completion`: time to first response and to feedback), and per UTC hour,
lane and complaint type, how many tasks with a due time were finished and how many of them on time
(`task_hour_total`: tasks finished on time per lane). A year's report reads a few thousand summary rows where it
read a million tasks.

Triggers on the task table keep both: a task that becomes completed adds to them; one that stops being completed,
or is deleted, takes its share back, and its complaint's first completion of the form is found again. Existing
tasks are summed once here.

Revision ID: 0042
Revises: 0038
Create Date: 2026-12-08 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0042'
down_revision = '0038'
branch_labels = None
depends_on = None

# The UTC hour a moment falls in, as each database stores a moment.
HOUR = {"postgresql": "date_trunc('hour', {row}.completed_at, 'UTC')",
        "sqlite": "substr({row}.completed_at, 1, 13) || ':00:00.000000'"}
HOURS_SINCE_REGISTRATION = {
    "postgresql": "CAST(EXTRACT(EPOCH FROM {row}.completed_at - {row}.complaint_created_at) / 3600 AS double precision)",
    "sqlite": "(julianday({row}.completed_at) - julianday({row}.complaint_created_at)) * 24.0"}
ON_TIME = {"postgresql": "CAST({row}.completed_at <= {row}.due_at AS integer)",
           "sqlite": "({row}.completed_at <= {row}.due_at)"}
COUNTED = "{row}.state = 'completed' AND {row}.completed_at IS NOT NULL"
WATCHED = ('state', 'completed_at', 'due_at', 'role', 'complaint_type', 'form_key', 'complaint_id',
           'complaint_created_at')
FIRST_COLUMNS = "complaint_id, form_key, complaint_type, complaint_created_at, completed_at, hours"


def _statements(dialect: str, row: str) -> dict[str, str]:
    """The summary statements for one side of a change (`row` is OLD or NEW), each guarded by whether that
    side counts, so that SQLite's triggers (no IF) run them as they are."""
    hour, hours, on_time = (piece[dialect].format(row=row) for piece in (HOUR, HOURS_SINCE_REGISTRATION, ON_TIME))
    counted = COUNTED.format(row=row)
    return {
        "take_back": f"UPDATE task_hour_total SET timed = timed - 1, on_time = on_time - {on_time} "
                     f"WHERE {counted} AND {row}.due_at IS NOT NULL AND hour = {hour} AND role = {row}.role "
                     f"AND complaint_type = {row}.complaint_type",
        "forget_first": f"DELETE FROM task_first_completion WHERE {counted} "
                        f"AND complaint_id = {row}.complaint_id AND form_key = {row}.form_key",
        "find_first": f"INSERT INTO task_first_completion ({FIRST_COLUMNS}) "
                      f"SELECT t.complaint_id, t.form_key, t.complaint_type, t.complaint_created_at, t.completed_at, "
                      f"{HOURS_SINCE_REGISTRATION[dialect].format(row='t')} FROM task t "
                      f"WHERE {counted} AND t.complaint_id = {row}.complaint_id AND t.form_key = {row}.form_key "
                      f"AND {COUNTED.format(row='t')} ORDER BY t.completed_at, t.id LIMIT 1",
        "add": f"INSERT INTO task_hour_total (hour, role, complaint_type, timed, on_time) "
               f"SELECT {hour}, {row}.role, {row}.complaint_type, 1, {on_time} "
               f"WHERE {counted} AND {row}.due_at IS NOT NULL "
               f"ON CONFLICT (hour, role, complaint_type) DO UPDATE SET timed = task_hour_total.timed + 1, "
               f"on_time = task_hour_total.on_time + excluded.on_time",
        "add_first": f"INSERT INTO task_first_completion ({FIRST_COLUMNS}) "
                     f"SELECT {row}.complaint_id, {row}.form_key, {row}.complaint_type, {row}.complaint_created_at, "
                     f"{row}.completed_at, {hours} WHERE {counted} "
                     f"ON CONFLICT (complaint_id, form_key) DO UPDATE SET completed_at = excluded.completed_at, "
                     f"complaint_created_at = excluded.complaint_created_at, "
                     f"complaint_type = excluded.complaint_type, hours = excluded.hours "
                     f"WHERE excluded.completed_at < task_first_completion.completed_at",
    }


def _old_side(dialect: str) -> list[str]:
    statements = _statements(dialect, "OLD")
    return [statements["take_back"], statements["forget_first"], statements["find_first"]]


def _new_side(dialect: str) -> list[str]:
    statements = _statements(dialect, "NEW")
    return [statements["add"], statements["add_first"]]


def _changed() -> str:
    return " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in WATCHED)


def _sqlite_triggers() -> list[str]:
    def trigger(name: str, event: str, when: str, statements: list[str]) -> str:
        body = "; ".join(statements)
        return f"CREATE TRIGGER {name} AFTER {event} ON task FOR EACH ROW WHEN {when} BEGIN {body}; END"

    changed = _changed().replace("IS DISTINCT FROM", "IS NOT")
    return [
        trigger("task_report_summaries_insert", "INSERT", COUNTED.format(row="NEW"), _new_side("sqlite")),
        trigger("task_report_summaries_update", f"UPDATE OF {', '.join(WATCHED)}",
                f"({COUNTED.format(row='OLD')} OR {COUNTED.format(row='NEW')}) AND ({changed})",
                [*_old_side("sqlite"), *_new_side("sqlite")]),
        trigger("task_report_summaries_delete", "DELETE", COUNTED.format(row="OLD"), _old_side("sqlite")),
    ]


def _postgresql_triggers() -> list[str]:
    old, new = "; ".join(_old_side("postgresql")), "; ".join(_new_side("postgresql"))
    function = (
        "CREATE FUNCTION task_report_summaries() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {old}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {new}; END IF; "
        "RETURN NULL; END $$")
    counted_old, counted_new = COUNTED.format(row="OLD"), COUNTED.format(row="NEW")
    return [
        function,
        f"CREATE TRIGGER task_report_summaries_insert AFTER INSERT ON task FOR EACH ROW WHEN ({counted_new}) "
        "EXECUTE FUNCTION task_report_summaries()",
        f"CREATE TRIGGER task_report_summaries_update AFTER UPDATE OF {', '.join(WATCHED)} ON task FOR EACH ROW "
        f"WHEN (({counted_old} OR {counted_new}) AND ({_changed()})) EXECUTE FUNCTION task_report_summaries()",
        f"CREATE TRIGGER task_report_summaries_delete AFTER DELETE ON task FOR EACH ROW WHEN ({counted_old}) "
        "EXECUTE FUNCTION task_report_summaries()",
    ]


def _backfill(dialect: str) -> list[str]:
    hour, hours, on_time = (piece[dialect].format(row="task") for piece in (HOUR, HOURS_SINCE_REGISTRATION, ON_TIME))
    return [
        f"INSERT INTO task_hour_total (hour, role, complaint_type, timed, on_time) "
        f"SELECT {hour}, role, complaint_type, count(*), sum({on_time}) FROM task "
        f"WHERE {COUNTED.format(row='task')} AND due_at IS NOT NULL GROUP BY 1, role, complaint_type",
        f"INSERT INTO task_first_completion ({FIRST_COLUMNS}) "
        f"SELECT {FIRST_COLUMNS} FROM (SELECT complaint_id, form_key, complaint_type, complaint_created_at, "
        f"completed_at, {hours} AS hours, row_number() OVER (PARTITION BY complaint_id, form_key "
        f"ORDER BY completed_at, id) AS n FROM task WHERE {COUNTED.format(row='task')}) AS finished WHERE n = 1",
    ]


def upgrade():
    op.create_table(
        'task_first_completion',
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('form_key', sa.String(length=120), nullable=False),
        sa.Column('complaint_type', sa.String(length=40), nullable=False),
        sa.Column('complaint_created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('hours', sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id']),
        sa.PrimaryKeyConstraint('complaint_id', 'form_key'),
    )
    op.create_table(
        'task_hour_total',
        sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
        sa.Column('role', sa.String(length=40), nullable=False),
        sa.Column('complaint_type', sa.String(length=40), nullable=False),
        sa.Column('timed', sa.Integer(), nullable=False),
        sa.Column('on_time', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('hour', 'role', 'complaint_type'),
    )
    dialect = op.get_bind().dialect.name
    for statement in _backfill(dialect):
        op.execute(statement)
    op.create_index('ix_task_first_completion_report', 'task_first_completion',
                    ['form_key', 'completed_at', 'complaint_type', 'hours', 'complaint_id'])
    for statement in _postgresql_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)


def downgrade():
    for event in ("insert", "update", "delete"):
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS task_report_summaries_{event} ON task")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS task_report_summaries_{event}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS task_report_summaries()")
    op.drop_index('ix_task_first_completion_report', table_name='task_first_completion')
    op.drop_table('task_hour_total')
    op.drop_table('task_first_completion')
