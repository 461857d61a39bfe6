"""HTTP endpoints: a migration's dry run, migration jobs and their progress, and a complaint's way back."""

from __future__ import annotations

from flask import jsonify

from app.api import PREFIX, Blueprint, errors
from app.case_migration import service
from app.case_migration.schemas import (
    MigratedBackSchema,
    MigrationDryRunSchema,
    MigrationJobQuerySchema,
    MigrationJobSchema,
    MigrationQuerySchema,
    MigrationRefusedSchema,
    MigrationSelectionSchema,
)
from app.users.auth import current_user

blp = Blueprint("case_migration", __name__, url_prefix=PREFIX,
                description="Moving running complaints to another version of their process")


@blp.route("/process-definitions/<key>/migrations", methods=["POST"])
@blp.arguments(MigrationQuerySchema, location="query")
@blp.arguments(MigrationSelectionSchema)
@blp.doc(summary="Dry-run or start moving running complaints of older versions to a version",
         description="With dry_run=true nothing changes: for every selected running complaint on an older version, "
                     "whether it can move and what happens to it (tasks kept, removed, added; where it stands "
                     "afterwards; the way ahead), or why not, grouped by reason with counts; complaints on a path "
                     "whose escalation register differs between the versions are flagged. Legal and process owners. "
                     "Without it (process owners only) a job is queued: the worker moves the complaints in batches, "
                     "each in its own transaction, skipping any that changed since it was selected.")
@blp.response(200, MigrationDryRunSchema, description="The dry run's report (dry_run=true)")
@blp.alt_response(202, schema=MigrationJobSchema, description="The job, queued (without dry_run)")
@errors(blp, 401, 403, 404, 422)
def start(query, selection, key: str):
    to_version = selection.pop("to_version")
    if query["dry_run"]:
        return service.dry_run(key, to_version, selection, current_user(), query["page"], query["per_page"])
    response = jsonify(MigrationJobSchema().dump(service.create_job(key, to_version, selection, current_user())))
    response.status_code = 202
    return response


@blp.route("/migrations/<int:job_id>", methods=["GET"])
@blp.arguments(MigrationJobQuerySchema, location="query")
@blp.doc(summary="A migration job's progress and its per-complaint results (legal and process owners)")
@blp.response(200, MigrationJobSchema)
@errors(blp, 401, 403, 404, 422)
def progress(query, job_id: int):
    return service.job_progress(job_id, current_user(), query["page"], query["per_page"], query.get("state"))


@blp.route("/migrations/<int:job_id>/cancel", methods=["POST"])
@blp.doc(summary="Cancel an unfinished migration job (process owners)",
         description="The worker moves no further complaint of it: complaints already settled keep their results, "
                     "those still waiting are skipped with the reason job_cancelled. Who cancelled it and when are "
                     "kept on the job. A job that has finished is a 409.")
@blp.response(200, MigrationJobSchema)
@errors(blp, 401, 403, 404, 409)
def cancel(job_id: int):
    return service.cancel_job(job_id, current_user())


@blp.route("/complaints/<int:complaint_id>/migrate-back", methods=["POST"])
@blp.doc(summary="Move a migrated complaint back to the version it came from (process owners)",
         description="Allowed while its tasks allow it (the same check as a dry run); recorded in its audit trail.")
@blp.response(200, MigratedBackSchema)
@errors(blp, 401, 403, 404, 409, schemas={409: MigrationRefusedSchema})
def migrate_back(complaint_id: int):
    return service.migrate_back(complaint_id, current_user())
