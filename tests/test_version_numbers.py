"""Every endpoint and page taking a process version number reads it with one rule (app/definitions/version_numbers.py):
a malformed number is a 422, a well-formed number the process has no version of is a 404, both in Chinese and
English. In a path, a segment that is not digits at all does not name a resource (404), as for every id."""

from __future__ import annotations

import pytest

from tests.conftest import logged_in_client

MALFORMED = ("x", "0", "-1", "1.5", "+1", " 1", "١", str(2**31), "99999999999999999999")
UNKNOWN = "999"


def bilingual_422(message: str) -> bool:
    return "not a version number" in message and "不是版本号" in message


def bilingual_404(message: str) -> bool:
    return f"no version {UNKNOWN}" in message and f"没有第 {UNKNOWN} 版" in message


@pytest.mark.parametrize("path", ["/process-definitions/quality/compare", "/process-definitions/quality/register-diff"])
def test_the_two_versions_of_a_query(as_user, path):
    api = as_user("owner")
    for bad in MALFORMED:
        for params in ({"from": bad, "to": 1}, {"from": 1, "to": bad}):
            response = api.get(path, **params)
            named = "from" if params["from"] == bad else "to"
            assert response.status == 422, (params, response.status)
            assert bilingual_422(response["message"]) and list(response["errors"]) == [named], response.body
    assert api.get(path, to=1).status == 422  # left out
    for params in ({"from": UNKNOWN, "to": 1}, {"from": 1, "to": UNKNOWN}):
        response = api.get(path, **params)
        assert response.status == 404 and bilingual_404(response["message"]), response.body
    assert api.get(path, **{"from": 1, "to": 1}).status == 200


@pytest.mark.parametrize("tail", ["bpmn", "register", "review"])
def test_a_version_in_a_path(as_user, tail):
    api = as_user("owner")
    zero = api.get(f"/process-definitions/quality/versions/0/{tail}")
    assert zero.status == 422 and bilingual_422(zero.body["message"]), zero.body
    unknown = api.get(f"/process-definitions/quality/versions/{UNKNOWN}/{tail}")
    assert unknown.status == 404 and bilingual_404(unknown.body["message"]), unknown.body
    assert api.get(f"/process-definitions/quality/versions/x/{tail}").status == 404  # no such URL
    assert api.get(f"/process-definitions/quality/versions/1/{tail}").status == 200


def test_activating_a_version_that_is_not_one(as_user):
    api = as_user("owner")
    zero = api.post("/process-definitions/quality/versions/0/activate")
    assert zero.status == 422 and bilingual_422(zero.body["message"]), zero.body
    unknown = api.post(f"/process-definitions/quality/versions/{UNKNOWN}/activate")
    assert unknown.status == 404 and bilingual_404(unknown.body["message"]), unknown.body


def test_deciding_on_a_version_that_is_not_one(as_user):
    legal = as_user("legal")
    zero = legal.post("/process-definitions/quality/versions/0/review", {"decision": "approve"})
    assert zero.status == 422 and bilingual_422(zero.body["message"]), zero.body
    unknown = legal.post(f"/process-definitions/quality/versions/{UNKNOWN}/review", {"decision": "approve"})
    assert unknown.status == 404 and bilingual_404(unknown.body["message"]), unknown.body


def test_the_declared_responses(app):
    paths = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    for path, method in (("/process-definitions/{key}/compare", "get"),
                         ("/process-definitions/{key}/register-diff", "get"),
                         ("/process-definitions/{key}/versions/{version}/bpmn", "get"),
                         ("/process-definitions/{key}/versions/{version}/register", "get"),
                         ("/process-definitions/{key}/versions/{version}/review", "get"),
                         ("/process-definitions/{key}/versions/{version}/review", "post"),
                         ("/process-definitions/{key}/versions/{version}/activate", "post")):
        operation = paths[f"/api/v1{path}"][method]
        assert {"404", "422"} <= set(operation["responses"]), (path, method)
    compare = paths["/api/v1/process-definitions/{key}/compare"]["get"]
    assert {p["name"]: (p["schema"]["minimum"], p["schema"]["maximum"]) for p in compare["parameters"]
            if p["in"] == "query"} == {"from": (1, 2**31 - 1), "to": (1, 2**31 - 1)}


PAGES = [
    ("owner", "/processes/quality/compare?from={v}&to=1"),
    ("owner", "/processes/quality/compare?from=1&to={v}"),
    ("legal", "/legal/register/quality/diff?from={v}&to=1"),
    ("legal", "/legal/register/quality/diff?from=1&to={v}"),
    ("owner", "/processes/quality?version={v}"),
    ("owner", "/processes/quality/edit?version={v}"),
    ("owner", "/processes/authority_limits/decision?version={v}"),
    ("owner", "/processes/quality/migrations?to={v}"),
]
PATH_PAGES = [
    ("legal", "/legal/register/quality/{v}"),
    ("legal", "/legal/reviews/quality/{v}"),
    ("owner", "/processes/quality/versions/{v}/bpmn"),
    ("owner", "/processes/quality/versions/{v}/download"),
]


@pytest.mark.parametrize(("user", "page"), PAGES + PATH_PAGES)
def test_the_pages(app, user, page):
    client = logged_in_client(app, user)
    for bad in (MALFORMED if (user, page) in PAGES else ("0",)):
        assert client.get(page.format(v=bad)).status_code == 422, (page, bad)
    assert client.get(page.format(v=UNKNOWN)).status_code == 404
    assert client.get(page.format(v=1)).status_code == 200


def test_the_editors_call(app):
    client = logged_in_client(app, "owner")
    headers = {"Accept": "application/json"}
    for bad in MALFORMED:
        answer = client.get(f"/processes/quality/edit/state.json?version={bad}", headers=headers)
        assert answer.status_code == 422, bad
    assert client.get(f"/processes/quality/edit/state.json?version={UNKNOWN}", headers=headers).status_code == 404
