"""The request and response shapes of dry runs, migration jobs and the way back (the API's contract)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.case_migration.models import JOB_STATES, RESULT_STATES
from app.engine.migration import REASONS
from app.errors import ErrorSchema
from app.forms.fields import MAX_INT, page_number, per_page
from app.page_schema import PageSchema

VERSION = validate.Range(min=1, max=MAX_INT)


class MigrationQuerySchema(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={
        "description": "true: report what would happen, change nothing; false (default): create a job"})
    page = page_number()
    per_page = per_page(50, 500)


class MigrationSelectionSchema(Schema):
    to_version = fields.Integer(required=True, validate=VERSION, metadata={"description": "the target version"})
    from_versions = fields.List(fields.Integer(validate=VERSION), validate=validate.Length(max=100), metadata={
        "description": "only complaints on these versions (default: every older version)"})
    numbers = fields.List(fields.String(validate=validate.Length(min=1, max=20)),
                          validate=validate.Length(max=10000),
                          metadata={"description": "only these complaints (each must run on an older version)"})
    at_elements = fields.List(fields.String(validate=validate.Length(min=1, max=120)),
                              validate=validate.Length(max=100),
                              metadata={"description": "only complaints with an open task at one of these steps"})


class MigrationReasonSchema(Schema):
    code = fields.String(required=True, validate=validate.OneOf(REASONS))
    process_id = fields.String(required=True)
    element_id = fields.String(required=True)


class MigrationTaskChangeSchema(Schema):
    id = fields.String(required=True, metadata={"description": "the task id (kept tasks keep theirs)"})
    element_id = fields.String(required=True)


class MigrationCallActivitySchema(Schema):
    element_id = fields.String(required=True)
    changed = fields.Boolean(required=True, metadata={"description": "its subprocess differs in the target"})


class MigrationChangesSchema(Schema):
    kept = fields.List(fields.Nested(MigrationTaskChangeSchema), required=True)
    removed = fields.List(fields.Nested(MigrationTaskChangeSchema), required=True)
    added = fields.List(fields.Nested(MigrationTaskChangeSchema), required=True)
    at = fields.List(fields.String(), required=True, metadata={"description": "where it stands after the move"})
    ahead_added = fields.List(fields.String(), required=True, metadata={
        "description": "steps the way ahead gains"})
    ahead_removed = fields.List(fields.String(), required=True, metadata={
        "description": "steps the way ahead loses"})


class MigrationDryRunItemSchema(MigrationChangesSchema):
    complaint_id = fields.Integer(required=True)
    number = fields.String(required=True)
    from_version = fields.Integer(required=True)
    movable = fields.Boolean(required=True)
    reasons = fields.List(fields.Nested(MigrationReasonSchema), required=True)
    before = fields.List(fields.String(), required=True, metadata={"description": "where it stands now"})
    call_activities = fields.List(fields.Nested(MigrationCallActivitySchema), required=True)
    register_paths = fields.List(fields.String(), required=True, metadata={
        "description": "ids of escalation-register paths it stands on that differ between the versions"})


class MigrationGroupSchema(Schema):
    reason = fields.String(required=True, metadata={"description": "movable, or a reason code"})
    count = fields.Integer(required=True)
    numbers = fields.List(fields.String(), required=True)


class MigrationFlaggedSchema(Schema):
    count = fields.Integer(required=True)
    numbers = fields.List(fields.String(), required=True)


class MigrationDryRunSchema(PageSchema):
    key = fields.String(required=True)
    to_version = fields.Integer(required=True)
    movable = fields.Integer(required=True)
    groups = fields.List(fields.Nested(MigrationGroupSchema), required=True)
    register_changed = fields.Nested(MigrationFlaggedSchema, required=True, metadata={
        "description": "complaints on a path whose escalation register differs between the versions (legal)"})
    items = fields.List(fields.Nested(MigrationDryRunItemSchema), required=True)


class MigrationResultSchema(Schema):
    complaint_id = fields.Integer(required=True)
    number = fields.String(required=True)
    from_version = fields.Integer(required=True)
    state = fields.String(required=True, validate=validate.OneOf(RESULT_STATES))
    reason = fields.String(allow_none=True, metadata={
        "description": "why it was skipped or refused (job_cancelled: the job was cancelled before it)"})
    message = fields.String(allow_none=True)
    changes = fields.Dict(allow_none=True, metadata={"description": "versions and task changes of the move"})
    done_at = fields.String(allow_none=True)


class MigrationCountsSchema(Schema):
    pending = fields.Integer(required=True)
    migrated = fields.Integer(required=True)
    skipped = fields.Integer(required=True)
    refused = fields.Integer(required=True)


class MigrationJobSchema(PageSchema):
    id = fields.Integer(required=True)
    key = fields.String(required=True)
    to_version = fields.Integer(required=True)
    state = fields.String(required=True, validate=validate.OneOf(JOB_STATES))
    selection = fields.Dict(required=True)
    created_by = fields.String(required=True)
    created_at = fields.String(required=True)
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)
    cancelled_by = fields.String(allow_none=True, metadata={"description": "who cancelled it, when cancelled"})
    cancelled_at = fields.String(allow_none=True)
    counts = fields.Nested(MigrationCountsSchema, required=True)
    done = fields.Integer(required=True)
    items = fields.List(fields.Nested(MigrationResultSchema), required=True)


class MigrationJobQuerySchema(Schema):
    state = fields.String(validate=validate.OneOf(RESULT_STATES), metadata={"description": "only these results"})
    page = page_number()
    per_page = per_page(100, 500)


class MigratedBackSchema(MigrationChangesSchema):
    complaint_id = fields.Integer(required=True)
    number = fields.String(required=True)
    from_version = fields.Integer(required=True)
    to_version = fields.Integer(required=True)
    back = fields.Boolean(required=True)


class MigrationRefusedSchema(ErrorSchema):
    reasons = fields.List(fields.Nested(MigrationReasonSchema), metadata={"description": "why it cannot move"})
