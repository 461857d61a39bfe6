"""The process owners' drafts over the API: save, reload, conflicts, roles, bad input, deploy from a draft."""

from __future__ import annotations

import os

import pytest

from app import create_app
from app.extensions import db
from tests import bpmn_samples as s
from tests.conftest import STAFF, intake

PROBE = "drafts_probe"


def probe(name: str = "付款") -> str:
    return s.process(PROBE, "finance", [s.user_task("lifecycle.payment", name)])


@pytest.fixture(scope="module")
def probe_version(app, tokens):
    """A small process of the module's own, so that versions deployed here touch no other test's."""
    client = app.test_client()
    r = client.post("/api/v1/process-definitions", data=probe().encode(), content_type="application/xml",
                    headers={"Authorization": f"Bearer {tokens['owner']}"}, query_string={"filename": f"{PROBE}.bpmn"})
    assert r.status_code in (200, 201), r.get_json()
    return r.get_json()["version"]


@pytest.fixture
def owner(as_user):
    api = as_user("owner")
    yield api
    for key in (PROBE, "quality"):
        api.client.delete(f"/api/v1/process-definitions/{key}/drafts/mine", headers=api._headers())


def latest(api, key: str = PROBE) -> int:
    return api.get(f"/process-definitions/{key}")["versions"][-1]["version"]


def put(api, key: str, xml: str, revision: int, base: int | None = None, catalogue: dict | None = None):
    r = api.client.put(f"/api/v1/process-definitions/{key}/drafts/mine", headers=api._headers(),
                       json={"xml": xml, "revision": revision, "base_version": base, "catalogue": catalogue or {}})
    return r.status_code, r.get_json()


def test_a_draft_is_saved_listed_and_read_back_and_runs_nothing(owner, probe_version):
    status, body = put(owner, PROBE, probe("改过的付款"), 0, latest(owner),
                       {"step0": {"zh": "改过的付款", "en": "Changed payment"}})
    assert status == 200, body
    assert (body["revision"], body["base_version"]) == (1, probe_version)
    again = owner.get(f"/process-definitions/{PROBE}/drafts/mine")
    assert again.status == 200 and "改过的付款" in again["xml"]
    assert again["catalogue"] == {"step0": {"zh": "改过的付款", "en": "Changed payment"}}
    assert PROBE in [d["key"] for d in owner.get("/process-definitions/drafts")["items"]]
    versions = owner.get(f"/process-definitions/{PROBE}")["versions"]
    assert [v["version"] for v in versions][-1] == body["base_version"]  # a draft is not a version
    status, body = put(owner, PROBE, probe("再改"), 1)
    assert (status, body["revision"]) == (200, 2)


def test_a_stale_save_from_another_tab_is_a_conflict_saying_what_changed(owner, probe_version):
    assert put(owner, PROBE, probe(), 0, latest(owner))[0] == 200
    assert put(owner, PROBE, probe("另一个标签页"), 1)[0] == 200  # the other tab saves first
    status, body = put(owner, PROBE, probe("这个标签页"), 1)
    assert status == 409
    assert body["reason"] == "draft_changed" and body["revision"] == 2
    assert body["messages"]["zh"] and body["messages"]["en"]
    assert any("另一个标签页" in line["zh"] and "another" not in line["en"] for line in body["changes"])
    assert "另一个标签页" in owner.get(f"/process-definitions/{PROBE}/drafts/mine")["xml"]  # nothing overwritten
    status, body = put(owner, PROBE, probe("这个标签页"), 2)  # "keep mine": on top of what it now knows
    assert (status, body["revision"]) == (200, 3)


