"""HTTP endpoints for deployed diagram versions."""

from __future__ import annotations

from flask import Response, jsonify, request

from app.api import PREFIX, Blueprint, errors
from app.definitions import service
from app.definitions.schemas import (
    DEPLOYED,
    ProcessListSchema,
    ProcessVersionsSchema,
    VersionSchema,
)
from app.errors import Invalid
from app.users.auth import current_user

blp = Blueprint("definitions", __name__, url_prefix=f"{PREFIX}/process-definitions",
                description="Deployed BPMN processes and their versions")


@blp.route("", methods=["GET"])
@blp.doc(summary="List deployed processes with their active version")
@blp.response(200, ProcessListSchema)
@errors(blp, 401, 403)
def list_processes():
    return {"items": service.list_processes(current_user())}


@blp.route("", methods=["POST"])
@blp.doc(summary="Deploy BPMN/DMN documents (XML body, or multipart with several files)",
         parameters=[{"in": "query", "name": "activate", "schema": {"type": "boolean", "default": True}}],
         requestBody={"content": {"application/xml": {"schema": {"type": "string"}},
                                  "multipart/form-data": {"schema": {"type": "object", "properties": {
                                      "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}})
@blp.response(201, DEPLOYED, description="New versions created")
@blp.alt_response(200, schema=DEPLOYED, description="Identical content: the existing versions", success=True)
@errors(blp, 401, 403, 409, 413, 422)
def deploy():
    user = current_user()
    files = [(f.filename or "upload.bpmn", f.read()) for f in request.files.getlist("files")]
    files += [(f.filename or "upload.bpmn", f.read()) for name, f in request.files.items(multi=True)
              if name != "files"]
    if not files:
        body = request.get_data(cache=False)
        if not body:
            raise Invalid("Send the BPMN XML as the body, or files in a multipart upload.")
        files = [(request.args.get("filename", "upload.bpmn"), body)]
    activate = request.args.get("activate", "true").lower() not in ("false", "0", "no")
    results = service.deploy(files, user, activate=activate)
    processes = [r.as_dict() for r in results if r.definition.kind == "bpmn"] or [r.as_dict() for r in results]
    status = 201 if any(r.created for r in results) else 200
    return jsonify(processes[0] if len(processes) == 1 else processes), status  # one, or a list (see DEPLOYED)


@blp.route("/<key>", methods=["GET"])
@blp.doc(summary="A process's versions and which is active")
@blp.response(200, ProcessVersionsSchema)
@errors(blp, 401, 403, 404)
def get_process(key: str):
    versions = service.versions_of(key, current_user())
    active = next((v.version for v in versions if v.active), None)
    return {"key": key, "active_version": active, "versions": versions}


@blp.route("/<key>/versions/<int:version>/bpmn", methods=["GET"])
@blp.doc(summary="The BPMN XML of one version")
@blp.response(200, {"type": "string"}, content_type="application/xml")
@errors(blp, 401, 403, 404)
def get_bpmn(key: str, version: int):
    return Response(service.get_version(key, version, current_user()).source, mimetype="application/xml")


@blp.route("/<key>/versions/<int:version>/activate", methods=["POST"])
@blp.doc(summary="Make a version the one new complaints start on (activating an older one is the rollback)")
@blp.response(200, VersionSchema)
@errors(blp, 401, 403, 404)
def activate(key: str, version: int):
    return service.activate(key, version, current_user())
