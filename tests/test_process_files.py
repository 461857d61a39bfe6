"""Every file in processes/: translated, and refused with a useful 422 when broken."""

import json
import re
from io import BytesIO

import pytest
from lxml import etree

from tests.conftest import ROOT

PROCESSES = ROOT / "processes"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DIAGRAMS = sorted(PROCESSES.glob("*.bpmn"))
TABLES = sorted(PROCESSES.glob("*.dmn"))


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_named_element_has_chinese_and_english_names_in_the_catalogue(path):
    root = etree.parse(str(path)).getroot()
    for process in root.iter(f"{BPMN}process"):
        catalogue = json.loads((PROCESSES / "translations" / f"{process.get('id')}.json").read_text())
        for node in root.iter(f"{BPMN}*"):
            if node.get("name") and etree.QName(node).localname not in ("lane", "message"):
                entry = catalogue.get(node.get("id"))
                assert entry, (path.name, node.get("id"))
                assert entry["zh"] == node.get("name") and entry["en"].strip(), (path.name, node.get("id"))


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_tasks_instructions_have_their_chinese_in_the_catalogue(path):
    """A user task's documentation is its instructions in English; the catalogue carries their Chinese beside the
    English it translates, so a changed text fails here until its Chinese follows."""
    root = etree.parse(str(path)).getroot()
    for process in root.iter(f"{BPMN}process"):
        catalogue = json.loads((PROCESSES / "translations" / f"{process.get('id')}.json").read_text())
        for task in process.iter(f"{BPMN}userTask", f"{BPMN}manualTask"):
            english = " ".join((task.findtext(f"{BPMN}documentation") or "").split())
            if english:
                instructions = catalogue[task.get("id")].get("instructions") or {}
                assert " ".join(instructions.get("en", "").split()) == english, (path.name, task.get("id"))
                assert instructions.get("zh", "").strip(), (path.name, task.get("id"))


@pytest.mark.parametrize("path", TABLES, ids=lambda p: p.name)
def test_every_decision_table_has_chinese_and_english_names_in_the_catalogue(path):
    for decision in etree.parse(str(path)).getroot().iter("{*}decision"):
        entry = json.loads((PROCESSES / "translations" / f"{decision.get('id')}.json").read_text())[decision.get("id")]
        assert entry["zh"] == decision.get("name") and entry["en"].strip(), (path.name, decision.get("id"))


def _break(xml: str) -> tuple[str, str, str]:
    """A broken copy: a form that does not exist, else a lane that is not a role. Returns (xml, element, words)."""
    match = re.search(r'<bpmn:userTask id="([^"]+)"[^>]*>.*?name="formKey" value="([^"]+)"', xml, re.S)
    if match:
        return xml.replace(f'value="{match.group(2)}"', 'value="no.such.form"', 1), match.group(1), "no.such.form"
    lane = re.search(r'<bpmn:lane id="([^"]+)" name="([^"]+)"', xml)
    return xml.replace(lane.group(0), f'<bpmn:lane id="{lane.group(1)}" name="nobody"', 1), lane.group(1), "not a role"


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_a_broken_copy_is_refused_naming_the_element(as_user, path):
    broken, element_id, words = _break(path.read_text())
    response = as_user("owner").post("/process-definitions", data=broken.encode(), content_type="application/xml")
    assert response.status == 422, response.body
    problem = next(p for p in response["errors"] if words in p["message"])
    assert problem["element_id"] == element_id and problem["line"] > 0


@pytest.mark.parametrize("path", TABLES, ids=lambda p: p.name)
def test_a_broken_decision_table_is_refused(as_user, path):
    broken = re.sub(r"(<outputEntry id=\"([^\"]+)\"><text>)[^<]*", r"\1__import__('os')", path.read_text(), count=1)
    response = as_user("owner").post("/process-definitions", data={"files": [(BytesIO(broken.encode()), path.name)]},
                                     content_type="multipart/form-data")
    assert response.status == 422, response.body
    assert "__import__" in response["errors"][0]["message"]


def test_every_complaint_type_has_its_diagram_and_starts_with_the_shared_acknowledgement():
    from app.complaint_types import COMPLAINT_TYPES

    for complaint_type in COMPLAINT_TYPES:
        root = etree.parse(str(PROCESSES / f"{complaint_type}.bpmn")).getroot()
        process = root.find(f"{BPMN}process[@id='{complaint_type}']")
        assert process is not None, complaint_type
        start = process.find(f"{BPMN}startEvent")
        first_flow = process.find(f"{BPMN}sequenceFlow[@sourceRef='{start.get('id')}']")
        first = process.find(f"*[@id='{first_flow.get('targetRef')}']")
        assert first.get("calledElement") == "lifecycle_acknowledge", complaint_type
