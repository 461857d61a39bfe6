"""What a task shows beside its form (its context), the fields it pre-fills, and the answers in words, through the
API on real complaints: the forms' declarations, the read policy, and the labels of the case file."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import inspect

from app import forms
from app.attachments.models import KINDS as ATTACHMENT_KINDS
from app.complaints.schemas import CustomerSchema
from app.forms.registry import payload_schema
from app.records.labels import COMPLAINT_FIELDS, HIDDEN_COLUMNS, RECORD_FIELDS, WORKFLOW_VARIABLES
from app.records.service import RECORD_KINDS
from app.tasks.answers import form_properties, personal
from tests.paths import Message, Task, acknowledge, investigate, negotiate, remedy, take
from tests.test_process_quality import assess, hospital, situation, verify

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

pytestmark = pytest.mark.usefixtures("cancel_registered")


def register(as_user, complaint_type: str = "quality", **changes) -> tuple[int, list[dict]]:
    from tests.conftest import intake

    created = as_user("desk").post("/complaints", intake(complaint_type, **changes))
    assert created.status == 201, created.body
    return created["id"], created["open_tasks"]


def open_task(open_tasks: list[dict], name: str) -> dict:
    [found] = [t for t in open_tasks if t["name"] == name]
    return found


def context_of(as_user, who: str, task_id: str) -> dict[str, dict]:
    response = as_user(who).get(f"/tasks/{task_id}")
    assert response.status == 200, response.body
    return {entry["name"]: entry for entry in response["context"]}


def advance_to_approval(as_user) -> tuple[int, dict]:
    """A customer taken ill: the duty manager takes them to hospital and asks to advance ¥800."""
    complaint_id, tasks = register(as_user)
    tasks = take(as_user, complaint_id, tasks, [*acknowledge(), *situation(unwell=True), *hospital(800)])
    return complaint_id, open_task(tasks, "高层审批")


def test_senior_management_approving_a_medical_advance_sees_amount_hospital_and_diagnosis(as_user):
    _, approval = advance_to_approval(as_user)
    shown = context_of(as_user, "senior", approval["id"])
    assert shown["payment.amount"]["kind"] == "money" and shown["payment.amount"]["value"] == 800.0
    assert shown["payment.purpose"]["value_label"] == {"zh": "垫付医疗费", "en": "Medical fees advanced"}
    assert shown["payment.payee"]["value"] == "市第一人民医院"
    assert shown["payment.requested_by"]["value"] == "manager"
    assert shown["payment.requested_at"]["kind"] == "datetime" and shown["payment.requested_at"]["value"].endswith("Z")
    assert shown["workflow.approver"]["value_label"] == {"zh": "公司高层管理人员", "en": "Senior management"}
    assert shown["quality.hospital.hospital"]["value"] == "市第一人民医院"
    assert shown["quality.hospital.hospital"]["label"] == {"zh": "医院", "en": "Hospital"}
    assert shown["quality.hospital.diagnosis"]["value"] == "急性肠胃炎"
    # no remedy was proposed yet: nothing of one is shown
    assert not any(name.startswith("lifecycle.remedy.") for name in shown)
    # the form says what it shows, and the API's order is the form's
    form = as_user("senior").get(f"/tasks/{approval['id']}")["form"]
    assert [name for name in form["x-shows"] if name in shown] == list(shown)


def test_finance_sees_what_to_pay_to_whom_who_approved_and_the_signed_claim_form(as_user, files_dir):
    complaint_id, approval = advance_to_approval(as_user)
    tasks = take(as_user, complaint_id, [approval], [Task("senior", "高层审批", "senior_management",
                                                          {"approved": True, "note": "同意垫付"})])
    paying = open_task(tasks, "财务付款")
    before = as_user("finance").get(f"/tasks/{paying['id']}")
    assert "attachments.claim_form" not in {e["name"] for e in before["context"]} and before["prefill"] == {}

    upload = as_user("desk").post(f"/complaints/{complaint_id}/attachments", data={
        "file": (io.BytesIO(PDF), "索赔单.pdf", "application/pdf"), "kind": "claim_form"},
        content_type="multipart/form-data")
    assert upload.status == 201, upload.body
    task = as_user("finance").get(f"/tasks/{paying['id']}")
    shown = {entry["name"]: entry for entry in task["context"]}
    assert shown["payment.amount"]["value"] == 800.0 and shown["payment.payee"]["value"] == "市第一人民医院"
    assert shown["payment.authorised_by"]["value"] == "senior"
    assert shown["payment.authorised_by_role"]["value_label"]["en"] == "Senior management"
    assert shown["payment.authorisation_note"]["value"] == "同意垫付"
    assert shown["complaint.customer"]["value"] == "王 138****5678"  # finance does not need the phone
    [claim_form] = shown["attachments.claim_form"]["value"]
    assert claim_form == {"id": upload["id"], "filename": "索赔单.pdf", "url": f"/api/v1/attachments/{upload['id']}"}
    assert shown["attachments.claim_form"]["label"] == {"zh": "顾客索赔单", "en": "Signed claim form"}
    assert task["prefill"] == {"claim_form": f"#{upload['id']} 索赔单.pdf"}
    assert task["form"]["properties"]["claim_form"]["x-prefill"] == ["attachments.claim_form"]
    # the duty manager sees the customer's phone in full
    assert context_of(as_user, "manager", paying["id"])["complaint.customer"]["value"] == "王 13812345678"


def test_finance_paying_a_remedy_sees_the_decision_it_carries_out(as_user):
    complaint_id, tasks = register(as_user)
    tasks = take(as_user, complaint_id, tasks, [
        *acknowledge(), *situation(), *verify(), *assess("service"), *remedy("refund", 100), *negotiate(True)])
    shown = context_of(as_user, "finance", open_task(tasks, "财务付款")["id"])
    assert shown["decision.remedy"]["value"] == "refund"
    assert shown["decision.remedy"]["value_label"] == {"zh": "退款", "en": "Refund"}
    assert shown["decision.note"]["value"] == "处理方案说明"
    assert shown["decision.decided_by"]["value"] == "manager"
    assert shown["payment.authorised_by_role"]["value"] == "duty_manager"  # within the duty manager's authority
    assert shown["payment.payee"]["value_label"] == {"zh": "顾客", "en": "The customer"}


def test_a_lane_that_may_not_read_an_answer_gets_none_of_it_in_the_context(as_user):
    complaint_id, tasks = register(as_user)
    tasks = take(as_user, complaint_id, tasks, [*acknowledge(), *situation(), *verify()])
    assessment = open_task(tasks, "品控部质量鉴定")
    # quality control may not read the service desk's answers: the receipt date it verified is not shown ...
    quality_control = context_of(as_user, "qc", assessment["id"])
    assert "quality.verify_purchase.receipt_date" not in quality_control
    assert quality_control["complaint.description"]["value"] == "买的牛奶过期了"  # the complaint itself is shown
    # ... while the duty manager, who reads every lane, sees it, as a date
    manager = context_of(as_user, "manager", assessment["id"])
    assert manager["quality.verify_purchase.receipt_date"] == {
        "name": "quality.verify_purchase.receipt_date", "label": {"zh": "小票日期", "en": "Receipt date"},
        "kind": "date", "value": "2026-11-20", "value_label": None}
    # another lane's task is refused altogether, its context with it
    assert as_user("finance").get(f"/tasks/{assessment['id']}").status == 403


def test_the_receipt_number_from_intake_is_pre_filled(as_user):
    complaint_id, tasks = register(as_user, receipt_number="R-7788")
    tasks = take(as_user, complaint_id, tasks, [*acknowledge(), *situation()])
    task = as_user("desk").get(f"/tasks/{open_task(tasks, '核实购买凭证')['id']}")
    assert task["prefill"] == {"receipt_number": "R-7788"}
    assert task["form"]["properties"]["receipt_number"]["x-prefill"] == ["complaint.receipt_number"]
    shown = {entry["name"]: entry for entry in task["context"]}
    assert shown["complaint.amount_claimed"]["value"] == 58.5 and shown["complaint.amount_claimed"]["kind"] == "money"


def test_a_new_offer_says_why_the_last_one_went_back(as_user):
    complaint_id, tasks = register(as_user)
    tasks = take(as_user, complaint_id, tasks, [*acknowledge(), *situation(), *verify(), *assess("service")])
    first = context_of(as_user, "manager", open_task(tasks, "提出处理方案")["id"])
    assert not any(name.startswith(("message.", "lifecycle.no_agreement", "lifecycle.remedy")) for name in first)
    assert first["investigation_reports.findings"]["value"] == "该批次已过保质期"

    tasks = take(as_user, complaint_id, tasks, [
        *remedy("refund", 100), Message("customer_response", {"accepted": False, "note": "金额太少"}),
        Task("manager", "协商未果处理", "duty_manager", {"next_step": "revise",
                                                    "no_agreement_reason": "顾客要求三倍赔偿"})])
    again = context_of(as_user, "manager", open_task(tasks, "提出处理方案")["id"])
    assert again["message.customer_response.accepted"]["value_label"] == {"zh": "否", "en": "No"}
    assert again["message.customer_response.note"]["value"] == "金额太少"
    assert again["lifecycle.no_agreement.no_agreement_reason"]["value"] == "顾客要求三倍赔偿"
    assert again["lifecycle.remedy.amount"]["value"] == 100.0  # the last offer
    assert again["lifecycle.remedy.remedy"]["value_label"]["en"] == "Refund"


def test_the_re_review_shows_the_customers_complaint_about_the_result(as_user):
    complaint_id, tasks = register(as_user)
    tasks = take(as_user, complaint_id, tasks, [
        *acknowledge(), *situation(), *verify(), *assess("service"), *remedy("apology", 0), *negotiate(True),
        Task("manager", "执行处理方案", "duty_manager", {"owner": "李主管", "done": True, "customer_updated": True}),
        Task("desk", "回访顾客", "service_desk", {"reached_customer": True, "satisfied": False,
                                              "satisfaction": "dissatisfied", "comments": "只道歉不够"})])
    shown = context_of(as_user, "manager", open_task(tasks, "复核处理结果")["id"])
    assert shown["lifecycle.feedback.satisfied"]["value_label"] == {"zh": "否", "en": "No"}
    assert shown["lifecycle.feedback.satisfaction"]["value_label"] == {"zh": "不满意", "en": "Dissatisfied"}
    assert shown["lifecycle.feedback.comments"]["value"] == "只道歉不够"
    assert shown["decisions.remedy"]["value_label"]["zh"] == "道歉"


def test_the_customers_survey_answer_reaches_the_re_review(as_user):
    """An answer the customer gives on the status page (the message) is an earlier answer like the desk's."""
    complaint_id, tasks = register(as_user)
    tasks = take(as_user, complaint_id, tasks, [
        *acknowledge(), *situation(), *verify(), *assess("service"), *remedy("apology", 0), *negotiate(True),
        Task("manager", "执行处理方案", "duty_manager", {"owner": "李主管", "done": True, "customer_updated": True}),
        Message("satisfaction_survey", {"satisfied": False, "satisfaction": "dissatisfied", "comments": "没人道歉"})])
    shown = context_of(as_user, "manager", open_task(tasks, "复核处理结果")["id"])
    assert shown["lifecycle.feedback.comments"]["value"] == "没人道歉"
    assert shown["lifecycle.feedback.satisfied"]["value_label"]["en"] == "No"


