"""The workbench's pages and the editor's calls without a browser: only process owners reach them, bad input is
a 4xx with words in the page's language, and the processes page lists the owner's drafts."""

from __future__ import annotations

import pytest

from tests.conftest import STAFF
from tests.signoff_helpers import approve
from tests.web.test_pages import csrf_token, log_in

PAGES = ["/processes/quality/edit", "/processes/quality/edit?version=1", "/processes/new"]
CALLS = [("get", "/processes/quality/edit/state.json", None), ("get", "/processes/edit/vocabulary.json", None),
         ("post", "/processes/edit/lint.json", {"files": [{"name": "x.bpmn", "content": "<x/>"}]}),
         ("put", "/processes/quality/draft.json", {"xml": "<x/>", "revision": 0}),
         ("delete", "/processes/quality/draft.json", None),
         ("post", "/processes/quality/draft/deploy.json", {"revision": 1}),
         ("post", "/processes/quality/versions/1/activate.json", {}),
         ("get", "/processes/edit/form-preview?form=quality.assess", None)]


def owner_client(app):
    client = app.test_client()
    log_in(client, "owner")
    return client, csrf_token(client, "/processes")


@pytest.mark.parametrize("name", sorted(set(STAFF) - {"owner"}))
def test_every_page_and_call_of_the_workbench_is_for_process_owners_only(app, name):
    client = app.test_client()
    log_in(client, name)
    token = csrf_token(client, "/password")
    for path in PAGES:
        assert client.get(path).status_code == 403, (name, path)
    assert client.post("/processes/new", data={"key": "x_new", "name_zh": "新", "name_en": "New",
                                               "csrf_token": token}).status_code == 403
    for method, path, body in CALLS:
        response = getattr(client, method)(path, json=body, headers={"X-CSRFToken": token,
                                                                     "Accept": "application/json"})
        assert response.status_code == 403, (name, method, path, response.status_code)
        assert response.is_json and response.get_json()["message"]
    assert 'id="workbench-drafts"' not in client.get("/processes").get_data(as_text=True)


def test_without_a_session_the_calls_answer_401_with_the_way_back(app):
    response = app.test_client().get("/processes/edit/vocabulary.json", headers={"Accept": "application/json"})
    assert response.status_code == 401 and "/login" in response.get_json()["location"]
    assert app.test_client().get("/processes/quality/edit").status_code == 302


def test_bad_input_to_the_editor_is_a_4xx_in_the_page_language(app):
    client, token = owner_client(app)
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    bad = client.put("/processes/quality/draft.json", data=b"{nope",
                     headers={**headers, "Content-Type": "application/json"})
    assert bad.status_code == 422
    refused = client.put("/processes/quality/draft.json", json={"xml": "<bpmn", "revision": 0}, headers=headers)
    assert refused.status_code == 422 and "草稿" in refused.get_json()["message"]
    assert client.get("/processes/nothing_here/edit").status_code == 404
    for version, status in (("999", 404), ("99999999999999999999", 422), ("-1", 422), ("x", 422)):
        assert client.get(f"/processes/quality/edit?version={version}").status_code == status
        state = client.get(f"/processes/quality/edit/state.json?version={version}", headers=headers)
        assert state.status_code == status
    assert client.get("/processes/edit/form-preview?form=nope", headers=headers).status_code == 404
    assert client.post("/processes/edit/lint.json", json={"files": "x"}, headers=headers).status_code == 422
    assert client.post("/processes/quality/versions/999/activate.json", headers=headers).status_code == 404
    stale = client.put("/processes/quality/draft.json", headers=headers,
                       json={"xml": client.get("/processes/quality/versions/1/bpmn").get_data(as_text=True),
                             "revision": 5})
    assert stale.status_code == 409 and stale.get_json()["reason"] == "draft_missing"
    without_token = client.put("/processes/quality/draft.json", json={"xml": "<x/>", "revision": 0},
                               headers={"Accept": "application/json"})
    assert without_token.status_code == 400 and without_token.is_json


def test_a_new_process_is_started_from_the_page_and_listed_among_the_owners_drafts(as_user, app):
    client, token = owner_client(app)
    page = client.get("/processes").get_data(as_text=True)
    assert 'id="workbench-drafts"' in page and 'data-edit="quality"' in page
    refused = client.post("/processes/new", data={"key": "1 bad", "name_zh": "", "name_en": "x", "csrf_token": token})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.get_data(as_text=True)
    taken = client.post("/processes/new", data={"key": "quality", "name_zh": "质量", "name_en": "Q",
                                                "csrf_token": token})
    assert taken.status_code == 422
    made = client.post("/processes/new", data={"key": "pages_new_type", "name_zh": "页面新建的流程",
                                               "name_en": "Made on the page", "csrf_token": token})
    assert made.status_code == 303 and made.headers["Location"].endswith("/processes/pages_new_type/edit")
    editor = client.get("/processes/pages_new_type/edit").get_data(as_text=True)
    assert 'id="workbench"' in editor and "页面新建的流程" in editor
    assert 'data-draft="pages_new_type"' in client.get("/processes").get_data(as_text=True)
    preview = client.get("/processes/edit/form-preview?form=quality.assess").get_data(as_text=True)
    assert "<fieldset disabled>" in preview and 'name="finding"' in preview
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    deployed = client.post("/processes/pages_new_type/draft/deploy.json", json={"revision": 1}, headers=headers)
    assert deployed.status_code == 201 and deployed.get_json()["active"] is False
    approve(as_user, "pages_new_type", deployed.get_json()["version"])  # a new process: legal signs it first
    assert client.post(f"/processes/pages_new_type/versions/{deployed.get_json()['version']}/activate.json",
                       headers=headers).get_json()["active"] is True
    client.set_cookie("lang", "en")
    listed = client.get("/processes").get_data(as_text=True)
    assert 'data-draft="pages_new_type"' not in listed  # deployed: no longer a draft
    assert "Made on the page" in listed  # the English name from the catalogue it was deployed with
