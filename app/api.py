"""The JSON API under /api/v1: its OpenAPI document, error shape and request helpers.

The document at /api/v1/openapi.json is the whole contract: every operation declares its
success body (`@blp.response`, which also serialises what the view returns), its request
body and every error it can answer with (`errors`), each with the schema of its fields.
Views use this module's `Blueprint`, whose argument parser reads JSON through
app.payloads, so `@blp.arguments` refuses the same unstorable text as every other payload.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask_smorest
from flask import Flask, jsonify, request
from flask_smorest import Api
from marshmallow import Schema
from webargs import core
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from app.engine.xml import DiagramError
from app.errors import ErrorSchema, InvalidSchema, ServiceError, TooManySchema
from app.payloads import parse_json
from app.routing import DatabaseInteger, Segment

PREFIX = "/api/v1"

ERROR_RESPONSES: dict[int, tuple[str, type[Schema]]] = {
    401: ("No valid API token was sent", ErrorSchema),
    403: ("The caller's roles do not allow this", ErrorSchema),
    404: ("No such resource", ErrorSchema),
    409: ("Not possible in the resource's current state", ErrorSchema),
    413: ("The request body is larger than MAX_CONTENT_LENGTH", ErrorSchema),
    422: ("The input is not valid: `errors` names each field", InvalidSchema),
    429: ("Too many attempts: wait `retry_after` seconds", TooManySchema),
}


class ServiceParser(FlaskParser):
    """webargs' parser reading JSON bodies with app.payloads.parse_json (a 422 for what it refuses)."""

    def _raw_load_json(self, req: Any) -> Any:
        raw = req.get_data(cache=True)
        return parse_json(raw) if raw else core.missing


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with the service's argument parser."""

    ARGUMENTS_PARSER = ServiceParser()


class ServiceApi(Api):
    """flask-smorest's Api with errors in this service's shape: {"message": ..., "errors": ...}.

    No catch-all "default" response is documented: each operation lists the errors it gives.
    """

    DEFAULT_ERROR_RESPONSE_NAME = None
    ERROR_SCHEMA = InvalidSchema

    def handle_http_exception(self, error: HTTPException):
        body: dict[str, Any] = {"message": error.description or error.name}
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        if isinstance(messages, dict):
            flat: dict[str, Any] = {}
            for location_errors in messages.values():
                flat.update(location_errors if isinstance(location_errors, dict) else {"_schema": location_errors})
            body = {"message": "Some fields are not valid.", "errors": flat}
        if error.code == 413:
            body["message"] = "The request body is too large."
        response = jsonify(body)
        response.status_code = error.code or 500
        for name, value in error.get_headers():  # e.g. Allow on a 405
            if name.lower() != "content-type":
                response.headers[name] = value
        return response


api = ServiceApi(spec_kwargs={"servers": [{"url": "/"}]})


def init_api(app: Flask) -> None:
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config["OPENAPI_URL_PREFIX"] = PREFIX
    api.init_app(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]
    api.register_converter(DatabaseInteger, _integer_parameter)
    api.register_converter(Segment, lambda _converter: {"type": "string", "minLength": 1})

    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError):
        headers = {"Retry-After": str(error.extra["retry_after"])} if "retry_after" in error.extra else {}
        return jsonify(error.as_dict()), error.status, headers

    @app.errorhandler(DiagramError)
    def _diagram_error(error: DiagramError):
        problems = [p.as_dict() for p in error.problems]
        first = problems[0]["message"] if problems else "The diagram was refused."
        message = first if len(problems) == 1 else f"{len(problems)} problems; the first: {first}"
        return jsonify({"message": message, "errors": problems}), 422

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return api.handle_http_exception(error)
        app.logger.exception("unexpected error")
        return jsonify({"message": "Something went wrong on our side; nothing was changed. "
                                   "Please try again or tell an administrator."}), 500


def _integer_parameter(converter: DatabaseInteger) -> dict[str, Any]:
    return {"type": "integer", "minimum": converter.min or 0, "maximum": converter.max}


def json_body() -> Any:
    """The request's JSON body ({} when empty), checked by app.payloads.parse_json."""
    raw = request.get_data(cache=True)
    return parse_json(raw) if raw else {}


def body_doc(schema: Any, description: str = "") -> dict[str, Any]:
    """OpenAPI requestBody for a marshmallow schema whose validation stays in the service.

    The service validates (it serves the pages too, and checks the caller's role first);
    the document shows the same schema.
    """
    return {"requestBody": {"required": True, "description": description,
                            "content": {"application/json": {"schema": schema}}}}


def errors(blp: flask_smorest.Blueprint, *statuses: int,
           schemas: dict[int, type[Schema]] | None = None) -> Callable[[Callable], Callable]:
    """Document the error responses an operation gives, each with the schema of its body.

    `schemas` replaces the default schema of a status, e.g. {409: TaskConflictSchema}.
    """

    def decorate(func: Callable) -> Callable:
        for status in statuses:
            description, schema = ERROR_RESPONSES[status]
            schema = (schemas or {}).get(status, schema)
            func = blp.alt_response(status, schema=schema, description=description)(func)
        return func

    return decorate