def test_an_amount_decided_earlier_is_pre_filled_where_the_next_form_confirms_it(as_user):
    from tests.test_process_lost_property import claim, demands, report

    complaint_id, tasks = register(as_user, "lost_property")
    tasks = take(as_user, complaint_id, tasks, [*acknowledge(), report("damaged"), *investigate(), demands(True)])
    assessing = as_user("manager").get(f"/tasks/{open_task(tasks, '核定索赔要求')['id']}")
    assert assessing["prefill"] == {"claimed_amount": 58.5}  # what the customer claimed at intake
    tasks = take(as_user, complaint_id, tasks, [claim(1500, cause="mall")])
    proposing = as_user("manager").get(f"/tasks/{open_task(tasks, '提出处理方案')['id']}")
    assert proposing["prefill"] == {"amount": 1500.0}  # the claim as assessed
    assert proposing["form"]["properties"]["amount"]["x-prefill"] == [
        "quality.injury_compensation.injury_total", "lost_property.claim.claimed_amount"]


def test_the_history_gives_each_answer_in_words_only_to_readers_of_its_lane(as_user):
    complaint_id, tasks = register(as_user)
    take(as_user, complaint_id, tasks, [*acknowledge(), *situation(unwell=True)])
    for who, sees_manager_answers in (("desk", False), ("legal", True)):
        history = {h["name"]: h for h in as_user(who).get(f"/complaints/{complaint_id}")["history"]}
        calm = {a["name"]: a for a in history["安抚顾客并告知处理流程"]["answers"]}
        assert calm["customer_calm"] == {"name": "customer_calm", "label": {"zh": "顾客情绪已平复",
                                                                            "en": "Customer has calmed down"},
                                         "kind": "yes_no", "value": True, "value_label": {"zh": "是", "en": "Yes"}}
        situation_answers = history["了解现场情况并指定跟踪专人"]["answers"]
        assert (situation_answers is not None) == sees_manager_answers
    # a finished task of its own lane shows what was answered, by whom and when
    calm_task = history["安抚顾客并告知处理流程"]
    task = as_user("desk").get(f"/tasks/{calm_task['id']}")
    assert task["completed_by"] == "desk" and task["completed_at"] == calm_task["completed_at"]
    assert [a["name"] for a in task["answers"]] == ["next_steps_explained", "customer_calm"]
    assert task["context"] == [] and task["prefill"] == {}


