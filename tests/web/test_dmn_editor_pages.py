"""The decision tables' editor over HTTP: only process owners reach the page and its calls (everyone else gets
403), the page allows exactly the watermark's style attributes, and a table with a bad cell is not saved."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT, logged_in_client

AUTHORITY = (ROOT / "processes" / "authority_limits.dmn").read_text(encoding="utf-8")
PAGE = "/processes/authority_limits/decision"
CALLS = {"check.json": {"content": AUTHORITY},
         "test.json": {"content": AUTHORITY, "decision_id": "authority_limits",
                       "inputs": {"complaint": {"type": "quality"}, "payment": {"purpose": "refund", "amount": 1}}},
         "save.json": {"content": AUTHORITY}, "activate.json": {"version": 1}}


def _csrf(client) -> str:
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', home).group(1)


def _call(client, name: str, body: dict):
    return client.post(f"{PAGE}/{name}", json=body, headers={"X-CSRFToken": _csrf(client)})


@pytest.mark.parametrize("who", ["desk", "manager", "senior", "legal", "admin"])
def test_everyone_but_process_owners_gets_403_on_the_page_and_every_call(app, who):
    client = logged_in_client(app, who)
    assert client.get(PAGE).status_code == 403
    for name, body in CALLS.items():
        response = _call(client, name, body)
        assert response.status_code == 403, (name, response.get_json())
    if who in ("legal", "admin"):  # they read the processes page, without the decision tables' editor
        assert 'id="decision-list"' not in client.get("/processes").get_data(as_text=True)


def test_the_owner_opens_the_active_table_with_its_checks_and_the_watermarks_styles_only(app):
    client = logged_in_client(app, "owner")
    assert f'href="{PAGE}"' in client.get("/processes").get_data(as_text=True)
    page = client.get(PAGE)
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert policy.count("'sha256-") == 6 and "style-src-attr 'unsafe-hashes'" in policy
    checked = _call(client, "check.json", {"content": AUTHORITY}).get_json()
    assert checked["ok"] is True and [c["path"] for c in checked["columns"]] == [
        ["complaint", "type"], ["payment", "purpose"], ["payment", "amount"]]
    assert {"value": "medical_advance", "label": {"zh": "垫付医疗费", "en": "Medical fees advanced"}} in \
        checked["columns"][1]["choices"]
    assert client.get("/processes/no_such_table/decision").status_code == 404


def test_a_table_with_a_bad_cell_or_another_decision_id_is_not_saved(app):
    client = logged_in_client(app, "owner")
    bad = _call(client, "save.json", {"content": AUTHORITY.replace("&gt; 500", "&gt;> 500")})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["element_id"] == "rule_7_amount"
    renamed = _call(client, "save.json", {"content": AUTHORITY.replace('id="authority_limits"', 'id="other"')})
    assert renamed.status_code == 422 and renamed.get_json()["errors"] == {
        "content": ["The table has no decision with this id."]}
    checked = _call(client, "check.json", {"content": AUTHORITY.replace("&gt; 500", "&gt;> 500")}).get_json()
    [problem] = checked["problems"]
    assert problem["cell"] == {"rule_id": "rule_7", "row": 8, "column": "金额 Amount (¥)"}
    assert problem["message"]["zh"].startswith("第 8 条规则（rule_7）")
