"""The JSON API against its own OpenAPI document, fuzzed by schemathesis.

Every operation of /api/v1/openapi.json gets a bounded number of generated requests, valid
and invalid ones, sent through the WSGI app with the API token of one of several roles (or
none). Each response must not be a 5xx and must match the document: a documented status code,
a documented content type, and a body that fits the status's schema. Path ids point at real
complaints, tasks, attachments and incidents half the time, so the bodies of successful reads
and steps are checked too, not only the 404s of made-up ids.

The run is deterministic (derandomized hypothesis, no example database) and runs on whichever
database the suite runs on (SQLite, or PostgreSQL with TEST_DATABASE_URL).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import delete, func, select

from app.attachments.models import Attachment
from app.definitions.draft_models import ProcessDraft
from app.extensions import db
from app.runtime.models import Complaint, HumanTask, Incident
from app.users.models import ApiToken, User
from tests.conftest import intake

EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "15"))  # per operation and generation mode
ROLES = ("desk", "manager", "legal", "admin", "owner", "qc", None)  # None: no token at all
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SETTINGS = ("time-limits", "calendar", "case-limits", "signoff", "second-factor", "retention")  # under /settings/
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


@pytest.fixture(scope="module")
def api_schema(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                    deterministic=True, database="none")
    return schema


@pytest.fixture(scope="module")
def attachments_dir(app, tmp_path_factory):
    """Uploaded files go to a scratch folder for this module."""
    before = app.config["ATTACHMENTS_DIR"]
    app.config["ATTACHMENTS_DIR"] = str(tmp_path_factory.mktemp("contract-attachments"))
    yield
    app.config["ATTACHMENTS_DIR"] = before


@pytest.fixture(scope="module")
def real_ids(app, tokens, state_restored, attachments_dir) -> dict[str, list]:
    """Complaints in several states, with their tasks, an attachment and an incident to point at."""
    client = app.test_client()

    def post(path: str, body: dict | None = None, user: str = "desk", **kwargs):
        return client.post(f"/api/v1{path}", json=body, headers={"Authorization": f"Bearer {tokens[user]}"},
                           **kwargs)

    created = [post("/complaints", intake(complaint_type)).get_json()
               for complaint_type in ("quality", "lost_property", "vehicle", "quality")]
    post(f"/complaints/{created[-1]['id']}/cancel", {"reason": "withdrawn"}, user="manager")
    task = created[0]["open_tasks"][0]["id"]
    post(f"/tasks/{task}/complete", {"next_steps_explained": True, "customer_calm": True})
    post(f"/complaints/{created[0]['id']}/attachments", data={"kind": "receipt", "file": (_jpeg(), "r.jpg")},
         content_type="multipart/form-data")
    with app.app_context():
        ids = {
            "complaint_id": list(db.session.scalars(select(Complaint.id).order_by(Complaint.id.desc()).limit(8))),
            "task_id": list(db.session.scalars(select(HumanTask.id).order_by(HumanTask.created_at.desc()).limit(8))),
            "attachment_id": list(db.session.scalars(select(Attachment.id).limit(4))),
            "n": list(db.session.scalars(select(Incident.n).limit(4))) or [1],
            "key": ["quality", "vehicle"],
            "version": [1],
        }
        db.session.remove()
    return ids


@pytest.fixture(scope="module")
def state_restored(app, tokens):
    """Put back what this module may change for the tests after it: every setting (time limits, whole-case limits,
    calendar, sign-off, second factor, retention), active versions, the users' names, roles, passwords and whether
    they are active, and the API tokens it revoked or gave an expiry (first: the rest is put back as the admin and
    the process owner); delete the tokens and drafts it made, whose generated names the pages would show; and
    cancel the complaints it registered, so that their tasks do not crowd the inboxes of later tests."""
    client = app.test_client()
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    owner = {"Authorization": f"Bearer {tokens['owner']}"}
    with app.app_context():
        last_before = db.session.scalar(select(func.max(Complaint.id))) or 0
        accounts = {user.id: (user.display_name, list(user.roles), user.active, user.password_hash)
                    for user in db.session.scalars(select(User))}
        token_states = {token.id: (token.revoked_at, token.expires_at)
                        for token in db.session.scalars(select(ApiToken))}
        drafts_before = list(db.session.scalars(select(ProcessDraft.id)))
        db.session.remove()
    saved_settings = {name: client.get(f"/api/v1/settings/{name}", headers=admin).get_json() for name in SETTINGS}
    active = {p["key"]: p["active_version"] for p in
              client.get("/api/v1/process-definitions", headers=owner).get_json()["items"]}
    yield
    with app.app_context():
        for user in db.session.scalars(select(User).where(User.id.in_(accounts))):
            user.display_name, user.roles, user.active, user.password_hash = accounts[user.id]
        for token in db.session.scalars(select(ApiToken).where(ApiToken.id.in_(token_states))):
            token.revoked_at, token.expires_at = token_states[token.id]
        # Tokens and drafts it made carry generated names, which the account and process pages would show.
        db.session.execute(delete(ApiToken).where(ApiToken.id.not_in(token_states)))
        db.session.execute(delete(ProcessDraft).where(ProcessDraft.id.not_in(drafts_before)))
        db.session.commit()
        db.session.remove()
    for name, value in saved_settings.items():
        assert client.put(f"/api/v1/settings/{name}", json=value, headers=admin).status_code == 200, name
    for key, version in active.items():
        if version is not None:
            client.post(f"/api/v1/process-definitions/{key}/versions/{version}/activate", headers=owner)
    with app.app_context():
        registered = list(db.session.scalars(select(Complaint.id).where(Complaint.id > last_before,
                                                                         Complaint.status == "open")))
        db.session.remove()
    for complaint_id in registered:
        client.post(f"/api/v1/complaints/{complaint_id}/cancel", json={"reason": "registered by the contract test"},
                    headers={"Authorization": f"Bearer {tokens['manager']}"})


def _jpeg():
    import io

    return io.BytesIO(JPEG)


def operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_keeps_to_the_document(api_schema, real_ids, tokens):
    failures: list[str] = []
    for operation in operations(api_schema):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                      report_multiple_bugs=False)
            @given(case=strategy, role=st.sampled_from(ROLES), real=st.booleans(), pick=st.integers(0, 7))
            def exercise(case, role, real, pick):
                if real:
                    for name in case.path_parameters or {}:
                        choices = real_ids.get(name)
                        if choices:
                            case.path_parameters[name] = choices[pick % len(choices)]
                headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                exercise()
            except Unsatisfiable:  # nothing to make invalid: an operation without parameters or body
                continue
            except Exception as exc:  # noqa: BLE001 (collect every operation's failure, then report them all)
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:3000]}")
    assert not failures, "\n\n".join(failures)