def test_a_newer_version_deployed_meanwhile_is_a_conflict_naming_it(app, owner, as_user, probe_version):
    with app.app_context():
        from app.users import service as users

        if users.find_user("owner2") is None:
            users.create_user("owner2", ["process_owner"], "correct-horse-1")
        token = users.issue_token(users.find_user("owner2"))
        db.session.remove()
    assert put(owner, PROBE, probe(), 0, latest(owner))[0] == 200
    r = owner.client.post("/api/v1/process-definitions", data=probe("第二位负责人改的").encode(),
                          content_type="application/xml", query_string={"activate": "false"},
                          headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201
    newer = r.get_json()["version"]
    status, body = put(owner, PROBE, probe("我的修改"), 1)
    assert status == 409, body
    assert (body["reason"], body["version"], body["deployed_by"]) == ("newer_version", newer, "owner2")
    assert body["deployed_at"]
    assert any("第二位负责人改的" in line["zh"] and "step0" in line["en"] for line in body["changes"])
    assert owner.client.post(f"/api/v1/process-definitions/{PROBE}/drafts/mine/deploy", json={"revision": 1},
                             headers=owner._headers()).status_code == 409  # nor deployed over it
    status, body = put(owner, PROBE, probe("我的修改"), 1, newer)  # keep mine on top of the newer version
    assert (status, body["base_version"]) == (200, newer)


def test_a_draft_started_from_an_older_version_is_no_conflict_with_the_versions_known_then(owner, probe_version):
    assert latest(owner) > probe_version  # the test before deployed a newer one
    assert put(owner, PROBE, probe("从旧版本改"), 0, probe_version)[0] == 200
    status, body = put(owner, PROBE, probe("从旧版本再改"), 1)
    assert (status, body["base_version"]) == (200, probe_version)


def test_drafts_survive_a_fresh_app_on_the_same_database(owner, probe_version, tokens):
    assert put(owner, PROBE, probe("重启之后"), 0, latest(owner))[0] == 200
    fresh = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI":
                        os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)})
    r = fresh.test_client().get(f"/api/v1/process-definitions/{PROBE}/drafts/mine",
                                headers={"Authorization": f"Bearer {tokens['owner']}"})
    assert r.status_code == 200 and "重启之后" in r.get_json()["xml"]
    with fresh.app_context():
        db.session.remove()
        db.engine.dispose()


ENDPOINTS = [("get", "/process-definitions/drafts", None), ("post", "/process-definitions/drafts", {}),
             ("get", "/process-definitions/vocabulary", None),
             ("get", "/process-definitions/quality/drafts/mine", None),
             ("put", "/process-definitions/quality/drafts/mine", {"xml": "<x/>", "revision": 0}),
             ("delete", "/process-definitions/quality/drafts/mine", None),
             ("post", "/process-definitions/quality/drafts/mine/deploy", {"revision": 1})]


@pytest.mark.parametrize("name", sorted(set(STAFF) - {"owner"}))
def test_only_process_owners_reach_the_workbench(as_user, name):
    api = as_user(name)
    for method, path, body in ENDPOINTS:
        r = getattr(api.client, method)(f"/api/v1{path}", headers=api._headers(), json=body)
        assert r.status_code == 403, (name, method, path, r.status_code)
    for method, path, body in ENDPOINTS:
        r = getattr(api.client, method)(f"/api/v1{path}", json=body)
        assert r.status_code == 401


