"""The escalation register speaks words, never keys: every register of the shipped processes, and the difference
between two versions made from the shipped lost-property diagram and claims table, in Chinese and in English, hold
no snake_case key (a form's coded value, a payment purpose, a decision table's output or its name)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from app.definitions import service as definitions
from app.definitions.draft_models import DeployedCatalogue
from app.extensions import db
from tests.conftest import ROOT

SHIPPED = ("quality", "lost_property", "vehicle", "conflict", "security_gate", "regulator_referral")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
WORD_KEYS = ("zh", "en")  # the words a person reads; ids and element ids are keys by design


def _words(value: Any) -> Iterator[str]:
    """Every Chinese or English sentence in a register or a diff."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in WORD_KEYS and isinstance(inner, str):
                yield inner
            else:
                yield from _words(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _words(inner)


def _raw_keys(value: Any) -> list[str]:
    return sorted({f"{key!r} in {text!r}" for text in _words(value) for key in SNAKE.findall(text)})


@pytest.mark.parametrize("key", SHIPPED)
def test_no_shipped_register_shows_a_raw_key(as_user, key):
    legal = as_user("legal")
    version = next(v["version"] for v in legal.get(f"/process-definitions/{key}")["versions"] if v["active"])
    register = legal.get(f"/process-definitions/{key}/versions/{version}/register")
    assert register.status == 200, register.body
    sentences = list(_words(register.body))
    assert sentences and _raw_keys(register.body) == []


def test_the_lost_property_claims_read_as_the_forms_and_flows_name_them(as_user):
    version = next(v["version"] for v in as_user("legal").get("/process-definitions/lost_property")["versions"]
                   if v["active"])
    register = as_user("legal").get(f"/process-definitions/lost_property/versions/{version}/register").body
    [table] = [t for t in register["tables"] if t["id"] == "lost_property_claims"]
    assert table["name"] == {"zh": "财物丢失或损坏的索赔如何处理",
                             "en": "How a claim for lost or damaged property is handled"}
    words = {rule["output"]: rule["words"] for rule in table["rules"]}
    assert words["mall_liable"]["zh"] == "损坏原因为“商场设施、商品或员工造成” → 处理方式：商场造成的损坏"
    assert words["mall_liable"]["en"].endswith("→ How the claim is handled: Damage the mall caused")
    assert words["no_compensation"] == {"zh": "其他情况 → 处理方式：不予赔偿",
                                        "en": "Otherwise → How the claim is handled: No compensation"}


def _shipped_like(limit: int) -> list[tuple[str, bytes]]:
    """The shipped lost-property diagram with its claims table under a key of its own, the discretion limit at
    `limit`; when the limit moved, the flow for damage the mall caused is a new one (so a path changes too)."""
    bpmn = (ROOT / "processes" / "lost_property.bpmn").read_text(encoding="utf-8")
    dmn = (ROOT / "processes" / "lost_property_claims.dmn").read_text(encoding="utf-8")
    bpmn = bpmn.replace("<spiffworkflow:calledDecisionId>lost_property_claims<",
                        "<spiffworkflow:calledDecisionId>words_demo_claims<")
    dmn = dmn.replace('decision id="lost_property_claims"', 'decision id="words_demo_claims"').replace(
        "&lt; 200", f"&lt; {limit}").replace("&gt;= 200", f"&gt;= {limit}")
    if limit != 200:
        bpmn = bpmn.replace("flow_mall_liable", "flow_mall_is_liable")
        bpmn = bpmn.replace('name="商场造成的损坏"', 'name="商场责任"')
    return [("words_demo_claims.dmn", dmn.encode()), ("lost_property.bpmn", bpmn.encode())]


def test_a_diff_between_two_shipped_like_versions_shows_no_raw_key(app, as_user):
    """Both versions stay inactive: what runs is left as it was."""
    catalogue = json.loads((ROOT / "processes" / "translations" / "lost_property.json").read_text(encoding="utf-8"))
    catalogue["flow_mall_is_liable"] = {"zh": "商场责任", "en": "The mall is liable"}
    versions = []
    with app.app_context():
        for limit in (200, 300):
            deployed = definitions.deploy(_shipped_like(limit), None, activate=False)
            process = next(d.definition for d in deployed if d.definition.key == "lost_property")
            db.session.merge(DeployedCatalogue(definition_id=process.id, entries=catalogue))
            db.session.commit()
            versions.append(process.version)
        db.session.remove()
    answer = as_user("legal").get("/process-definitions/lost_property/register-diff",
                                  **{"from": versions[0], "to": versions[1]})
    assert answer.status == 200, answer.body
    diff = answer.body
    assert diff["thresholds"] and diff["added"] and diff["removed"]
    assert any("商场责任" in item["words"]["zh"] and "The mall is liable" in item["words"]["en"]
               for item in diff["added"])
    assert _raw_keys(diff) == []
