"""In Chromium: a process owner uploads a changed quality diagram, compares it with the active version, activates
it and rolls back; a complaint registered after the rollback runs the old version."""

from __future__ import annotations

from app.definitions import service as definitions
from app.extensions import db
from tests.conftest import http, intake
from tests.web.conftest import login, shoot
from tests.web.test_every_page import AXE_RUN, _axe_source

TASK = ('<bpmn:userTask id="check_receipt" name="核对购物小票"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="formKey" value="lifecycle.acknowledge"/></spiffworkflow:properties>'
        '</bpmn:extensionElements></bpmn:userTask>\n'
        '<bpmn:sequenceFlow id="flow_receipt_checked" sourceRef="check_receipt" targetRef="assess_situation"/>\n')
SHAPES = ('<bpmndi:BPMNShape id="check_receipt_di" bpmnElement="check_receipt">'
          '<dc:Bounds x="490" y="200" width="100" height="80"/></bpmndi:BPMNShape>'
          '<bpmndi:BPMNEdge id="flow_receipt_checked_di" bpmnElement="flow_receipt_checked">'
          '<di:waypoint x="540" y="280"/><di:waypoint x="540" y="640"/></bpmndi:BPMNEdge>\n')


def with_a_new_task(xml: str) -> str:
    """The quality diagram with a service-desk task between the acknowledgement and the situation check."""
    changed = xml.replace('<bpmn:sequenceFlow id="flow_acknowledged" sourceRef="acknowledge" '
                          'targetRef="assess_situation"/>',
                          '<bpmn:sequenceFlow id="flow_acknowledged" sourceRef="acknowledge" '
                          'targetRef="check_receipt"/>' + TASK)
    changed = changed.replace('<bpmn:flowNodeRef>acknowledge</bpmn:flowNodeRef>',
                              '<bpmn:flowNodeRef>acknowledge</bpmn:flowNodeRef><bpmn:flowNodeRef>check_receipt'
                              '</bpmn:flowNodeRef>')
    changed = changed.replace('<di:waypoint x="390" y="280"/><di:waypoint x="390" y="680"/><di:waypoint x="490" '
                              'y="680"/>', '<di:waypoint x="440" y="240"/><di:waypoint x="490" y="240"/>')
    changed = changed.replace("</bpmndi:BPMNPlane>", SHAPES + "</bpmndi:BPMNPlane>")
    assert changed.count("check_receipt") == 6, "the quality diagram no longer has the places this test edits"
    return changed


def test_the_owner_uploads_compares_activates_and_rolls_back(app, new_page, live_server, tokens, tmp_path):
    with app.app_context():
        before = definitions.active_definition("quality")
        old, source = before.version, before.source
        db.session.remove()
    diagram = tmp_path / "quality.bpmn"
    diagram.write_text(with_a_new_task(source), encoding="utf-8")
    page = new_page()
    try:
        login(page, "owner")
        page.goto("/processes/quality")
        page.set_input_files("#upload-files", str(diagram))
        page.click("#upload-submit")
        page.wait_for_load_state()
        new = int(page.get_attribute("#upload-result li[data-key='quality']", "data-version"))
        assert new > old
        assert page.locator(f"#versions tr[data-version='{new}'] #active-version").count() == 0
        assert page.locator(f"#versions tr[data-version='{old}'] #active-version").count() == 1

        page.click(f"#versions tr[data-version='{new}'] .compare-link")
        page.wait_for_selector("#diagram-old[data-ready='true']")
        page.wait_for_selector("#diagram-new[data-ready='true']")
        added = page.locator("#diagram-new .djs-element[data-element-id='check_receipt']")
        assert "diff-added" in added.get_attribute("class")
        assert page.locator("#diagram-new .djs-overlays[data-container-id='check_receipt'] .diff-badge-added").count()
        assert page.locator("#diagram-old .djs-element[data-element-id='check_receipt']").count() == 0
        assert "diff-changed" in page.get_attribute("#diagram-old .djs-element[data-element-id='flow_acknowledged']",
                                                    "class")
        listed = page.locator(".diff-item-added[data-element='check_receipt']")
        assert "核对购物小票" in listed.inner_text()
        listed.locator("button").click()
        page.wait_for_selector("#diagram-new[data-selected='check_receipt']")
        assert page.get_attribute("#diagram-old", "data-selected") == ""
        page.click(".diff-item-changed[data-element='flow_acknowledged'] button")
        page.wait_for_selector("#diagram-old[data-selected='flow_acknowledged']")
        page.wait_for_selector("#diagram-new[data-selected='flow_acknowledged']")
        shoot(page, "compare")
        page.evaluate(_axe_source())
        assert page.evaluate(AXE_RUN) == []
        page.set_viewport_size({"width": 390, "height": 800})
        old_box, new_box = page.locator("#diagram-old").bounding_box(), page.locator("#diagram-new").bounding_box()
        assert new_box["y"] >= old_box["y"] + old_box["height"] and new_box["x"] == old_box["x"]
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.set_viewport_size({"width": 1280, "height": 900})

        page.goto("/processes/quality")
        page.click(f"#versions tr[data-version='{new}'] .activate-submit")
        page.wait_for_load_state()  # its escalation register changed: refused until legal signs it
        assert "正在等待法务审核" in page.inner_text(".flash.warn")
        assert page.locator(f"#versions tr[data-version='{new}'] #active-version").count() == 0
        _sign(live_server, tokens, new)
        page.goto("/processes/quality")
        page.click(f"#versions tr[data-version='{new}'] .activate-submit")
        page.wait_for_load_state()
        assert page.locator(f"#versions tr[data-version='{new}'] #active-version").count() == 1
        _sign(live_server, tokens, old)  # going back changes the register back: legal signs that too
        page.goto("/processes/quality")
        rollback = page.locator(f"#versions tr[data-version='{old}'] details.rollback")
        rollback.locator("summary").click()
        assert f"第 {old} 版" in rollback.inner_text() and "处理中的投诉仍按其开始时的版本" in rollback.inner_text()
        rollback.locator(".rollback-submit").click()
        page.wait_for_load_state()
        assert page.locator(f"#versions tr[data-version='{old}'] #active-version").count() == 1
        assert f"已回滚到第 {old} 版" in page.inner_text("main")

        registered = http("POST", f"{live_server}/api/v1/complaints", tokens["desk"], intake("quality"))
        assert registered.status == 201, registered.body
        runs = http("GET", f"{live_server}/api/v1/complaints/{registered['id']}", tokens["desk"])
        assert runs["process"] == {"key": "quality", "version": old}
    finally:
        with app.app_context():
            definitions.activate("quality", old, None)
            db.session.remove()


def _sign(live_server: str, tokens: dict[str, str], version: int) -> None:
    """Legal approves a version of quality through the API."""
    signed = http("POST", f"{live_server}/api/v1/process-definitions/quality/versions/{version}/review",
                  tokens["legal"], {"decision": "approve", "comment": "已核对。"})
    assert signed.status == 200, signed.body
