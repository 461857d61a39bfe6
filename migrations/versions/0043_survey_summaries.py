"""Summary rows for the satisfaction report, kept by the database: per UTC hour, complaint type, level of
satisfaction and whether the customer accepted the result, how many survey answers were given
(`survey_hour_total`). A year's report reads these rows where it parsed the answers of every survey task.

The answers come from two places, as the report reads them: the desk's follow-up and answer forms (the task table:
a completed task of either form with a satisfaction level) and the customers' online answers (the audit trail's
`message_received` events of the `satisfaction_survey` message). Triggers on the task table add a task that
becomes such an answer and take back one that stops being one or is deleted; the audit trail is append-only, so
its trigger only adds. An answer counts as accepted when its `satisfied` value is JSON true. Existing answers are
summed once here.

On SQLite both hourly summaries are tables without a rowid, stored in the order of their key: a year's report
reads a range of hours in one pass, where the lanes' totals (migration 0042) were read through their key's index
and each row looked up apart (four times as long). That table is rebuilt so; its triggers on the task table refer
to it by name and go on writing to the rebuilt one.

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-09 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0043'
down_revision = '0042'
branch_labels = None
depends_on = None

SURVEY_FORMS = "('lifecycle.feedback', 'lifecycle.survey_answer')"
SURVEY_MESSAGE = "'satisfaction_survey'"
# The UTC hour a moment falls in, as each database stores a moment.
HOUR = {"postgresql": "date_trunc('hour', {moment}, 'UTC')",
        "sqlite": "substr({moment}, 1, 13) || ':00:00.000000'"}
# A member of a JSON document (`path` a list of keys) as text, and whether it is JSON true.
MEMBER = {"postgresql": lambda document, path: f"({document} #>> '{{{','.join(path)}}}')",
          "sqlite": lambda document, path: f"json_extract({document}, '$.{'.'.join(path)}')"}
IS_TRUE = {"postgresql": lambda document, path: f"COALESCE(({document} #> '{{{','.join(path)}}}')::text = 'true', "
                                                f"false)",
           "sqlite": lambda document, path: f"(json_type({document}, '$.{'.'.join(path)}') IS 'true')"}
TASK_WATCHED = ('state', 'completed_at', 'form_key', 'submitted', 'complaint_type')
KEY = "hour, complaint_type, satisfaction, accepted"


def _task_answer(dialect: str, row: str) -> dict[str, str]:
    """A task row's answer (`row` is OLD, NEW or a table's alias): the condition that it is one, and its columns."""
    level = MEMBER[dialect](f"{row}.submitted", ["satisfaction"])
    return {"is_answer": f"{row}.state = 'completed' AND {row}.completed_at IS NOT NULL "
                         f"AND {row}.form_key IN {SURVEY_FORMS} AND {level} IS NOT NULL",
            "hour": HOUR[dialect].format(moment=f"{row}.completed_at"), "complaint_type": f"{row}.complaint_type",
            "satisfaction": level, "accepted": _as_integer(IS_TRUE[dialect](f"{row}.submitted", ["satisfied"]))}


def _online_answer(dialect: str, row: str) -> dict[str, str]:
    """An audit event's online answer: the condition that it is one, and its columns (the type is its complaint's,
    read from the complaint table aliased `c`)."""
    level = MEMBER[dialect](f"{row}.detail", ["payload", "satisfaction"])
    return {"is_answer": f"{row}.action = 'message_received' AND {row}.complaint_id IS NOT NULL "
                         f"AND {MEMBER[dialect](f'{row}.detail', ['message'])} = {SURVEY_MESSAGE} "
                         f"AND {level} IS NOT NULL",
            "hour": HOUR[dialect].format(moment=f"{row}.at"), "complaint_type": "c.type", "satisfaction": level,
            "accepted": _as_integer(IS_TRUE[dialect](f"{row}.detail", ["payload", "satisfied"]))}


def _as_integer(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _add(answer: dict[str, str], source: str = "", joined: str = "") -> str:
    """The statement adding one answer; `source` and `joined` are the rows and the condition it reads them by."""
    return (f"INSERT INTO survey_hour_total ({KEY}, answers) "
            f"SELECT {answer['hour']}, {answer['complaint_type']}, {answer['satisfaction']}, {answer['accepted']}, 1 "
            f"{source} WHERE {joined}{answer['is_answer']} "
            f"ON CONFLICT ({KEY}) DO UPDATE SET answers = survey_hour_total.answers + 1")


def _take_back(answer: dict[str, str]) -> str:
    # the statements here are built from this module's constants alone: no value from outside reaches them
    return (f"UPDATE survey_hour_total SET answers = answers - 1 WHERE {answer['is_answer']} "  # noqa: S608
            f"AND hour = {answer['hour']} AND complaint_type = {answer['complaint_type']} "
            f"AND satisfaction = {answer['satisfaction']} AND accepted = {answer['accepted']}")


def _online_add(dialect: str) -> str:
    """Adding a new online answer, its type read from its complaint's row."""
    return _add(_online_answer(dialect, "NEW"), "FROM complaint c", "c.id = NEW.complaint_id AND ")


def _changed(compare: str, json_as_text: bool = False) -> str:
    """Whether a watched column changed (PostgreSQL compares the answers as text: json has no equality)."""
    def side(row: str, column: str) -> str:
        return f"{row}.{column}::text" if json_as_text and column == "submitted" else f"{row}.{column}"

    return " OR ".join(f"{side('OLD', column)} {compare} {side('NEW', column)}" for column in TASK_WATCHED)


