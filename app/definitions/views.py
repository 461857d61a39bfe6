"""HTTP endpoints for deployed diagram versions, and for checking diagrams without deploying them."""

from __future__ import annotations

from flask import Response, jsonify, request
from marshmallow import ValidationError

from app.api import PREFIX, Blueprint, errors, json_body
from app.definitions import service
from app.definitions.schemas import (
    DEPLOYED,
    ActivationRefusedSchema,
    LintFilesSchema,
    LintResultSchema,
    ProcessListSchema,
    ProcessVersionsSchema,
    VersionSchema,
)
from app.errors import Invalid
from app.users.auth import current_user

XML_TYPES = ("application/xml", "text/xml")
DOCUMENTS = {"application/xml": {"schema": {"type": "string"}},
             "multipart/form-data": {"schema": {"type": "object", "properties": {
                 "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}

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
         requestBody={"content": DOCUMENTS})
@blp.response(201, DEPLOYED, description="New versions created")
@blp.alt_response(200, schema=DEPLOYED, description="Identical content: the existing versions", success=True)
@errors(blp, 401, 403, 409, 413, 422)
def deploy():
    user = current_user()
    activate = request.args.get("activate", "true").lower() not in ("false", "0", "no")
    results = service.deploy(_documents(), user, activate=activate)
    processes = [r.as_dict() for r in results if r.definition.kind == "bpmn"] or [r.as_dict() for r in results]
    status = 201 if any(r.created for r in results) else 200
    return jsonify(processes[0] if len(processes) == 1 else processes), status  # one, or a list (see DEPLOYED)


@blp.route("/lint", methods=["POST"])
@blp.doc(summary="Check BPMN/DMN documents as a deploy would, without deploying: every error and warning",
         description="The same inputs as the deploy, or JSON `{files: [{name, content}]}`. Call activities and "
                     "decision tables resolve against what is deployed and the documents sent; malformed XML is a "
                     "problem with its line. Process owners only.",
         requestBody={"content": {**DOCUMENTS, "application/json": {"schema": LintFilesSchema}}})
@blp.response(200, LintResultSchema)
@errors(blp, 401, 403, 413, 422)
def lint():
    return service.lint(current_user(), _sent_for_lint).as_dict()


def _sent_for_lint() -> list[tuple[str, bytes]]:
    """The documents to check: JSON {files: [{name, content}]}, or as the deploy takes them."""
    if request.mimetype == "application/json":
        try:
            sent = LintFilesSchema().load(json_body())
        except ValidationError as exc:
            raise Invalid("Some fields are not valid. / 有些字段无效。", errors=exc.messages) from None
        return [(document["name"], document["content"].encode("utf-8")) for document in sent["files"]]
    if request.mimetype not in ("", "multipart/form-data", *XML_TYPES) and not request.mimetype.endswith("+xml"):
        raise Invalid("Send the documents as XML (application/xml), as files in a multipart upload, or as JSON "
                      "{\"files\": [{\"name\", \"content\"}]}. / 请以 XML（application/xml）、multipart 文件上传或 "
                      "JSON {\"files\": [{\"name\", \"content\"}]} 发送文档。")
    return _documents()


def _documents() -> list[tuple[str, bytes]]:
    """The files of a multipart upload, else the body as one document (named by `?filename=`)."""
    files = [(f.filename or "upload.bpmn", f.read()) for f in request.files.getlist("files")]
    files += [(f.filename or "upload.bpmn", f.read()) for name, f in request.files.items(multi=True)
              if name != "files"]
    if not files:
        body = request.get_data(cache=False)
        if not body:
            raise Invalid("Send the BPMN XML as the body, or files in a multipart upload. / "
                          "请以请求正文发送 BPMN XML，或以 multipart 上传文件。")
        files = [(request.args.get("filename", "upload.bpmn"), body)]
    return files


@blp.route("/<key>", methods=["GET"])
@blp.doc(summary="A process's versions and which is active")
@blp.response(200, ProcessVersionsSchema)
@errors(blp, 401, 403, 404)
def get_process(key: str):
    versions = service.listed_versions(key, current_user())
    active = next((v.version for v in versions if v.active), None)
    return {"key": key, "active_version": active, "versions": versions}


@blp.route("/<key>/versions/<int:version>/bpmn", methods=["GET"])
@blp.doc(summary="The BPMN XML of one version")
@blp.response(200, {"type": "string"}, content_type="application/xml")
@errors(blp, 401, 403, 404, 422)
def get_bpmn(key: str, version: int):
    return Response(service.get_version(key, version, current_user()).source, mimetype="application/xml")


@blp.route("/<key>/versions/<int:version>/activate", methods=["POST"])
@blp.doc(summary="Make a version the one new complaints start on (activating an older one is the rollback)",
         description="409 while legal's sign-off holds the version back (awaiting review, or rejected).")
@blp.response(200, VersionSchema)
@errors(blp, 401, 403, 404, 409, 422, schemas={409: ActivationRefusedSchema})
def activate(key: str, version: int):
    return service.activate(key, version, current_user())
