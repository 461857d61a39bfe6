"""Heat maps inside call activities and embedded subprocesses: the call path each task row keeps (from the real
engine), the figures on a diagram's call activities, and the called process's heat map restricted to the complaints
that ran it from one of them (`type` and `via`), against hand-counted tasks of May 2017 (mall time, Asia/Shanghai),
a month no other test counts, written straight into the task table.

  mark type           call path                     process / element                   opened → finished
  L1   lost_property  acknowledge                   lifecycle_acknowledge/calm_customer 05-02 10:00 → 11:00 (1 h)
                      discretion_remedy             lifecycle_remedy/propose_remedy     05-03 09:00 → 12:00 (3 h)
                      discretion_remedy/authorise   lifecycle_authorise/senior_approval 05-03 12:00 → 05-04 12:00 (24 h)
  L2   lost_property  acknowledge                   calm_customer                       05-05 09:00 → 14:00 (5 h)
                      discretion_remedy             propose_remedy                      05-06 09:00, still open
  L3   lost_property  acknowledge                   calm_customer                       05-07 09:00 → 09:30 (0.5 h)
                      (the diagram itself)          lost_property/record_loss           05-07 08:00 → 08:30 (0.5 h)
  L4   lost_property  null (opened before paths)    calm_customer                       05-08 09:00 → 10:00 (1 h)
  L5   lost_property  acknowledge                   calm_customer                       06-01 00:30 (June in the mall)
  Q1   quality        acknowledge                   calm_customer                       05-09 09:00 → 11:00 (2 h)

By hand, May 2017 on the lost_property diagram:
  call acknowledge: 3 complaints (L1 L2 L3), none open; its drill-down (type lost_property, via acknowledge):
    calm_customer 3 complaints, hours 0.5 1 5: median 1 (rank 2), p90 5 (rank 3); L4 (no path), L5 (June) and Q1
    (quality) are not in it
  call discretion_remedy: 2 complaints (L1 L2), 1 task open; its drill-down: propose_remedy 2 complaints, 1 open,
    median and p90 3; its own call authorise 1 complaint (L1), drilled down: senior_approval 1, 24 h
  calm_customer seen from lost_property: 3 via acknowledge, 1 with no path (L4: on no call activity)
"""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from lxml import etree
from sqlalchemy import select

from app.definitions.models import ProcessDefinition
from app.engine.instance import Instance
from app.engine.specs import Document, compile_process, parse_documents
from app.extensions import db
from app.reports.paths import containers
from app.runtime.models import Complaint, HumanTask
from tests import bpmn_samples as s
from tests.conftest import logged_in_client
from tests.paths import drive
from tests.report_fixtures import delete_complaints, module_fixture
from tests.test_process_quality import LIABLE

MALL = ZoneInfo("Asia/Shanghai")
MAY = {"from": "2017-05-01", "to": "2017-05-31"}


def mall(*args: int) -> datetime:
    return datetime(*args, tzinfo=MALL)


ACK = ("lifecycle_acknowledge", "calm_customer")
REMEDY = ("lifecycle_remedy", "propose_remedy")
AUTHORISE = ("lifecycle_authorise", "senior_approval")
# mark: (type, created, [(call path, (process, element), opened, finished or None)])
SPECS = {
    "L1": ("lost_property", mall(2017, 5, 2, 9), [
        ("acknowledge", ACK, mall(2017, 5, 2, 10), mall(2017, 5, 2, 11)),
        ("discretion_remedy", REMEDY, mall(2017, 5, 3, 9), mall(2017, 5, 3, 12)),
        ("discretion_remedy/authorise", AUTHORISE, mall(2017, 5, 3, 12), mall(2017, 5, 4, 12))]),
    "L2": ("lost_property", mall(2017, 5, 5, 8), [
        ("acknowledge", ACK, mall(2017, 5, 5, 9), mall(2017, 5, 5, 14)),
        ("discretion_remedy", REMEDY, mall(2017, 5, 6, 9), None)]),
    "L3": ("lost_property", mall(2017, 5, 7, 8), [
        ("", ("lost_property", "record_loss"), mall(2017, 5, 7, 8), mall(2017, 5, 7, 8, 30)),
        ("acknowledge", ACK, mall(2017, 5, 7, 9), mall(2017, 5, 7, 9, 30))]),
    "L4": ("lost_property", mall(2017, 5, 8, 8), [(None, ACK, mall(2017, 5, 8, 9), mall(2017, 5, 8, 10))]),
    "L5": ("lost_property", mall(2017, 5, 31, 23), [("acknowledge", ACK, mall(2017, 6, 1, 0, 30), None)]),
    "Q1": ("quality", mall(2017, 5, 9, 8), [("acknowledge", ACK, mall(2017, 5, 9, 9), mall(2017, 5, 9, 11))]),
}


