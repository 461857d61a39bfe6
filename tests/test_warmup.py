"""The start-up warm-up: a gunicorn worker and the timer worker compile every active diagram before their first
request or timer, and the worker has every page template compiled."""

from __future__ import annotations

from sqlalchemy import select

from app.definitions import service as definitions
from app.definitions.models import ProcessDefinition
from app.extensions import db
from app.warmup import warm


def active_ids(app) -> set[int]:
    with app.app_context():
        ids = set(db.session.scalars(select(ProcessDefinition.id).where(ProcessDefinition.kind == "bpmn",
                                                                       ProcessDefinition.active.is_(True))))
        db.session.remove()
    return ids


def test_a_web_worker_compiles_every_active_diagram_and_template_before_its_first_request(app):
    definitions._compiled.clear()
    app.jinja_env.cache.clear()
    warm(app)
    assert active_ids(app) <= set(definitions._compiled)
    cached = {name for _loader, name in app.jinja_env.cache}
    assert {"web/inbox.html", "web/task.html", "web/complaint.html", "public/status.html"} <= cached


def test_the_timer_worker_compiles_every_active_diagram_before_its_loop(app):
    definitions._compiled.clear()
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert active_ids(app) <= set(definitions._compiled)
