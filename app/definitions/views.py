"""HTTP endpoints for deployed diagram versions."""

from __future__ import annotations

from flask import Response, request
from flask_smorest import Blueprint

from app.api import PREFIX
from app.definitions import service
from app.errors import Invalid
from app.timeutil import isoformat
from app.users.auth import current_user

blp = Blueprint("definitions", __name__, url_prefix=f"{PREFIX}/process-definitions",
                description="Deployed BPMN processes and their versions")


def _version_dict(definition) -> dict:
    return {"key": definition.key, "version": definition.version, "name": definition.name,
            "active": definition.active, "filename": definition.filename, "sha256": definition.source_sha256,
            "identity": definition.identity_sha256, "dependencies": definition.dependencies,
            "deployed_at": isoformat(definition.deployed_at), "deployed_by_id": definition.deployed_by_id,
            "activated_at": isoformat(definition.activated_at)}


@blp.route("", methods=["GET"])
@blp.doc(summary="List deployed processes with their active version")
def list_processes():
    return {"items": service.list_processes(current_user())}


@blp.route("", methods=["POST"])
@blp.doc(summary="Deploy BPMN/DMN documents (XML body, or multipart with several files)",
         parameters=[{"in": "query", "name": "activate", "schema": {"type": "boolean", "default": True}}],
         requestBody={"content": {"application/xml": {"schema": {"type": "string"}},
                                  "multipart/form-data": {"schema": {"type": "object", "properties": {
                                      "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}},
         responses={"201": {"description": "New versions created"},
                    "200": {"description": "Identical content: the existing versions"},
                    "422": {"description": "Refused: message and errors [{message, element_id, line}]"}})
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
    return (processes[0] if len(processes) == 1 else processes), status


@blp.route("/<key>", methods=["GET"])
@blp.doc(summary="A process's versions and which is active")
def get_process(key: str):
    versions = service.versions_of(key, current_user())
    active = next((v.version for v in versions if v.active), None)
    return {"key": key, "active_version": active, "versions": [_version_dict(v) for v in versions]}


@blp.route("/<key>/versions/<int:version>/bpmn", methods=["GET"])
@blp.doc(summary="The BPMN XML of one version")
def get_bpmn(key: str, version: int):
    return Response(service.get_version(key, version, current_user()).source, mimetype="application/xml")


@blp.route("/<key>/versions/<int:version>/activate", methods=["POST"])
@blp.doc(summary="Make a version the one new complaints start on (activating an older one is the rollback)")
def activate(key: str, version: int):
    return _version_dict(service.activate(key, version, current_user()))
