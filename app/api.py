"""The JSON API under /api/v1: its OpenAPI document, error shape and request helpers."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from app.engine.xml import DiagramError
from app.errors import Invalid, ServiceError

PREFIX = "/api/v1"


class ServiceApi(Api):
    """flask-smorest's Api with errors in this service's shape: {"message": ..., "errors": ...}."""

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
        return jsonify(body), error.code


api = ServiceApi(spec_kwargs={"servers": [{"url": "/"}]})


def init_api(app: Flask) -> None:
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config["OPENAPI_URL_PREFIX"] = PREFIX
    api.init_app(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]

    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError):
        return jsonify(error.as_dict()), error.status

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


def json_body() -> Any:
    """The request's JSON body; a 422 that says so when it is not JSON."""
    if not request.get_data(cache=True):
        return {}
    data = request.get_json(silent=True)
    if data is None:
        raise Invalid("The request body is not valid JSON.", errors={"_schema": ["Not valid JSON."]})
    return data


def body_doc(schema: Any, description: str = "") -> dict[str, Any]:
    """OpenAPI requestBody for a marshmallow schema (validation stays in the service)."""
    return {"requestBody": {"required": True, "description": description,
                            "content": {"application/json": {"schema": schema}}}}
