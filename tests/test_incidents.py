"""A step that fails changes nothing, is recorded as an incident, and can be retried."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.notifications.models import Notification
from app.records import operators
from app.runtime.models import Complaint, Incident
from tests import bpmn_samples as s
from tests.conftest import intake, logged_in_client

FLAKY = {"fail": True}


@pytest.fixture(autouse=True)
def _flaky_fails_by_default():
    FLAKY["fail"] = True
    yield
    FLAKY["fail"] = True


@operators.operator("test_flaky")
def _flaky(context, note: str = "") -> dict:
    """Writes a record, then fails while FLAKY says so: the record must vanish with the step."""
    db.session.add(Notification(complaint_id=context.complaint_id, recipient="customer", subject="flaky"))
    db.session.flush()
    if FLAKY["fail"]:
        raise RuntimeError("the payment gateway did not answer")
    return {"ok": True}


def _counts(app, complaint_id=None):
    with app.app_context():
        complaints = db.session.scalar(select(func.count()).select_from(Complaint))
        notes = db.session.scalar(select(func.count()).select_from(Notification)
                                  .where(Notification.complaint_id == complaint_id))
        db.session.remove()
    return complaints, notes


def test_failing_service_task_rolls_back_records_an_incident_and_retries(app, as_user, swap_process):
    swap_process("vehicle", s.process("vehicle", "service_desk", [
        s.user_task("lifecycle.payment", "第一步"), s.service_task("test_flaky", note="'x'"),
        s.user_task("lifecycle.payment", "第二步")]))
    created = as_user("desk").post("/complaints", intake("vehicle"))
    assert created.status == 201, created.body
    complaint_id, task_id = created["id"], created["open_tasks"][0]["id"]
    before = as_user("legal").get(f"/complaints/{complaint_id}")

    data = {"voucher_number": "V1", "claim_form": "CF-1"}
    failed = as_user("desk").post(f"/tasks/{task_id}/complete", data)
    assert failed.status == 409
    assert "payment gateway" in failed["message"] and failed["incident"] == 1 and failed["element_id"] == "step1"

    after = as_user("legal").get(f"/complaints/{complaint_id}")
    assert after["revision"] == before["revision"]
    assert after["open_tasks"] == before["open_tasks"]
    assert after["records"] == before["records"]
    assert [(i["n"], i["status"], i["attempts"]) for i in after["incidents"]] == [(1, "open", 1)]
    assert _counts(app, complaint_id)[1] == 0

    assert as_user("desk").post(f"/complaints/{complaint_id}/incidents/1/retry").status == 403
    still = as_user("admin").post(f"/complaints/{complaint_id}/incidents/1/retry")
    assert still.status == 409
    assert as_user("legal").get(f"/complaints/{complaint_id}")["incidents"][0]["attempts"] == 2
    # The failure's words may quote the step's data: the trail names the incident's row, legal's timeline reads it.
    failures = [e["detail"] for e in as_user("legal").get(f"/complaints/{complaint_id}/audit")["items"]
                if e["action"] == "incident"]
    with app.app_context():
        incident_id = db.session.scalar(select(Incident.id).where(Incident.complaint_id == complaint_id))
        db.session.remove()
    assert [f["message"] for f in failures] == [{"ref": f"incident:{incident_id}/message"}] * 2
    page = logged_in_client(app, "legal")
    page.set_cookie("lang", "en")
    timeline = page.get(f"/complaints/{complaint_id}").get_data(as_text=True).split('id="timeline"')[1]
    assert '<span class="k">Why it failed</span> Service task' in timeline and "payment gateway" in timeline

    FLAKY["fail"] = False
    retried = as_user("admin").post(f"/complaints/{complaint_id}/incidents/1/retry")
    assert retried.status == 200 and retried["status"] == "resolved"
    assert _open_incidents(app, complaint_id) == 0
    done = as_user("legal").get(f"/complaints/{complaint_id}")
    assert [t["name"] for t in done["open_tasks"]] == ["第二步"]
    assert done["history"][0]["completed_by"] == "desk"
    assert len(done["records"]["notifications"]) == 1
    assert as_user("admin").post(f"/complaints/{complaint_id}/incidents/1/retry").status == 409
    assert as_user("admin").post(f"/complaints/{complaint_id}/incidents/9/retry").status == 404


def test_expression_error_in_a_gateway_is_an_incident_not_a_500(app, as_user, swap_process):
    xml = s.process("vehicle", "service_desk", [s.user_task("lifecycle.payment")]).replace(
        '<bpmn:sequenceFlow id="flow1" sourceRef="step0" targetRef="end"/>',
        '<bpmn:sequenceFlow id="flow1" sourceRef="step0" targetRef="end">'
        '<bpmn:conditionExpression>missing_field &gt; 3</bpmn:conditionExpression></bpmn:sequenceFlow>')
    xml = xml.replace('<bpmn:endEvent id="end"/>', '<bpmn:exclusiveGateway id="gw"/><bpmn:endEvent id="end"/>')
    xml = xml.replace('sourceRef="step0" targetRef="end"', 'sourceRef="gw" targetRef="end"').replace(
        '<bpmn:sequenceFlow id="flow0" sourceRef="start" targetRef="step0"/>',
        '<bpmn:sequenceFlow id="flow0" sourceRef="start" targetRef="step0"/>'
        '<bpmn:sequenceFlow id="flowgw" sourceRef="step0" targetRef="gw"/>')
    swap_process("vehicle", xml)
    created = as_user("desk").post("/complaints", intake("vehicle"))
    task_id = created["open_tasks"][0]["id"]
    failed = as_user("desk").post(f"/tasks/{task_id}/complete",
                                  {"voucher_number": "V1", "claim_form": "CF-1"})
    assert failed.status == 409, failed.body
    assert "missing_field" in failed["message"]
    detail = as_user("legal").get(f"/complaints/{created['id']}")
    assert detail["incidents"][0]["status"] == "open"
    assert [t["id"] for t in detail["open_tasks"]] == [task_id]


def test_intake_whose_first_steps_fail_keeps_no_complaint_and_no_number(app, as_user, swap_process):
    swap_process("conflict", s.process("conflict", "service_desk", [
        s.service_task("test_flaky"), s.user_task("lifecycle.payment")]))
    complaints_before, _ = _counts(app)
    failed = as_user("desk").post("/complaints", intake("conflict"))
    assert failed.status == 409 and "not registered" in failed["message"]
    assert _counts(app)[0] == complaints_before
    last = as_user("desk").post("/complaints", intake())["number"]
    FLAKY["fail"] = False
    created = as_user("desk").post("/complaints", intake("conflict"))
    assert created.status == 201
    assert int(created["number"].rsplit("-", 1)[1]) == int(last.rsplit("-", 1)[1]) + 1


def _flaky_complaint(as_user, swap_process) -> tuple[int, str]:
    swap_process("vehicle", s.process("vehicle", "service_desk", [
        s.user_task("lifecycle.payment", "第一步"), s.service_task("test_flaky", note="'x'"),
        s.user_task("lifecycle.payment", "第二步")]))
    created = as_user("desk").post("/complaints", intake("vehicle"))
    complaint_id, task_id = created["id"], created["open_tasks"][0]["id"]
    failed = as_user("desk").post(f"/tasks/{task_id}/complete",
                                  {"voucher_number": "V1", "claim_form": "CF-1"})
    assert failed.status == 409 and failed["incident"] == 1
    return complaint_id, task_id


def _open_incidents(app, complaint_id: int) -> int:
    with app.app_context():
        count = db.session.get(Complaint, complaint_id).open_incidents
        db.session.remove()
    return count


def test_a_later_step_that_makes_the_failed_action_moot_supersedes_its_incident(app, as_user, swap_process):
    complaint_id, task_id = _flaky_complaint(as_user, swap_process)
    assert _open_incidents(app, complaint_id) == 1
    FLAKY["fail"] = False
    done = as_user("desk").post(f"/tasks/{task_id}/complete",
                                {"voucher_number": "V2", "claim_form": "CF-1"})
    assert done.status == 200, done.body
    detail = as_user("legal").get(f"/complaints/{complaint_id}")
    assert [(i["n"], i["status"]) for i in detail["incidents"]] == [(1, "superseded")]
    assert detail["incidents"][0]["resolved_at"] is not None
    trail = [e for e in as_user("legal").get(f"/complaints/{complaint_id}/audit")["items"]
             if e["action"] == "incident_superseded"]
    assert [e["detail"] for e in trail] == [{"incident": 1, "by": "task_completed"}]
    assert _open_incidents(app, complaint_id) == 0
    assert as_user("admin").post(f"/complaints/{complaint_id}/incidents/1/retry").status == 409


def test_cancelling_a_complaint_supersedes_its_open_incidents(app, as_user, swap_process):
    complaint_id, _task_id = _flaky_complaint(as_user, swap_process)
    cancelled = as_user("manager").post(f"/complaints/{complaint_id}/cancel", {"reason": "顾客撤回投诉"})
    assert cancelled.status == 200 and cancelled["status"] == "cancelled"
    detail = as_user("legal").get(f"/complaints/{complaint_id}")
    assert [(i["n"], i["status"]) for i in detail["incidents"]] == [(1, "superseded")]
    assert detail["status"] == "cancelled" and detail["cancel_reason"] == "顾客撤回投诉"
    assert detail["open_tasks"] == []
    assert _open_incidents(app, complaint_id) == 0