class Fixture:
    def __init__(self, app):
        self.app = app
        self.ids: dict[str, int] = {}

    def build(self) -> None:
        with self.app.app_context():
            definitions = dict(db.session.execute(select(ProcessDefinition.key, ProcessDefinition.id)
                                                  .where(ProcessDefinition.kind == "bpmn")).all())
            rows = {mark: Complaint(
                number=f"HC-{mark}-{uuid.uuid4().hex[:8]}", type=ctype, definition_id=definitions[ctype],
                status="open", state="", channel="desk", customer_surname="调用", customer_phone="13812345678",
                occurred_at=created, location="现场", description="x", demand="x", intake={}, created_at=created,
                updated_at=created) for mark, (ctype, created, _tasks) in SPECS.items()}
            db.session.add_all(rows.values())
            db.session.flush()
            self.ids = {mark: row.id for mark, row in rows.items()}
            for mark, (ctype, created, tasks) in SPECS.items():
                for call_path, (process_id, element_id), opened, finished in tasks:
                    db.session.add(HumanTask(
                        id=str(uuid.uuid4()), complaint_id=self.ids[mark], complaint_number=rows[mark].number,
                        complaint_type=ctype, complaint_created_at=created, process_id=process_id,
                        element_id=element_id, call_path=call_path, name=element_id, role="service_desk",
                        form_key="lifecycle.acknowledge", state="completed" if finished else "ready",
                        due_order=opened, created_at=opened, completed_at=finished))
            db.session.commit()
            db.session.remove()

    def remove(self) -> None:
        with self.app.app_context():
            ids = list(self.ids.values())
            delete_complaints(ids, HumanTask)
            db.session.commit()
            db.session.remove()


fixture = module_fixture(Fixture)


def keyed(body: dict) -> dict[tuple, dict]:
    """Items by (kind, call path, process, element), the figures only."""
    return {(i["kind"], i["call_path"], i["process_id"], i["element_id"]): (
        i["complaints"], i["still_open"], i["median_hours"], i["p90_hours"]) for i in body["items"]}


def test_the_engine_keeps_the_call_path_of_each_task():
    """A task of a called process carries the call activity; one in an embedded subprocess carries the subprocess,
    which is also its process."""
    inner = s.process("t_inner", "服务中心", [s.user_task("lifecycle.acknowledge", "内")])
    sub = ('<bpmn:subProcess id="{id}" name="子流程"><bpmn:startEvent id="ss"/>'
           '<bpmn:userTask id="in_sub" name="子流程内">' + s.form("lifecycle.acknowledge") + '</bpmn:userTask>'
           '<bpmn:endEvent id="se"/><bpmn:sequenceFlow id="sf1" sourceRef="ss" targetRef="in_sub"/>'
           '<bpmn:sequenceFlow id="sf2" sourceRef="in_sub" targetRef="se"/></bpmn:subProcess>')
    outer = s.process("t_outer", "服务中心", [s.call_activity("t_inner"), sub])
    parser = parse_documents([Document(f"{n}.bpmn", "bpmn", etree.fromstring(x.encode()))
                              for n, x in (("inner", inner), ("outer", outer))])
    instance = Instance.start(compile_process(parser, "t_outer", {"服务中心": "service_desk"}), {}, {}, None)
    [called] = instance.ready_human_tasks()
    assert (called.meta.process_id, called.meta.element_id, called.call_path) == ("t_inner", "step0", "step0")
    instance.complete_task(called.id, {})
    [embedded] = instance.ready_human_tasks()
    assert (embedded.meta.process_id, embedded.meta.element_id, embedded.call_path) == ("step1", "in_sub", "step1")


def test_the_service_writes_the_call_path_into_the_task_rows(app, as_user):
    detail = drive(as_user, "quality", LIABLE)
    with app.app_context():
        rows = set(db.session.execute(select(HumanTask.call_path, HumanTask.process_id, HumanTask.element_id)
                                      .where(HumanTask.complaint_id == detail["id"])).all())
        db.session.remove()
    assert ("acknowledge", "lifecycle_acknowledge", "calm_customer") in rows
    assert ("", "quality", "verify_purchase") in rows


def test_a_diagram_s_call_activities_get_figures_and_a_drill_down(as_user, fixture):
    answer = as_user("owner").get("/reports/paths/lost_property", **MAY)
    assert answer.status == 200, answer.body
    body = answer.body
    assert (body["type"], body["via"]) == (None, None)
    assert keyed(body) == {
        ("call", "", "lost_property", "acknowledge"): (3, 0, None, None),
        ("call", "", "lost_property", "discretion_remedy"): (2, 1, None, None),
        ("task", "acknowledge", *ACK): (3, 0, 1.0, 5.0),
        ("task", None, *ACK): (1, 0, 1.0, 1.0),
        ("task", "discretion_remedy", *REMEDY): (2, 1, 3.0, 3.0),
        ("task", "discretion_remedy/authorise", *AUTHORISE): (1, 0, 24.0, 24.0),
        ("task", "", "lost_property", "record_loss"): (1, 0, 0.5, 0.5),
    }
    calls = {i["element_id"]: i for i in body["items"] if i["kind"] == "call"}
    assert calls["acknowledge"]["calls"] == "lifecycle_acknowledge"
    assert calls["acknowledge"]["drill_down"] == {"process_key": "lifecycle_acknowledge", "type": "lost_property",
                                                  "via": "acknowledge", "from": "2017-05-01", "to": "2017-05-31"}
    assert body["total"] == 4  # L1 to L4