@pytest.mark.parametrize("body", [
    {"xml": "not xml", "revision": 0},
    {"xml": '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "revision": 0},
    {"xml": s.process("other_key", "finance", [s.user_task()]), "revision": 0},
    {"xml": probe(), "revision": "1"},
    {"xml": probe(), "revision": 0, "base_version": 999},
    {"xml": probe(), "revision": 0, "catalogue": {"step0": {"zh": 5}}},
    {"xml": probe(), "revision": 0, "catalogue": ["x"]},
    {"xml": probe()},
    {"xml": probe(), "revision": -1},
    {"xml": "x" * (3 * 1024 * 1024), "revision": 0},
    [],
])
def test_bad_drafts_are_refused_in_both_languages(owner, probe_version, body):
    r = owner.client.put(f"/api/v1/process-definitions/{PROBE}/drafts/mine", json=body, headers=owner._headers())
    assert r.status_code in (413, 422), r.get_json()
    if r.status_code == 422:
        assert r.get_json()["message"]
    assert owner.get(f"/process-definitions/{PROBE}/drafts/mine").status == 404


def test_bad_input_elsewhere_is_a_4xx_with_both_languages(owner):
    missing = owner.get("/process-definitions/nothing_here/drafts/mine")
    assert missing.status == 404 and missing["messages"]["zh"] and missing["messages"]["en"]
    r = owner.client.put(f"/api/v1/process-definitions/{PROBE}/drafts/mine", data=b"{not json",
                         content_type="application/json", headers=owner._headers())
    assert r.status_code == 422
    r = owner.client.post(f"/api/v1/process-definitions/{PROBE}/drafts/mine/deploy", json={"revision": 1},
                          headers=owner._headers())
    assert r.status_code == 404 and r.get_json()["messages"]["zh"]
    assert owner.post("/process-definitions/drafts", {"key": "1bad key", "name_zh": "x", "name_en": "x"}).status == 422
    long_key = "k" * 200
    assert put(owner, long_key, s.process(long_key, "finance", [s.user_task()]), 0)[0] == 422
    assert owner.post("/process-definitions/drafts", {"key": "quality", "name_zh": "x", "name_en": "x"}).status == 409


def test_the_vocabulary_offers_what_the_lint_accepts(owner):
    body = owner.get("/process-definitions/vocabulary").body
    assert "quality.assess" in [f["key"] for f in body["forms"]]
    assert all(f["schema"]["properties"] for f in body["forms"])
    escalate = next(o for o in body["operators"] if o["name"] == "escalate")
    assert [p["name"] for p in escalate["parameters"]] == ["element_id", "limit", "to"]
    # Each of the service's operators is described in both languages (test modules register test_… operators of
    # their own when they are collected, which describe nothing).
    ours = [o for o in body["operators"] if not o["name"].startswith("test_")]
    assert len(ours) > 10 and all(o["meaning"]["zh"] != o["name"] for o in ours)
    assert all(p["meaning"]["zh"] != p["name"] and p["meaning"]["en"] != p["name"] for o in ours
               for p in o["parameters"])
    notify = next(o for o in body["operators"] if o["name"] == "notify")
    assert next(p for p in notify["parameters"] if p["name"] == "template")["choices"]
    assert "script" not in str([o["name"] for o in body["operators"]])
    assert {r["id"] for r in body["roles"]} >= {"service_desk", "finance"} and "admin" not in str(body["roles"])
    assert "feedback" in [t["name"] for t in body["time_limits"]]
    assert [f["name"] for f in body["limit_functions"]] == ["sla", "sla_warning", "sla_escalation"]
    assert "customer_response" in [m["name"] for m in body["messages"]]
    assert "lifecycle_archive" in [p["key"] for p in body["processes"]]
    assert "authority_limits" in [d["key"] for d in body["decisions"]]


def test_a_new_process_starts_from_the_template_and_deploys(owner):
    created = owner.post("/process-definitions/drafts", {"key": "drafts_new_one", "name_zh": "新的投诉类型",
                                                         "name_en": "A new type"})
    assert created.status == 201, created.body
    assert created["catalogue"]["drafts_new_one"] == {"zh": "新的投诉类型", "en": "A new type"}
    assert all(f'calledElement="lifecycle_{step}"' in created["xml"] for step in ("acknowledge", "archive"))
    deployed = owner.post("/process-definitions/drafts_new_one/drafts/mine/deploy", {"revision": 1})
    assert deployed.status == 201, deployed.body
    assert (deployed["version"], deployed["active"]) == (1, False)
    assert owner.get("/process-definitions/drafts_new_one/drafts/mine").status == 404  # deployed: the draft is gone


def test_a_new_process_named_with_a_control_character_is_refused_and_nothing_is_stored(owner):
    refused = owner.post("/process-definitions/drafts", {"key": "drafts_control", "name_zh": "新\x01类型",
                                                         "name_en": "A new type"})
    assert refused.status == 422, refused.body
    assert "控制字符" in refused["errors"]["name_zh"][0] and "Control characters" in refused["errors"]["name_zh"][0]
    assert owner.get("/process-definitions/drafts_control/drafts/mine").status == 404


def test_deploying_a_draft_is_refused_on_lint_errors_then_activated_runs_new_complaints(app, owner, as_user):
    active = next(v["version"] for v in owner.get("/process-definitions/quality")["versions"] if v["active"])
    source = owner.get(f"/process-definitions/quality/versions/{active}/bpmn").body
    desk = as_user("desk")
    before = desk.post("/complaints", intake()).body
    broken = source.replace('value="quality.assess"', 'value=""', 1)
    assert put(owner, "quality", broken, 0, active)[0] == 200
    refused = owner.post("/process-definitions/quality/drafts/mine/deploy", {"revision": 1})
    assert refused.status == 422 and any(p["element_id"] == "assess_quality" for p in refused["errors"])
    renamed = source.replace('name="品控部质量鉴定"', 'name="品控部质量鉴定（新）"', 1)
    assert put(owner, "quality", renamed, 1)[0] == 200
    deployed = owner.post("/process-definitions/quality/drafts/mine/deploy", {"revision": 2})
    assert deployed.status == 201 and deployed["active"] is False
    try:
        assert owner.post(f"/process-definitions/quality/versions/{deployed['version']}/activate").status == 200
        after = desk.post("/complaints", intake()).body
        assert desk.get(f"/complaints/{after['id']}")["process"]["version"] == deployed["version"]
        assert desk.get(f"/complaints/{before['id']}")["process"]["version"] == active
    finally:
        owner.post(f"/process-definitions/quality/versions/{active}/activate")
