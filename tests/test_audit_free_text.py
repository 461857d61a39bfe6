"""Free text reaches the audit trail only as a reference, whether or not its form marks it personal: a task's note,
a message's note; the complaint page's timeline shows the words resolved for the trail's readers (phones masked
for those who do not see contact details), and the others see no timeline at all."""

from __future__ import annotations

import json

import pytest

from app.forms import field_kinds, messages
from tests.conftest import intake, logged_in_client
from tests.paths import ACKNOWLEDGED

pytestmark = pytest.mark.usefixtures("cancel_registered")

NOTE = "顾客东方先生情绪激动，电话13811112222，已安抚"


def test_a_tasks_free_text_is_kept_as_a_reference_and_shown_resolved_on_the_page(app, as_user):
    created = as_user("desk").post("/complaints", intake("quality"))
    assert created.status == 201, created.body
    task_id = created["open_tasks"][0]["id"]
    as_user("desk").post(f"/tasks/{task_id}/claim")
    done = as_user("desk").post(f"/tasks/{task_id}/complete", {**ACKNOWLEDGED, "note": NOTE})
    assert done.status == 200, done.body
    trail = as_user("legal").get(f"/complaints/{created['id']}/audit")["items"]
    [completed] = [e for e in trail if e["action"] == "task_completed"]
    assert completed["detail"]["data"] == {**ACKNOWLEDGED, "note": {"ref": f"task:{task_id}/note"}}
    assert "东方" not in json.dumps(trail, ensure_ascii=False)
    for reader in ("legal", "manager"):  # the trail's readers see the words on the timeline
        page = logged_in_client(app, reader)
        page.set_cookie("lang", "zh")
        html = page.get(f"/complaints/{created['id']}").get_data(as_text=True)
        timeline = html[html.index('id="timeline"'):]
        assert '<span class="k">备注</span> ' + NOTE in timeline, reader
    clerk = logged_in_client(app, "qc")  # not a reader of the trail: the page lists finished tasks, no timeline
    html = clerk.get(f"/complaints/{created['id']}").get_data(as_text=True)
    assert 'class="kv referenced"' not in html


def test_every_free_text_answer_of_a_message_or_a_form_is_a_reference():
    kept = messages.for_audit("consumer_association", {"complained": True, "note": "顾客说明了情况"}, 7)
    assert kept == {"complained": True, "note": {"ref": "message_answer:7/note"}}
    assert messages.for_audit("consumer_association", {"complained": False, "note": ""}, 8) == {
        "complained": False, "note": ""}
    text = {"type": "string"}
    assert field_kinds.by_reference(text, "任何文字")
    assert field_kinds.by_reference({"type": "string", "x-multiline": True}, "多行\n文字")
    assert field_kinds.by_reference({"type": "array", "items": {"type": "string"}}, ["一行", "两行"])
    for prop, value in (({"type": "string", "enum": ["a", "b"]}, "a"), ({"type": "boolean"}, True),
                        ({"type": "number"}, 12.5), ({"type": "string", "format": "date"}, "2026-11-30"),
                        ({"type": "array", "items": {"type": "string", "enum": ["x"]}}, ["x"]), (text, None)):
        assert not field_kinds.by_reference(prop, value), prop
