"""HTTP endpoint comparing two versions of a process (read-only: for every role that reads definitions)."""

from __future__ import annotations

from flask import request

from app.api import PREFIX, Blueprint, errors
from app.definitions import compare
from app.definitions.compare_schemas import ComparisonSchema
from app.forms.fields import MAX_INT
from app.users.auth import current_user

blp = Blueprint("definition_compare", __name__, url_prefix=f"{PREFIX}/process-definitions",
                description="Comparing two versions of a process")

VERSIONS = [{"in": "query", "name": name, "required": True,
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INT},
             "description": description}
            for name, description in (("from", "the older version (or any)"), ("to", "the version compared with it"))]


@blp.route("/<key>/compare", methods=["GET"])
@blp.doc(summary="The elements added, removed and changed from one version to another, each change in words",
         description="Elements are matched by id; each changed element lists what changed (name, condition, "
                     "default flow, form, operator and parameters, time limit, lane or role, called process, "
                     "decision table, instructions, the steps it comes from and goes on to) in Chinese and English. "
                     "The diagrams are only read, never run.",
         parameters=VERSIONS)
@blp.response(200, ComparisonSchema)
@errors(blp, 401, 403, 404, 422)
def compare_versions(key: str):
    return compare.compare(key, request.args.get("from"), request.args.get("to"), current_user()).as_dict()
