"""HTTP endpoints of the process owners' workbench: drafts, the editor's choices, deploying a draft.

Every endpoint is for process owners only (the services decide; any other role gets 403).
"""

from __future__ import annotations

from app.api import PREFIX, Blueprint, body_doc, errors, json_body
from app.definitions import choices, drafts
from app.definitions.draft_schemas import (
    DeployedDraftSchema,
    DraftConflictSchema,
    DraftDeploySchema,
    DraftErrorSchema,
    DraftListSchema,
    DraftNewSchema,
    DraftSaveSchema,
    DraftSchema,
    VocabularySchema,
)
from app.users.auth import current_user

blp = Blueprint("drafts", __name__, url_prefix=f"{PREFIX}/process-definitions",
                description="The process owners' workbench: drafts and what the editor offers")

ERRORS = {403: DraftErrorSchema, 404: DraftErrorSchema, 409: DraftConflictSchema, 422: DraftErrorSchema}


@blp.route("/drafts", methods=["GET"])
@blp.doc(summary="The caller's drafts, most recently saved first")
@blp.response(200, DraftListSchema)
@errors(blp, 401, 403)
def list_drafts():
    return {"items": drafts.list_mine(current_user())}


@blp.route("/drafts", methods=["POST"])
@blp.doc(summary="Start a draft of a new process from the template (the shared lifecycle steps in place)",
         **body_doc(DraftNewSchema))
@blp.response(201, DraftSchema)
@errors(blp, 401, 403, 409, 413, 422, schemas=ERRORS)
def start_draft():
    return drafts.start_new(json_body(), current_user()), 201


@blp.route("/vocabulary", methods=["GET"])
@blp.doc(summary="What the editor offers: forms, operators and their parameters, roles, time limits, "
                 "messages, processes and decision tables")
@blp.response(200, VocabularySchema)
@errors(blp, 401, 403)
def vocabulary():
    return choices.editor_choices(current_user())


@blp.route("/<key>/drafts/mine", methods=["GET"])
@blp.doc(summary="The caller's draft of a process")
@blp.response(200, DraftSchema)
@errors(blp, 401, 403, 404, schemas=ERRORS)
def get_draft(key: str):
    return drafts.get_mine(key, current_user())


@blp.route("/<key>/drafts/mine", methods=["PUT"])
@blp.doc(summary="Save the caller's draft (autosave): 409 when it was saved meanwhile or a newer version "
                 "was deployed, saying what changed", **body_doc(DraftSaveSchema))
@blp.response(200, DraftSchema)
@errors(blp, 401, 403, 409, 413, 422, schemas=ERRORS)
def save_draft(key: str):
    return drafts.save(key, json_body(), current_user())


@blp.route("/<key>/drafts/mine", methods=["DELETE"])
@blp.doc(summary="Discard the caller's draft")
@blp.response(204)
@errors(blp, 401, 403, 404, schemas=ERRORS)
def discard_draft(key: str):
    drafts.discard(key, current_user())
    return "", 204


@blp.route("/<key>/drafts/mine/deploy", methods=["POST"])
@blp.doc(summary="Deploy the caller's draft as the next version (not yet active); lint errors refuse it",
         **body_doc(DraftDeploySchema))
@blp.response(201, DeployedDraftSchema, description="The new version")
@blp.alt_response(200, schema=DeployedDraftSchema, description="Identical to an existing version", success=True)
@errors(blp, 401, 403, 404, 409, 413, 422, schemas=ERRORS)
def deploy_draft(key: str):
    result = drafts.deploy(key, json_body(), current_user())
    return result, 201 if result["created"] else 200

