"""Legal's sign-off on the pages: the versions page, the BPMN editor and the DMN editor refuse to activate a held
version with the reason (409, never a 500), the versions page shows each version's review state and a rejection's
reason, and a table goes live with its processes once legal signed them."""

from __future__ import annotations

import re

from app.definitions import service as definitions
from app.extensions import db
from tests import bpmn_samples as s
from tests.conftest import logged_in_client
from tests.signoff_helpers import approve
from tests.test_register import _process, _table
from tests.web.test_admin_pages import csrf_of

XML = "application/xml"
ACK = s.user_task("lifecycle.acknowledge", "了解诉求")
PAY = s.user_task("lifecycle.payment", "付款")


def _row(html: str, number: int) -> str:
    return re.search(rf'<tr data-version="{number}".*?</tr>', html, re.S).group(0)


def _held_version(as_user, swap_process, key: str) -> int:
    swap_process(key, s.process(key, "service_desk", [ACK]))
    deployed = as_user("owner").post("/process-definitions", data=s.process(key, "service_desk", [ACK, PAY]).encode(),
                                     content_type=XML, query={"activate": "false"})
    assert deployed.status == 201
    return deployed["version"]


def test_the_versions_page_refuses_a_held_version_with_the_reason_and_shows_each_state(app, as_user, swap_process):
    key = "signoff_page"
    version = _held_version(as_user, swap_process, key)
    owner = logged_in_client(app, "owner")
    page = owner.get(f"/processes/{key}").get_data(as_text=True)
    assert 'data-review="pending"' in _row(page, version) and "待法务审核" in _row(page, version)
    refused = owner.post(f"/processes/{key}/versions/{version}/activate", data={"csrf_token": csrf_of(page)})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and 'class="flash warn"' in html and "正在等待法务审核" in html
    assert 'id="active-version"' in _row(html, version - 1)

    reason = "付款前没有经过值班经理的权限审批。"
    rejected = as_user("legal").post(f"/process-definitions/{key}/versions/{version}/review",
                                     {"decision": "reject", "comment": reason})
    assert rejected.status == 200
    page = owner.get(f"/processes/{key}").get_data(as_text=True)
    assert 'data-review="rejected"' in _row(page, version) and reason in _row(page, version)
    refused = owner.post(f"/processes/{key}/versions/{version}/activate", data={"csrf_token": csrf_of(page)})
    assert refused.status_code == 409 and f"法务已驳回：{reason}" in refused.get_data(as_text=True)

    approve(as_user, key, version)
    page = owner.get(f"/processes/{key}").get_data(as_text=True)
    assert 'data-review="approved"' in _row(page, version)
    done = owner.post(f"/processes/{key}/versions/{version}/activate", data={"csrf_token": csrf_of(page)})
    assert done.status_code == 303
    assert 'data-review' not in _row(owner.get(f"/processes/{key}").get_data(as_text=True), version)


