"""HTTP endpoints of the escalation register and of the difference between two versions' registers."""

from __future__ import annotations

from flask import request

from app.api import PREFIX, Blueprint, errors
from app.definitions.compare_views import VERSIONS
from app.legal import service
from app.legal.schemas import RegisterDiffSchema, RegisterSchema
from app.users.auth import current_user

blp = Blueprint("escalation_register", __name__, url_prefix=f"{PREFIX}/process-definitions",
                description="The escalation register: where each version sends a case outside the desk")

@blp.route("/<key>/versions/<int:version>/register", methods=["GET"])
@blp.doc(summary="Every path from the start to each step that sends a case outside the desk's normal work",
         description="Computed from the version's BPMN and the DMN and called processes it was deployed with "
                     "(nothing is run): per path the conditions in words (zh and en), the roles, the named time "
                     "limits and, for payments, the money limits; with a sha256 digest. For legal, process owners "
                     "and administrators.")
@blp.response(200, RegisterSchema)
@errors(blp, 401, 403, 404, 422)
def version_register(key: str, version: int):
    return service.register_of(key, version, current_user())


@blp.route("/<key>/register-diff", methods=["GET"])
@blp.doc(summary="What changed from one version's escalation register to another's, in words",
         description="Paths added, removed and changed, and the decision tables' thresholds moved, with both "
                     "registers' digests.", parameters=VERSIONS)
@blp.response(200, RegisterDiffSchema)
@errors(blp, 401, 403, 404, 422)
def register_diff(key: str):
    return service.register_diff_of(key, request.args.get("from"), request.args.get("to"), current_user())