def test_phone_and_email_fields_are_personal():
    customer = payload_schema(CustomerSchema)["properties"]
    assert personal(customer["phone"]) == "phone" and personal(customer["email"]) == "email"
    assert personal(customer["surname"]) is None


def test_every_declaration_names_something_that_exists():
    """A typo in a form's `shows` or `prefill` would silently show nothing: each source must resolve to a field."""
    for key in sorted(forms.form_keys() | {"quality.advance_approval", "quality.advance_payment"}):
        spec = forms.get_form(key)
        sources = [*spec.shows, *(s for found in forms.prefill_sources(key).values() for s in found)]
        assert spec.shows, f"{key} declares nothing it shows"
        for source in sources:
            where = f"{key}: {source.name}"
            if source.origin == "answer":
                for form in source.forms:
                    assert source.field in form_properties(form), where
                assert source.after is None or forms.has_form(source.after), where
            elif source.origin == "complaint":
                assert source.field in COMPLAINT_FIELDS, where
            elif source.origin in ("payment", "decision"):
                assert source.field in RECORD_FIELDS["payment_requests" if source.origin == "payment"
                                                     else "decisions"], where
            elif source.origin == "record":
                assert source.field in RECORD_FIELDS[source.kind], where
            elif source.origin == "workflow":
                assert source.field in WORKFLOW_VARIABLES, where
            else:
                assert source.origin == "attachments" and source.field in ATTACHMENT_KINDS, where


def test_every_record_column_has_a_label_in_both_languages():
    for kind, model in RECORD_KINDS.items():
        for column in inspect(model).columns:
            assert column.key in RECORD_FIELDS[kind] or column.key in HIDDEN_COLUMNS, (kind, column.key)


def test_the_openapi_document_describes_the_context(as_user):
    document = as_user(None).get("/openapi.json").body
    detail = document["components"]["schemas"]["TaskDetail"]
    assert {"context", "prefill", "answers", "completed_at"} <= set(detail["required"])
    item = document["components"]["schemas"]["LabelledValue"]
    assert set(item["required"]) == {"name", "label", "kind", "value", "value_label"}
