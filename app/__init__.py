"""The application factory: configuration, extensions, blueprints and CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, request

from app import encryption, request_checks, routing, sealed
from app.config import load_config
from app.database import configure_engine, end_request, start_request
from app.extensions import db, migrate
from app.proxy import trust_proxies

OPEN_PATHS = ("/api/v1/openapi.json", "/api/v1/healthz")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(Path(app.instance_path)))
    app.config.update(config or {})
    encryption.init_app(app)
    sealed.init_app(app, _personal_keys())
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    trust_proxies(app)
    routing.install(app)  # before any route is added
    request_checks.install(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    with app.app_context():
        configure_engine(db.engine)
    encryption.check_database(app)

    _register_models()
    _bind_runtime()
    _bind_signoff()
    _register_http(app)
    _register_web(app)
    _register_cli(app)
    _register_migration_worker(app)
    _register_monthly_review(app)
    return app


def _personal_keys() -> frozenset[str]:
    """The names under which form data is personal, which is encrypted at rest (app/sealed.py)."""
    from app.forms.personal import personal_keys

    return personal_keys()


def _register_models() -> None:
    from app.attachments import models as _attachments  # noqa: F401
    from app.case_migration import models as _case_migration  # noqa: F401
    from app.casefile import models as _casefile  # noqa: F401
    from app.complaints import customer_models as _customer  # noqa: F401
    from app.complaints import models as _complaints  # noqa: F401
    from app.definitions import draft_models as _drafts  # noqa: F401
    from app.definitions import models as _definitions  # noqa: F401
    from app.escalations import models as _escalations  # noqa: F401
    from app.legal import signoff_models as _signoff  # noqa: F401
    from app.notifications import models as _notifications  # noqa: F401
    from app.places import models as _places  # noqa: F401
    from app.records import models as _records  # noqa: F401
    from app.reports import models as _reports  # noqa: F401
    from app.reports import review_models as _reviews  # noqa: F401
    from app.retention import models as _retention  # noqa: F401
    from app.runtime import message_models as _messages  # noqa: F401
    from app.runtime import models as _runtime  # noqa: F401
    from app.timers import models as _timers  # noqa: F401
    from app.users import models as _users  # noqa: F401


def _bind_runtime() -> None:
    """Tell the step pipeline where compiled processes, diagram functions and operators come from, and who
    is told when tasks stop being open."""
    from app.definitions.catalogues import of_step
    from app.definitions.service import compiled
    from app.escalations import operators as _escalate  # noqa: F401  (registers the `escalate` operator)
    from app.escalations.models import close_for_tasks
    from app.records.operators import call
    from app.runtime import environment
    from app.timers.settings import current

    environment.bind(environment.Environment(compiled=compiled, functions=lambda: current().functions(),
                                             call_operator=call, tasks_closed=close_for_tasks,
                                             step_catalogue=of_step))


def _bind_signoff() -> None:
    """Every activation of a process version passes legal's sign-off (app/legal/signoff.py)."""
    from app.definitions.service import bind_activation_gate, bind_review_states
    from app.legal.signoff import gate, review_states

    bind_activation_gate(gate)
    bind_review_states(review_states)


def _register_http(app: Flask) -> None:
    from app import health
    from app.api import PREFIX, api, init_api
    from app.attachments.views import blp as attachments_blp
    from app.case_migration.views import blp as case_migration_blp
    from app.casefile.views import blp as casefile_blp
    from app.complaints.views import blp as complaints_blp
    from app.complaints.views import incidents_blp
    from app.definitions.compare_views import blp as compare_blp
    from app.definitions.decision_views import blp as decisions_blp
    from app.definitions.draft_views import blp as drafts_blp
    from app.definitions.views import blp as definitions_blp
    from app.errors import Unauthenticated
    from app.escalations.views import blp as escalations_blp
    from app.legal.signoff_views import blp as signoff_blp
    from app.legal.views import blp as register_blp
    from app.notifications.views import blp as notifications_blp
    from app.places.views import blp as places_blp
    from app.reports.views import blp as reports_blp
    from app.retention.views import blp as retention_blp
    from app.tasks.views import blp as tasks_blp
    from app.timers.views import blp as settings_blp
    from app.users.account_views import blp as account_blp
    from app.users.auth import authenticate
    from app.users.views import blp as users_blp

    @app.before_request
    def _before() -> None:
        # a service that writes says so (app.database.begin_write), or its endpoint writes at once
        start_request(app.view_functions.get(request.endpoint or ""), request.method)
        if request.path.startswith(PREFIX) and request.path not in OPEN_PATHS:
            authenticate()
            if request.method != "OPTIONS" and not _has_user():
                raise Unauthenticated("Send a valid API token: 'Authorization: Bearer <token>'.")

    app.teardown_request(lambda _error: end_request())

    init_api(app)
    for blueprint in (definitions_blp, complaints_blp, tasks_blp, escalations_blp, users_blp, settings_blp):
        api.register_blueprint(blueprint)
    api.register_blueprint(attachments_blp)
    api.register_blueprint(incidents_blp)
    api.register_blueprint(notifications_blp)
    api.register_blueprint(drafts_blp)
    api.register_blueprint(decisions_blp)
    api.register_blueprint(compare_blp)
    api.register_blueprint(register_blp)
    api.register_blueprint(signoff_blp)
    api.register_blueprint(casefile_blp)
    api.register_blueprint(account_blp)
    api.register_blueprint(case_migration_blp)
    api.register_blueprint(retention_blp)
    api.register_blueprint(places_blp)
    api.register_blueprint(reports_blp)
    api.register_blueprint(health.blp)
    app.add_url_rule("/healthz", view_func=health.healthz)  # for monitors outside the API


def _register_web(app: Flask) -> None:
    from app.web import init_web

    init_web(app)


def _has_user() -> bool:
    from flask import g

    return g.get("user") is not None


def _register_cli(app: Flask) -> None:
    from app.backups.cli import backup, restore
    from app.complaints.cli import audit_cli
    from app.complaints.index_rotation import rotate_index_key
    from app.complaints.key_rotation import rotate_data_key
    from app.definitions.cli import processes_cli
    from app.places.cli import places_cli
    from app.retention.cli import purge, worker_job
    from app.timers.cli import worker
    from app.users.cli import users_cli
    from app.vacuum import vacuum
    from app.warmup import warm_specs

    for command in (processes_cli, users_cli, audit_cli, places_cli, worker):
        app.cli.add_command(command)
    for command in (purge, backup, restore, vacuum):
        app.cli.add_command(command)
    app.cli.add_command(rotate_data_key)
    app.cli.add_command(rotate_index_key)
    app.extensions["before_worker_loop"] = [warm_specs]  # the first timer fired runs on a compiled spec too
    app.extensions["worker_jobs"] = [worker_job]  # run by the worker's loop after timers and notifications


def _register_monthly_review(app: Flask) -> None:
    """`flask reports send-monthly-review`, and the worker's loop sends the review when it is due."""
    from app.reports.cli import reports_cli
    from app.reports.monthly import worker_job

    app.cli.add_command(reports_cli)
    app.extensions.setdefault("worker_jobs", []).append(worker_job)


def _register_migration_worker(app: Flask) -> None:
    """The worker's loop also moves queued complaints to new process versions, a batch per turn."""
    from app.case_migration.service import worker_job

    app.extensions.setdefault("worker_jobs", []).append(worker_job)