def test_the_drill_down_gives_the_called_process_for_those_complaints(as_user, fixture):
    ack = as_user("senior").get("/reports/paths/lifecycle_acknowledge", **MAY, type="lost_property",
                                via="acknowledge").body
    assert (ack["type"], ack["via"], ack["total"]) == ("lost_property", "acknowledge", 3)
    assert keyed(ack) == {("task", "", *ACK): (3, 0, 1.0, 5.0)}
    remedy = as_user("legal").get("/reports/paths/lifecycle_remedy", **MAY, type="lost_property",
                                  via="discretion_remedy").body
    assert keyed(remedy) == {("task", "", *REMEDY): (2, 1, 3.0, 3.0),
                             ("task", "authorise", *AUTHORISE): (1, 0, 24.0, 24.0),
                             ("call", "", "lifecycle_remedy", "authorise"): (1, 0, None, None)}
    [authorise] = [i for i in remedy["items"] if i["kind"] == "call"]
    assert authorise["drill_down"]["via"] == "discretion_remedy/authorise"
    deeper = as_user("manager").get("/reports/paths/lifecycle_authorise", **MAY,
                                    **{k: authorise["drill_down"][k] for k in ("type", "via")}).body
    assert keyed(deeper) == {("task", "", *AUTHORISE): (1, 0, 24.0, 24.0)}
    # without a drill-down, the shared process counts every complaint that reached it, as before
    everyone = as_user("owner").get("/reports/paths/lifecycle_acknowledge", **MAY).body
    assert keyed(everyone) == {("task", "", *ACK): (5, 0, 1.0, 5.0)}  # 0.5 1 1 2 5: ranks 3 and 5
    assert keyed(as_user("owner").get("/reports/paths/lifecycle_acknowledge", **MAY, type="quality").body) == {
        ("task", "", *ACK): (1, 0, 2.0, 2.0)}


@pytest.mark.parametrize(("query", "field"), [({"type": "shoes"}, "type"), ({"via": "a//b"}, "via"),
                                              ({"via": "x'; drop"}, "via")])
def test_a_bad_scope_is_a_422_in_both_languages(as_user, query, field):
    answer = as_user("owner").get("/reports/paths/lifecycle_acknowledge", **MAY, **query)
    assert answer.status == 422
    assert field in answer.body["errors"] and "/" in answer.body["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in answer.body["errors"][field][0])


def test_the_page_links_the_call_activity_to_its_drill_down(app, fixture):
    client = logged_in_client(app, "owner")
    html = client.get("/reports/paths/lost_property", query_string=MAY).get_data(as_text=True)
    assert ('<a href="/reports/paths/lifecycle_acknowledge?from=2017-05-01&amp;to=2017-05-31&amp;type=lost_property'
            '&amp;via=acknowledge" class="drill-down">') in html
    page = client.get("/reports/paths/lifecycle_remedy", query_string={**MAY, "type": "lost_property",
                                                                     "via": "discretion_remedy"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="paths-scope"' in text and '<span id="paths-via">提出赔偿方案（逐级上报）</span>' in text
    assert "，经“请款审批（逐级上报）”" in text  # the approval's task, reached through this diagram's call
    assert 'name="via" value="discretion_remedy"' in text


def test_a_diagram_s_containers_are_found_at_any_depth():
    """Call activities and embedded subprocesses by their path in the diagram: a call inside a subprocess under it."""
    sub = ('<bpmn:subProcess id="{id}" name="子流程"><bpmn:startEvent id="ss"/>'
           '<bpmn:callActivity id="inner_call" name="调用" calledElement="lifecycle_review"/>'
           '<bpmn:endEvent id="se"/><bpmn:sequenceFlow id="sf1" sourceRef="ss" targetRef="inner_call"/>'
           '<bpmn:sequenceFlow id="sf2" sourceRef="inner_call" targetRef="se"/></bpmn:subProcess>')
    xml = s.process("t_depth", "服务中心", [s.call_activity("lifecycle_acknowledge"), sub])
    assert containers(xml, "t_depth") == {"step0": ("call", "lifecycle_acknowledge"), "step1": ("subprocess", None),
                                          "step1/inner_call": ("call", "lifecycle_review")}
    assert containers(xml, "another") == {}
