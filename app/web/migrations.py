"""The pages of moving running complaints to a new process version: a dry run's report and a job's progress.

Process owners start and cancel jobs; legal and process owners read reports and progress (the service refuses
every other role: 403). The report is the API's dry run, read with a GET form: nothing changes until the owner
starts a job.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.case_migration import service as migrations
from app.case_migration.models import RESULT_STATES
from app.definitions import service as definitions
from app.definitions import version_numbers
from app.errors import Conflict, Invalid
from app.web.views import bp, me


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"may_read_migrations": lambda: current_user.is_authenticated and migrations.may_read(me())}


def reason_words() -> dict[str, str]:
    return {"movable": _("Can move"), "on_removed_element": _("Stands on a step the new version removed"),
            "on_changed_element": _("Stands on a step the new version changed"),
            "in_changed_call_activity": _("Waits inside a shared subprocess it cannot follow"),
            "loop_changed": _("Stands on a loop whose steps changed"),
            "state_unreadable": _("Its stored state cannot be read"),
            "changed_meanwhile": _("Changed since it was selected"),
            "job_cancelled": _("The migration was cancelled before it was moved")}


@bp.route("/processes/<key>/migrations")
@login_required
def migration_report(key: str):
    versions = definitions.versions_of(key, me())
    latest = versions[-1].version
    target = version_numbers.optional(request.args.get("to"), "to") or latest
    page = max(request.args.get("page", 1, type=int), 1)
    report = migrations.dry_run(key, target, {}, me(), page, 50)
    return render_template("web/migration.html", key=key, report=report, versions=list(reversed(versions)),
                           jobs=migrations.list_jobs(me(), key), words=reason_words(),
                           may_migrate=migrations.may_migrate(me()))


@bp.route("/processes/<key>/migrations", methods=["POST"])
@login_required
def migration_start(key: str):
    target = request.form.get("to", type=int) or 0
    try:
        job = migrations.create_job(key, target, {}, me())
    except Invalid as exc:
        flash(exc.message, "warn")
        return redirect(url_for("web.migration_report", key=key, to=target))
    flash(_("Migration queued: the worker moves the complaints in batches."), "ok")
    return redirect(url_for("web.migration_job", job_id=job["id"]))


@bp.route("/migrations/<int:job_id>")
@login_required
def migration_job(job_id: int):
    state = request.args.get("state") or None
    page = max(request.args.get("page", 1, type=int), 1)
    job = migrations.job_progress(job_id, me(), page, 100, state if state in RESULT_STATES else None)
    return render_template("web/migration_job.html", job=job, words=reason_words(),
                           may_migrate=migrations.may_migrate(me()))


@bp.route("/migrations/<int:job_id>/cancel", methods=["POST"])
@login_required
def migration_cancel(job_id: int):
    try:
        migrations.cancel_job(job_id, me())
    except Conflict as exc:
        flash(exc.message, "warn")
    else:
        flash(_("Migration cancelled: the complaints it had not moved yet stay where they are."), "ok")
    return redirect(url_for("web.migration_job", job_id=job_id))
