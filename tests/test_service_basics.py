"""Schema from migrations, OpenAPI, health, CLI commands, and authentication basics."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db
from tests import bpmn_samples as s


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def test_openapi_describes_every_api_endpoint(app):
    client = app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    paths = set(document["paths"])
    rules = {str(rule) for rule in app.url_map.iter_rules() if str(rule).startswith("/api/v1/")
             and "openapi" not in str(rule) and "healthz" not in str(rule)}
    as_openapi = {rule.replace("<int:", "{").replace("<", "{").replace(">", "}") for rule in rules}
    assert as_openapi <= paths, as_openapi - paths
    assert "requestBody" in document["paths"]["/api/v1/complaints"]["post"]


def test_health_reports_the_database(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"]["status"] == "ok"


def test_unknown_or_revoked_tokens_are_401(as_user, app):
    client = app.test_client()
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
    me = as_user("legal").get("/me")
    assert me.status == 200 and me["roles"] == ["legal"]


def test_cli_creates_users_issues_tokens_and_deploys(app, tmp_path):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["users", "create", "cli-user", "--role", "finance", "--role", "legal",
                                  "--password", "long-enough-1"])
    assert created.exit_code == 0, created.output
    bad = runner.invoke(args=["users", "create", "cli-bad", "--role", "wizard", "--password", "long-enough-1"])
    assert bad.exit_code != 0 and "Unknown role" in bad.output
    token = runner.invoke(args=["users", "token", "cli-user"]).output.strip().splitlines()[-1]
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.get_json()["roles"] == ["finance", "legal"]

    diagram = tmp_path / "t_cli.bpmn"
    diagram.write_text(s.process("t_cli", "finance", [s.user_task()]))
    deployed = runner.invoke(args=["processes", "deploy", str(diagram)])
    assert deployed.exit_code == 0 and deployed.output.strip() == "t_cli 1"
    broken = tmp_path / "broken.bpmn"
    broken.write_text(s.process("t_cli_broken", "wizards", [s.user_task()]))
    refused = runner.invoke(args=["processes", "deploy", str(broken)])
    assert refused.exit_code != 0 and "not a role" in refused.output


def test_users_api_is_for_admins(as_user):
    assert as_user("desk").get("/users").status == 403
    created = as_user("admin").post("/users", {"username": "api-made", "password": "long-enough-1",
                                              "roles": ["finance"]})
    assert created.status == 201 and created["roles"] == ["finance"]
    assert as_user("admin").post("/users", {"username": "x", "password": "short", "roles": []}).status == 422
