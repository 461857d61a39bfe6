"""Which roles must log in with a second factor: an editable setting kept, with the record of its changes,
in the same `setting` and `setting_change` tables as the time settings (app/timers/settings.py), so that
the settings page's list of changes shows it too. The tables are named here through SQLAlchemy Core rather
than by importing app.timers, which imports this package (no package cycles).

Read on every page request of a logged-in user, so each process keeps it for a few seconds (POLICY_TTL).
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import JSON, Integer, String, column, insert, select, table, update

from app.database import begin_write
from app.errors import Invalid
from app.extensions import db
from app.timeutil import UtcDateTime, utcnow
from app.users.models import User
from app.users.permissions import require
from app.users.roles import ROLES

KEY = "second_factor"
DEFAULT_ROLES = ("legal", "finance", "senior_management", "process_owner", "admin")
EDITORS = frozenset({"admin"})
POLICY_TTL = 5.0
_cache: dict[str, tuple[float, frozenset[str]]] = {}

_setting = table("setting", column("key", String), column("value", JSON), column("updated_at", UtcDateTime()),
                 column("updated_by", String))
_change = table("setting_change", column("id", Integer), column("key", String), column("changed_at", UtcDateTime()),
                column("changed_by", String), column("before", JSON), column("after", JSON))


class PolicySchema(Schema):
    roles = fields.List(fields.String(validate=validate.OneOf(list(ROLES))), required=True,
                        metadata={"description": "the roles whose users must log in with a second factor"})


def required_roles() -> frozenset[str]:
    """The roles that require a second factor (cached per process for POLICY_TTL seconds)."""
    key = current_app.config["SQLALCHEMY_DATABASE_URI"]
    cached = _cache.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    roles = frozenset(_stored()["roles"])
    _cache[key] = (time.monotonic() + POLICY_TTL, roles)
    return roles


def _stored() -> dict[str, Any]:
    value = db.session.execute(select(_setting.c.value).where(_setting.c.key == KEY)).scalar()
    return {"roles": sorted(value["roles"])} if isinstance(value, dict) else {"roles": sorted(DEFAULT_ROLES)}


def requires_second_factor(user: User) -> bool:
    return user.has_role(*required_roles())


def policy(actor: User) -> dict[str, Any]:
    require(actor, EDITORS, "read the second-factor policy")
    return _stored()


def may_edit(user: User) -> bool:
    return user.has_role(*EDITORS)


def set_policy(actor: User | None, payload: Any) -> dict[str, Any]:
    """Change the roles that require a second factor (an administrator's change, recorded); with no actor, the
    installation's own choice (the test suite's), which no person made and which is not recorded as a change."""
    if actor is not None:
        require(actor, EDITORS, "change the second-factor policy")
    try:
        loaded = PolicySchema().load(payload if isinstance(payload, dict) else {})
    except ValidationError as exc:
        raise Invalid("The second-factor policy is not valid. / 第二重验证设置无效。", errors=exc.messages) from None
    value = {"roles": sorted(set(loaded["roles"]))}
    who = actor.username if actor is not None else "system"
    begin_write()
    before = _stored()
    now = utcnow()
    if db.session.execute(select(_setting.c.key).where(_setting.c.key == KEY)).first() is None:
        db.session.execute(insert(_setting).values(key=KEY, value=value, updated_at=now, updated_by=who))
    else:
        db.session.execute(update(_setting).where(_setting.c.key == KEY)
                           .values(value=value, updated_at=now, updated_by=who))
    if actor is not None and before != value:
        db.session.execute(insert(_change).values(key=KEY, changed_at=now, changed_by=who, before=before, after=value))
    db.session.commit()
    _cache.clear()
    return value