def test_the_bpmn_editor_refuses_a_held_version_in_its_json(app, as_user, swap_process):
    key = "signoff_editor"
    version = _held_version(as_user, swap_process, key)
    owner = logged_in_client(app, "owner")
    token = csrf_of(owner.get(f"/processes/{key}").get_data(as_text=True))
    answer = owner.post(f"/processes/{key}/versions/{version}/activate.json",
                        headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert answer.status_code == 409 and "正在等待法务审核" in answer.get_json()["message"]
    approve(as_user, key, version)
    answer = owner.post(f"/processes/{key}/versions/{version}/activate.json",
                        headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert answer.status_code == 200 and answer.get_json()["active"] is True


def test_the_dmn_editor_activates_a_table_only_with_the_processes_it_changes_signed_off(app, as_user):
    table_key, key = "signoff_demo_limits", "signoff_demo"
    with app.app_context():
        definitions.deploy([(f"{table_key}.dmn", _table(500).replace("register_demo", "signoff_demo").encode()),
                            (f"{key}.bpmn", _process().replace("register_demo", "signoff_demo").encode())], None)
        db.session.remove()
    raised = _table(1000).replace("register_demo", "signoff_demo").encode()
    saved = as_user("owner").post("/process-definitions", data=raised, content_type=XML,
                                  query={"activate": "false", "filename": f"{table_key}.dmn"})
    assert saved.status == 201
    table_version = saved["version"]
    owner = logged_in_client(app, "owner")
    token = csrf_of(owner.get("/processes").get_data(as_text=True))

    def activate():
        return owner.post(f"/processes/{table_key}/decision/activate.json", json={"version": table_version},
                          headers={"X-CSRFToken": token})

    refused = activate()
    message = refused.get_json()["message"]
    assert refused.status_code == 409 and f"'{key}'" in message and "等待法务审核" in message
    versions = as_user("owner").get(f"/process-definitions/{key}")
    held = versions["versions"][-1]
    assert held["active"] is False and versions["active_version"] == held["version"] - 1
    assert {(d["key"], d["version"]) for d in held["dependencies"]} == {(table_key, table_version)}
    with app.app_context():
        assert definitions.active_definition(key).version == held["version"] - 1
        db.session.remove()

    approve(as_user, key, held["version"])
    answer = activate()
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["processes"] == [{"key": key, "version": held["version"]}]
    assert as_user("owner").get(f"/process-definitions/{key}")["active_version"] == held["version"]


def test_legal_reviews_from_the_queue_page_and_reads_the_trail(app, as_user, swap_process):
    key = "signoff_queue_page"
    version = _held_version(as_user, swap_process, key)
    legal = logged_in_client(app, "legal")
    home = legal.get("/legal/reviews").get_data(as_text=True)
    assert 'id="nav-reviews"' in home
    assert f'data-review-key="{key}" data-review-version="{version}"' in home
    page = legal.get(f"/legal/reviews/{key}/{version}").get_data(as_text=True)
    assert 'data-review="pending"' in page and 'data-kind="added"' in page and 'id="review-compare"' in page
    assert f'href="/processes/{key}/compare?from={version - 1}&amp;to={version}"' in page
    empty = legal.post(f"/legal/reviews/{key}/{version}", data={"csrf_token": csrf_of(page), "decision": "reject",
                                                                  "comment": ""})
    assert empty.status_code == 422 and 'id="decide-error"' in empty.get_data(as_text=True)
    done = legal.post(f"/legal/reviews/{key}/{version}", data={"csrf_token": csrf_of(page), "decision": "reject",
                                                                 "comment": "缺少值班经理审批。"})
    assert done.status_code == 303
    page = legal.get(f"/legal/reviews/{key}/{version}").get_data(as_text=True)
    assert 'data-review="rejected"' in page and "缺少值班经理审批。" in page
    assert f'data-review-key="{key}"' not in legal.get("/legal/reviews").get_data(as_text=True)
    trail = legal.get("/legal/signoff-trail").get_data(as_text=True)
    assert 'id="trail-intact"' in trail and 'data-action="rejected"' in trail

    owner = logged_in_client(app, "owner")
    seen = owner.get(f"/legal/reviews/{key}/{version}").get_data(as_text=True)
    assert 'id="decide-form"' not in seen and 'id="nav-reviews"' not in seen
    refused = owner.post(f"/legal/reviews/{key}/{version}", data={"csrf_token": csrf_of(seen), "decision": "approve"})
    assert refused.status_code == 403
    desk = logged_in_client(app, "desk")
    assert desk.get("/legal/reviews").status_code == 403 and desk.get("/legal/signoff-trail").status_code == 403


def test_the_settings_page_turns_the_unchanged_register_bypass_off_and_on(app, as_user):
    owner = logged_in_client(app, "owner")
    page = owner.get("/settings").get_data(as_text=True)
    assert 'id="signoff-unchanged"' in page and "checked" in re.search(r'<input[^>]*id="signoff-unchanged"[^>]*>',
                                                                       page).group(0)
    try:
        saved = owner.post("/settings/signoff", data={"csrf_token": csrf_of(page)})
        assert saved.status_code == 303
        assert as_user("owner").get("/settings/signoff").body == {"unchanged_without_legal": False}
        page = owner.get("/settings").get_data(as_text=True)
        assert "checked" not in re.search(r'<input[^>]*id="signoff-unchanged"[^>]*>', page).group(0)
        assert "法务审核" in page.split('id="changes"')[1]
    finally:
        owner.post("/settings/signoff", data={"csrf_token": csrf_of(page), "unchanged_without_legal": "yes"})
    assert as_user("owner").get("/settings/signoff").body == {"unchanged_without_legal": True}