def _sqlite_triggers() -> list[str]:
    def trigger(name: str, event: str, table: str, when: str, statements: list[str]) -> str:
        return (f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW WHEN {when} "
                f"BEGIN {'; '.join(statements)}; END")

    old, new = _task_answer("sqlite", "OLD"), _task_answer("sqlite", "NEW")
    online = _online_answer("sqlite", "NEW")
    return [
        trigger("task_survey_totals_insert", "INSERT", "task", new["is_answer"], [_add(new)]),
        trigger("task_survey_totals_update", f"UPDATE OF {', '.join(TASK_WATCHED)}", "task",
                f"(({old['is_answer']}) OR ({new['is_answer']})) AND ({_changed('IS NOT')})",
                [_take_back(old), _add(new)]),
        trigger("task_survey_totals_delete", "DELETE", "task", old["is_answer"], [_take_back(old)]),
        trigger("audit_survey_totals_insert", "INSERT", "audit_event", online["is_answer"], [_online_add("sqlite")]),
    ]


def _postgresql_triggers() -> list[str]:
    old, new = _task_answer("postgresql", "OLD"), _task_answer("postgresql", "NEW")
    online = _online_answer("postgresql", "NEW")
    return [
        "CREATE FUNCTION task_survey_totals() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {_take_back(old)}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_add(new)}; END IF; "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER task_survey_totals_insert AFTER INSERT ON task FOR EACH ROW WHEN ({new['is_answer']}) "
        "EXECUTE FUNCTION task_survey_totals()",
        f"CREATE TRIGGER task_survey_totals_update AFTER UPDATE OF {', '.join(TASK_WATCHED)} ON task FOR EACH ROW "
        f"WHEN ((({old['is_answer']}) OR ({new['is_answer']})) "
        f"AND ({_changed('IS DISTINCT FROM', json_as_text=True)})) "
        "EXECUTE FUNCTION task_survey_totals()",
        f"CREATE TRIGGER task_survey_totals_delete AFTER DELETE ON task FOR EACH ROW WHEN ({old['is_answer']}) "
        "EXECUTE FUNCTION task_survey_totals()",
        "CREATE FUNCTION audit_survey_totals() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{_online_add('postgresql')}; RETURN NULL; END $$",
        f"CREATE TRIGGER audit_survey_totals_insert AFTER INSERT ON audit_event FOR EACH ROW "
        f"WHEN ({online['is_answer']}) EXECUTE FUNCTION audit_survey_totals()",
    ]


def _backfill(dialect: str) -> str:
    desk, online = _task_answer(dialect, "t"), _online_answer(dialect, "e")
    columns = "{hour} AS hour, {complaint_type} AS complaint_type, {satisfaction} AS satisfaction, " \
              "{accepted} AS accepted"
    return (f"INSERT INTO survey_hour_total ({KEY}, answers) SELECT {KEY}, count(*) FROM ("  # noqa: S608
            f"SELECT {columns.format(**desk)} FROM task t WHERE {desk['is_answer']} "
            f"UNION ALL SELECT {columns.format(**online)} FROM audit_event e JOIN complaint c ON c.id = e.complaint_id "
            f"WHERE {online['is_answer']}) AS answer GROUP BY {KEY}")


def _lane_totals(name: str, with_rowid: bool) -> None:
    op.create_table(
        name,
        sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
        sa.Column('role', sa.String(length=40), nullable=False),
        sa.Column('complaint_type', sa.String(length=40), nullable=False),
        sa.Column('timed', sa.Integer(), nullable=False),
        sa.Column('on_time', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('hour', 'role', 'complaint_type'),
        sqlite_with_rowid=with_rowid,
    )


def _rebuild_lane_totals(with_rowid: bool) -> None:
    """SQLite: task_hour_total rebuilt with or without a rowid, its rows kept. The rename leaves the task table's
    triggers as they are (legacy_alter_table): they name the table, and the table of that name is the rebuilt one."""
    _lane_totals('task_hour_total_rebuilt', with_rowid)
    op.execute("INSERT INTO task_hour_total_rebuilt (hour, role, complaint_type, timed, on_time) "
               "SELECT hour, role, complaint_type, timed, on_time FROM task_hour_total")
    op.drop_table('task_hour_total')
    op.execute("PRAGMA legacy_alter_table = ON")
    op.rename_table('task_hour_total_rebuilt', 'task_hour_total')
    op.execute("PRAGMA legacy_alter_table = OFF")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _rebuild_lane_totals(with_rowid=False)
    op.create_table(
        'survey_hour_total',
        sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
        sa.Column('complaint_type', sa.String(length=40), nullable=False),
        sa.Column('satisfaction', sa.String(length=40), nullable=False),
        sa.Column('accepted', sa.Integer(), nullable=False),
        sa.Column('answers', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('hour', 'complaint_type', 'satisfaction', 'accepted'),
        sqlite_with_rowid=False,
    )
    op.execute(_backfill(dialect))
    for statement in _postgresql_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, name in (("task", "task_survey_totals_insert"), ("task", "task_survey_totals_update"),
                        ("task", "task_survey_totals_delete"), ("audit_event", "audit_survey_totals_insert")):
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}" if postgresql else f"DROP TRIGGER IF EXISTS {name}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS task_survey_totals()")
        op.execute("DROP FUNCTION IF EXISTS audit_survey_totals()")
    op.drop_table('survey_hour_total')
    if not postgresql:
        _rebuild_lane_totals(with_rowid=True)
