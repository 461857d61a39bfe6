"""Every task form: its JSON Schema is self-contained and whatever it accepts, the form accepts."""

import ast
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis_jsonschema import from_schema

from app import forms
from app.engine.lint import NS
from app.engine.xml import parse_document
from app.forms.fields import mall_now
from tests.conftest import ROOT


@pytest.mark.parametrize("key", sorted(forms.form_keys()))
def test_schema_is_valid_and_titled_in_both_languages(key):
    schema = forms.json_schema(key)
    jsonschema.Draft7Validator.check_schema(schema)
    assert "$ref" not in str(schema)
    assert schema["title"] and schema["x-title-en"]
    for name, prop in schema["properties"].items():
        assert prop.get("title") and prop.get("x-title-en"), (key, name)


@pytest.mark.parametrize("key", sorted(forms.form_keys()))
def test_data_valid_against_the_schema_is_accepted_by_the_form(app, key):
    schema = forms.json_schema(key)
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    # "not after today" (x-latest) is a rule JSON Schema cannot state with a constant
    latest = [name for name, prop in schema["properties"].items() if prop.get("x-latest") == "today"]

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(from_schema(schema))
    def accepted(data):
        if not validator.is_valid(data):  # the generator's notion of formats can be looser than ours
            return
        with app.app_context():
            if any(data.get(name) and data[name] > mall_now().date().isoformat() for name in latest):
                return
            forms.load(key, data)

    accepted()


def test_every_form_key_used_by_a_diagram_exists_and_every_form_is_used():
    used = set()
    for path in (ROOT / "processes").glob("*.bpmn"):
        root = parse_document(path.read_bytes(), path.name)
        used |= {p.get("value") for p in root.iterfind(".//spiffworkflow:property[@name='formKey']", NS)}
    assert used <= forms.form_keys()
    assert forms.form_keys() <= used


def test_money_is_rounded_to_two_decimals_and_never_negative():
    remedy = {"remedy": "refund", "one_time_settlement": True, "explanation": "x"}
    assert forms.load("lifecycle.remedy", {**remedy, "amount": 12.345})["amount"] == 12.34
    with pytest.raises(forms.registry.Invalid):
        forms.load("lifecycle.remedy", {**remedy, "amount": -0.01})


def test_no_eval_or_exec_anywhere_in_the_application():
    forbidden = {"eval", "exec", "compile", "__import__"}
    for path in Path(ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in forbidden, f"{path}:{node.lineno} calls {node.func.id}"
