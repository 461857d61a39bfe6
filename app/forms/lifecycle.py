"""Forms of the lifecycle every complaint shares (the lifecycle_* call activities in processes/)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.forms.fields import N_, StrictBoolean, choice, money, text, yes_no
from app.forms.registry import register
from app.forms.shows import answer, attachments, decision, intake, payment, prefill, record, variable

REMEDIES = {
    "none": ("不予补偿", "No remedy"),
    "apology": ("道歉", "Apology"),
    "repair": ("维修", "Repair"),
    "exchange": ("换货", "Exchange"),
    "refund": ("退款", "Refund"),
    "compensation": ("赔偿", "Compensation"),
}
EVIDENCE_SOURCES = {
    "merchant": ("商户", "Merchant"),
    "staff": ("员工", "Staff"),
    "witness": ("目击者", "Witnesses"),
    "cctv": ("监控录像", "CCTV"),
    "transactions": ("交易记录", "Transaction records"),
}
NEXT_STEPS = {
    "revise": ("调整方案后再协商", "Revise the remedy and negotiate again"),
    "stop": ("协商不成，终止协商", "No agreement: stop negotiating"),
}
SATISFACTION = {
    "very_satisfied": ("非常满意", "Very satisfied"),
    "satisfied": ("满意", "Satisfied"),
    "neutral": ("一般", "Neutral"),
    "dissatisfied": ("不满意", "Dissatisfied"),
}

# What the customer told the mall, as registered: what every review and assessment starts from.
INTAKE = (intake("description"), intake("demand"), intake("occurred_at"), intake("location"),
          intake("involved_party"))
# The offer the customer was made last (its answers), and the decision filed for it (the record, which every
# lane may read).
LAST_OFFER = (answer("lifecycle.remedy", "remedy"), answer("lifecycle.remedy", "amount"),
              answer("lifecycle.remedy", "explanation"))
STANDING_DECISION = (record("decisions", "remedy"), record("decisions", "amount"), record("decisions", "note"),
                     record("decisions", "decided_at"))
# What the customer said of the result: in the follow-up call, or in the survey (the desk's form or the message).
CUSTOMER_VERDICT = tuple(answer(("lifecycle.feedback", "lifecycle.survey_answer"), name)
                         for name in ("satisfied", "satisfaction", "comments"))

NO_AGREEMENT_NO_PAYMENT = N_("Without an agreement nothing more is paid: leave the additional amount at 0.")


@register("lifecycle.acknowledge", "安抚并告知处理流程", "Calm the customer and explain the next steps",
          shows=[*INTAKE, intake("channel")])
class AcknowledgeForm(Schema):
    next_steps_explained = yes_no("已告知处理流程和时限", "Next steps and time limit explained")
    customer_calm = yes_no("顾客情绪已平复", "Customer has calmed down")
    note = text("备注", "Note", required=False, multiline=True)


@register("lifecycle.investigate", "调查取证", "Investigate", shows=[*INTAKE, intake("amount_claimed")])
class InvestigateForm(Schema):
    evidence_sources = fields.List(
        fields.String(validate=validate.OneOf(list(EVIDENCE_SOURCES))), required=True,
        validate=validate.Length(min=1),
        metadata={"title": "取证来源", "x-title-en": "Evidence from",
                  "x-option-labels": {k: {"zh": v[0], "en": v[1]} for k, v in EVIDENCE_SOURCES.items()}})
    findings = text("调查经过", "Findings", multiline=True)
    root_cause = text("根本原因", "Root cause", multiline=True)
    complex_case = yes_no("复杂或跨部门（需成立临时小组）", "Complex or cross-department (needs an ad-hoc team)")


@register("lifecycle.team_investigation", "临时小组调查", "Ad-hoc team investigation", shows=[
    intake("description"), intake("demand"), answer("lifecycle.investigate", "evidence_sources"),
    answer("lifecycle.investigate", "findings"), answer("lifecycle.investigate", "root_cause")])
class TeamInvestigationForm(Schema):
    team_lead = text("小组负责人", "Team lead", max_length=120)
    departments = text("参与部门", "Departments involved", max_length=500)
    report = text("调查报告", "Investigation report", multiline=True)


@register("lifecycle.remedy", "提出处理方案", "Propose a remedy", shows=[
    intake("demand"), intake("amount_claimed"),
    record("investigation_reports", "findings"), record("investigation_reports", "root_cause"),
    answer("quality.injury_compensation", "injury_total"), answer("lost_property.claim", "claimed_amount"),
    # a new offer: why the last one went back (the customer's answer, the approver's refusal)
    *LAST_OFFER,
    answer("message.customer_response", "accepted", after="lifecycle.remedy"),
    answer("message.customer_response", "note", after="lifecycle.remedy"),
    answer("lifecycle.no_agreement", "no_agreement_reason", after="lifecycle.remedy"),
    answer("lifecycle.approval", "approved", after="lifecycle.remedy"),
    answer("lifecycle.approval", "note", after="lifecycle.remedy")])
class RemedyForm(Schema):
    remedy = choice("处理方式", "Remedy", REMEDIES)
    # the injuries' total, or the claim as assessed: the amount the remedy starts from
    amount = prefill(money("金额（元）", "Amount (¥)"), answer("quality.injury_compensation", "injury_total"),
                     answer("lost_property.claim", "claimed_amount"))
    one_time_settlement = yes_no("一次性赔偿", "One-time settlement")
    explanation = text("方案说明", "Explanation to the customer", multiline=True)


@register("lifecycle.approval", "上级审批", "Approval by the next level", shows=[
    payment("amount"), payment("purpose"), payment("payee"), payment("requested_by"), payment("requested_at"),
    variable("approver"),
    answer("quality.hospital", "hospital"), answer("quality.hospital", "diagnosis"),
    answer("lifecycle.remedy", "remedy"), answer("lifecycle.remedy", "one_time_settlement"),
    answer("lifecycle.remedy", "explanation"), answer("quality.injury_compensation", "injury_total"),
    answer("lifecycle.re_review", "explanation", after="lifecycle.remedy"),
    intake("demand"), intake("amount_claimed")])
class ApprovalForm(Schema):
    approved = yes_no("批准", "Approved")
    note = text("审批意见", "Comments", multiline=True)


NOT_DONE_MESSAGE = N_("Complete this task only once the remedy has been carried out; until then leave it open.")
NOT_REACHED_SATISFIED = N_("The customer was not reached, so they cannot have accepted the result.")
NOT_REACHED_SATISFACTION = N_("The customer was not reached: leave the satisfaction empty.")
MISSING_SATISFACTION = N_("Choose how satisfied the customer is.")


@register("lifecycle.execution", "执行处理方案", "Carry out the remedy", shows=[
    *STANDING_DECISION, record("payment_requests", "status"), intake("demand")])
class ExecutionForm(Schema):
    # the person named to track the case, when one was (quality complaints)
    owner = prefill(text("执行负责人", "Owner", max_length=120), answer("quality.situation", "case_tracker"))
    done = StrictBoolean(required=True, validate=validate.Equal(True, error=NOT_DONE_MESSAGE),
                         metadata={"title": "已执行完毕", "x-title-en": "Carried out"})
    customer_updated = yes_no("已按承诺告知顾客进展", "Customer kept informed as promised")
    note = text("备注", "Note", required=False, multiline=True)


@register("lifecycle.payment", "财务付款", "Pay the customer", shows=[
    payment("amount"), payment("purpose"), payment("payee"), intake("customer"), payment("requested_by"),
    payment("authorised_by"), payment("authorised_by_role"), payment("authorised_at"),
    payment("authorisation_note"), decision("remedy"), decision("note"), decision("decided_by"),
    attachments("claim_form")])
class PaymentForm(Schema):
    """Completing it records the request as paid: with the voucher and the signed claim form, never without."""

    voucher_number = text("付款凭证号", "Payment voucher number", max_length=60)
    claim_form = prefill(text("顾客签署的顾客索赔单（附件或单据编号）",
                              "The signed claim form (attachment or form number)", max_length=200),
                         attachments("claim_form"))


@register("lifecycle.feedback", "回访顾客", "Follow up with the customer", shows=[
    *STANDING_DECISION, intake("demand"), intake("customer")])
class FeedbackForm(Schema):
    """Only a customer who was reached can accept the result or say how satisfied they are."""

    reached_customer = yes_no("已联系上顾客", "Reached the customer")
    satisfied = yes_no("顾客接受处理结果", "Customer accepts the result")
    satisfaction = choice("满意度（联系上顾客时）", "Satisfaction (when reached)", SATISFACTION, required=False)
    comments = text("顾客反馈", "Customer's feedback", required=False, multiline=True, personal=True)

    JSON_SCHEMA_EXTRA = {"allOf": [{
        "if": {"properties": {"reached_customer": {"const": True}}, "required": ["reached_customer"]},
        "then": {"required": ["satisfaction"]},
        "else": {"properties": {"satisfied": {"const": False}}, "not": {"required": ["satisfaction"]}},
    }]}

    @validates_schema
    def _only_a_reached_customer_answers(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["reached_customer"]:
            if data.get("satisfaction") is None:
                raise ValidationError(MISSING_SATISFACTION, "satisfaction")
            return
        errors = {}
        if data["satisfied"]:
            errors["satisfied"] = [NOT_REACHED_SATISFIED]
        if data.get("satisfaction") is not None:
            errors["satisfaction"] = [NOT_REACHED_SATISFACTION]
        if errors:
            raise ValidationError(errors)


@register("lifecycle.re_review", "复核", "Re-review", shows=[
    *CUSTOMER_VERDICT, *STANDING_DECISION, record("payment_requests", "status"), intake("demand")])
class ReReviewForm(Schema):
    """`no_agreement` ends the follow-up: the customer is told where else they can turn."""

    outcome = choice("复核结论", "Outcome", {"maintain": ("维持原方案", "Keep the decision"),
                                           "adjust": ("调整方案", "Adjust the remedy"),
                                           "no_agreement": ("无法达成一致", "No agreement")})
    additional_amount = money("追加金额（元）", "Additional amount (¥)")
    explanation = text("复核说明", "Explanation to the customer", multiline=True)

    JSON_SCHEMA_EXTRA = {"allOf": [{
        "if": {"properties": {"outcome": {"const": "no_agreement"}}, "required": ["outcome"]},
        "then": {"properties": {"additional_amount": {"maximum": 0}}},
    }]}

    @validates_schema
    def _no_payment_without_agreement(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["outcome"] == "no_agreement" and data["additional_amount"] > 0:
            raise ValidationError(NO_AGREEMENT_NO_PAYMENT, "additional_amount")


@register("lifecycle.case_review", "案例复盘", "Case review", shows=[
    intake("description"), intake("demand"), record("investigation_reports", "root_cause"),
    record("decisions", "remedy"), record("decisions", "amount"), *CUSTOMER_VERDICT])
class CaseReviewForm(Schema):
    handled_properly = yes_no("处理得当", "Handled properly")
    lessons = text("经验与改进", "Lessons and improvements", multiline=True)


@register("lifecycle.no_agreement", "协商未果处理", "The customer did not accept the proposal", shows=[
    *LAST_OFFER, answer("message.customer_response", "note", after="lifecycle.remedy"), intake("demand"),
    intake("amount_claimed")])
class NoAgreementForm(Schema):
    next_step = choice("下一步", "Next step", NEXT_STEPS)
    no_agreement_reason = text("情况说明", "What the customer wants and why it was not agreed", multiline=True)
