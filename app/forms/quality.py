"""Forms of the product-quality and service complaint (商品质量和服务投诉), injuries included.

Rules that tie fields together are checked twice: by `@validates_schema` when the
form is submitted, and by `JSON_SCHEMA_EXTRA` (JSON Schema `allOf` of `if`/`then`)
so that the exported schema carries the same constraint. A money amount counts as
"more than nothing" from its first positive value, before rounding, so the schema
is never looser than the form.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from app.forms.fields import choice, date, money, text, yes_no
from app.forms.registry import register
from app.forms.shows import answer, intake, prefill, record

NOT_BLANK = r"\S"  # a text the rule requires must say something
ZERO = Decimal("0")


def _said(value: Any) -> bool:
    return isinstance(value, str) and re.search(NOT_BLANK, value) is not None


def _positive(value: Any) -> bool:
    return value is not None and value > ZERO


def _if_true_then_said(flag: str, field: str) -> dict[str, Any]:
    return {"if": {"properties": {flag: {"const": True}}, "required": [flag]},
            "then": {"properties": {field: {"type": "string", "pattern": NOT_BLANK}}, "required": [field]}}


def _if_positive_then(field: str, then: dict[str, Any]) -> dict[str, Any]:
    return {"if": {"properties": {field: {"exclusiveMinimum": 0}}, "required": [field]}, "then": then}


def _true(*names: str) -> dict[str, Any]:
    return {"properties": {name: {"const": True} for name in names}, "required": list(names)}


def _days(zh: str, en: str) -> fields.Field:
    return fields.Integer(required=True, validate=validate.Range(min=0, max=3650),
                          metadata={"title": zh, "x-title-en": en})


# What happened, as registered: what the people on the spot start from.
ON_THE_SPOT = (intake("description"), intake("location"), intake("occurred_at"), intake("involved_party"))


@register("quality.verify_purchase", "核实购买凭证", "Verify the purchase", shows=[
    intake("receipt_number"), intake("occurred_at"), intake("description"), intake("amount_claimed")])
class VerifyPurchaseForm(Schema):
    sold_here = yes_no("是否本商场出售", "Sold by this mall")
    receipt_number = prefill(text("小票号", "Receipt number", required=False, max_length=60),
                             intake("receipt_number"))
    receipt_date = date("小票日期", "Receipt date", required=False, past=True)
    account_credible = yes_no("陈述是否可信", "Account is credible")
    note = text("说明", "Note", required=False, multiline=True)


@register("quality.situation", "了解现场情况并指定跟踪专人", "Assess the situation and name the case tracker",
          shows=ON_THE_SPOT)
class SituationForm(Schema):
    dispute_may_turn_violent = yes_no("争执严重，可能引发事端", "The dispute is heated and may turn violent")
    customer_unwell = yes_no("顾客已经或可能发病、受伤", "The customer is, or may be, taken ill or hurt")
    situation_note = text("现场情况（报警或急救时说明原因）", "What is happening (the reason, when calling 110 or 120)",
                          required=False, multiline=True)
    case_tracker = text("跟踪专人", "Person tracking the case", max_length=120)

    JSON_SCHEMA_EXTRA = {"allOf": [_if_true_then_said("dispute_may_turn_violent", "situation_note"),
                                   _if_true_then_said("customer_unwell", "situation_note")]}

    @validates_schema
    def _reason_for_the_call(self, data: dict[str, Any], **kwargs: Any) -> None:
        if (data["dispute_may_turn_violent"] or data["customer_unwell"]) and not _said(data.get("situation_note")):
            raise ValidationError("Say what is happening: it is the reason given for the 110 or 120 call.",
                                  "situation_note")


@register("quality.hospital", "送正规医院诊治", "Take the customer to a proper hospital", shows=[
    answer("quality.situation", "situation_note"), record("emergency_calls", "service"),
    record("emergency_calls", "called_at"), intake("location")])
class HospitalForm(Schema):
    hospital = text("医院", "Hospital", max_length=200)
    escorted_by = text("陪同人员", "Escorted by", max_length=120)
    diagnosis = text("诊断情况", "Diagnosis", required=False, multiline=True, personal=True)
    advance_needed = yes_no("需要垫付医疗费和住院费", "Medical and hospital fees need advancing")
    advance_amount = money("垫付金额（元）", "Amount to advance (¥)", required=False)

    JSON_SCHEMA_EXTRA = {"allOf": [{
        "if": {"properties": {"advance_needed": {"const": True}}, "required": ["advance_needed"]},
        "then": {"properties": {"advance_amount": {"minimum": 0.01}}, "required": ["advance_amount"]},
        "else": {"properties": {"advance_amount": {"maximum": 0}}},
    }]}

    @validates_schema
    def _advance_has_an_amount(self, data: dict[str, Any], **kwargs: Any) -> None:
        amount = data.get("advance_amount")
        if data["advance_needed"] and not _positive(amount):
            raise ValidationError("Give the amount to advance.", "advance_amount")
        if not data["advance_needed"] and _positive(amount):
            raise ValidationError("No amount when nothing is advanced.", "advance_amount")


# Forms of versions deployed before advances went through lifecycle_authorise and lifecycle_pay: complaints
# still running on those versions keep their open tasks' forms.
ADVANCE = (answer("quality.hospital", "advance_amount"), answer("quality.hospital", "hospital"),
           answer("quality.hospital", "diagnosis"))


@register("quality.advance_approval", "审批垫付医疗费", "Approve advancing medical fees", shows=ADVANCE,
          retired=True)
class AdvanceApprovalForm(Schema):
    advance_approved = yes_no("批准垫付", "Advance approved")
    approval_comments = text("审批意见", "Comments", multiline=True)


@register("quality.advance_payment", "财务垫付医疗费", "Finance advances the medical fees", shows=[
    *ADVANCE, answer("quality.advance_approval", "approval_comments")], retired=True)
class AdvancePaymentForm(Schema):
    advance_paid = yes_no("已垫付", "Advance paid")
    advance_voucher_number = text("付款凭证号", "Payment voucher number", max_length=60)


ISSUES = {
    "product_defect": ("商品质量问题", "Product quality defect"),
    "service": ("服务问题", "Service failure"),
}


@register("quality.assess", "品控部质量鉴定", "Quality assessment", shows=[
    intake("description"), intake("demand"), intake("involved_party"), intake("occurred_at"),
    answer("quality.verify_purchase", "receipt_date"), answer("quality.verify_purchase", "note")])
class QualityAssessmentForm(Schema):
    product = text("商品", "Product", max_length=200)
    issue = choice("问题类别", "Kind of problem", ISSUES)
    facts_confirmed = yes_no("投诉情况基本属实", "The facts of the complaint are confirmed")
    department_agrees = yes_no("相关部门同意认定公司责任", "The responsible department agrees the mall is liable")
    finding = text("鉴定结论", "Finding", multiline=True)
    defect_cause = text("问题原因", "Cause", required=False, multiline=True)
    injury_claim = yes_no("顾客因此受到人身伤害并索赔", "The customer was hurt by it and claims for the injury")


SUPPLIER_ACTIONS = {
    "delist": ("下架", "Delist"),
    "return": ("下架退货", "Delist and return to the supplier"),
    "claim": ("向供应商索赔", "Recover compensation from the supplier"),
    "return_and_claim": ("下架退货并索赔", "Delist, return and recover compensation"),
}
RECOVERING_ACTIONS = ("claim", "return_and_claim")  # the follow-ups that claim money back from the supplier


@register("quality.supplier", "采购部与供应商对接", "Purchasing deals with the supplier", shows=[
    answer("quality.assess", "product"), answer("quality.assess", "finding"), answer("quality.assess", "defect_cause"),
    record("investigation_reports", "findings"), record("investigation_reports", "root_cause"),
    intake("description")])
class SupplierForm(Schema):
    supplier = text("供应商", "Supplier", max_length=200)
    supplier_cause = text("供应商核实的原因", "Cause as established with the supplier", multiline=True)
    supplier_action = choice("后续处理措施", "Follow-up with the supplier", SUPPLIER_ACTIONS)
    supplier_recovery = money("向供应商追回金额（元，仅索赔时填写）",
                              "Amount recovered from the supplier (¥, with a claim only)", required=False)

    JSON_SCHEMA_EXTRA = {"allOf": [_if_positive_then("supplier_recovery", {
        "properties": {"supplier_action": {"enum": list(RECOVERING_ACTIONS)}}, "required": ["supplier_action"]})]}

    @validates_schema
    def _recovery_with_a_claim(self, data: dict[str, Any], **kwargs: Any) -> None:
        if _positive(data.get("supplier_recovery")) and data.get("supplier_action") not in RECOVERING_ACTIONS:
            raise ValidationError("An amount is recovered only with a follow-up that claims from the supplier. / "
                                  "只有向供应商索赔时才填写追回金额。", "supplier_recovery")


NUTRITION_BASIS = {
    "none": ("无", "None"),
    "hospital": ("医院证明需要增加营养", "The hospital prescribes extra nutrition"),
    "insurer": ("保险公司同意支付", "The insurer agrees to pay"),
}
INJURY_OUTCOMES = {
    "minor": ("一般伤害", "Minor injury"),
    "serious": ("严重伤害后果", "Serious harm"),
    "disability": ("残疾", "Disability"),
    "death": ("死亡", "Death"),
}
HEADS = ("medical_fees", "hospital_fees", "transport_fees", "lost_earnings", "nursing_fees", "nutrition_fees",
         "disability_death_compensation", "solatium")


@register("quality.injury_compensation", "核定人身伤害赔偿", "Assess the injury compensation", shows=[
    answer("quality.hospital", "hospital"), answer("quality.hospital", "diagnosis"),
    answer("quality.hospital", "advance_amount"), answer("quality.assess", "finding"), intake("demand"),
    intake("amount_claimed"),
    # heads sent back: legal's reasons
    answer("quality.legal_assessment", "legal_conclusion", after="quality.injury_compensation")])
class InjuryCompensationForm(Schema):
    medical_fees = money("医疗费（未垫付部分，元）", "Medical fees not yet advanced (¥)")
    hospital_fees = money("住院费（未垫付部分，元）", "Hospital fees not yet advanced (¥)")
    transport_fees = money("治疗期间交通费（元）", "Transport during treatment (¥)")
    transport_receipts = yes_no("有交通费票据", "Transport receipts provided")
    transport_reasonable = yes_no("按路途远近和伤势判定合理", "Reasonable for the distance and the injury")
    lost_earnings = money("误工费（元）", "Lost earnings (¥)")
    rest_certificate = yes_no("医院出具全休证明", "Hospital certificate of full rest")
    income_proof = yes_no("有收入证明", "Proof of income")
    nursing_fees = money("护理费（元）", "Nursing (¥)")
    nursing_certificate = yes_no("医院出具需要陪护的证明", "Hospital certificate that nursing is needed")
    nutrition_fees = money("营养费（元）", "Nutrition (¥)")
    nutrition_basis = choice("营养费依据", "Basis for nutrition", NUTRITION_BASIS)
    hospital_days = _days("住院天数", "Days in hospital")
    meal_rate = money("当地公职人员出差伙食补助标准（元/天）", "Local civil-servant travel meal rate (¥ a day)")
    injury_outcome = choice("伤害后果", "Outcome of the injury", INJURY_OUTCOMES)
    disability_death_compensation = money("残疾赔偿金或死亡赔偿金（元）", "Disability or death compensation (¥)")
    solatium = money("精神损害抚慰金（元）", "Solatium for mental distress (¥)")

    JSON_SCHEMA_EXTRA = {"allOf": [
        _if_positive_then("transport_fees", _true("transport_receipts", "transport_reasonable")),
        _if_positive_then("lost_earnings", _true("rest_certificate", "income_proof")),
        _if_positive_then("nursing_fees", _true("nursing_certificate")),
        _if_positive_then("nutrition_fees", {"properties": {"nutrition_basis": {"enum": ["hospital", "insurer"]}},
                                             "required": ["nutrition_basis"]}),
        _if_positive_then("disability_death_compensation", {
            "properties": {"injury_outcome": {"enum": ["disability", "death"]}}, "required": ["injury_outcome"]}),
        _if_positive_then("solatium", {"properties": {"injury_outcome": {"enum": ["serious", "disability", "death"]}},
                                       "required": ["injury_outcome"]}),
    ]}

    # What `_total` adds to each submission, as the form's JSON Schema describes it (x-derived).
    DERIVED = {
        "meal_allowance": {"type": "number", "title": "住院伙食补助费（元）",
                           "x-title-en": "In-hospital meal allowance (¥)", "x-currency": "CNY", "x-decimal-places": 2},
        "injury_total": {"type": "number", "title": "人身伤害赔偿合计（元）",
                         "x-title-en": "Injury compensation in total (¥)", "x-currency": "CNY", "x-decimal-places": 2},
    }

    @validates_schema
    def _each_head_has_its_basis(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, str] = {}
        if _positive(data["transport_fees"]) and not (data["transport_receipts"] and data["transport_reasonable"]):
            errors["transport_fees"] = "Transport is paid by receipts, as far as the distance and injury justify."
        if _positive(data["lost_earnings"]) and not (data["rest_certificate"] and data["income_proof"]):
            errors["lost_earnings"] = "Lost earnings need the hospital's full-rest certificate and proof of income."
        if _positive(data["nursing_fees"]) and not data["nursing_certificate"]:
            errors["nursing_fees"] = "Nursing needs the hospital's certificate that it is needed."
        if _positive(data["nutrition_fees"]) and data["nutrition_basis"] == "none":
            errors["nutrition_fees"] = "Nutrition is paid only when the hospital prescribes it or the insurer agrees."
        if _positive(data["disability_death_compensation"]) and data["injury_outcome"] not in ("disability", "death"):
            errors["disability_death_compensation"] = "Disability or death compensation needs disability or death."
        if _positive(data["solatium"]) and data["injury_outcome"] == "minor":
            errors["solatium"] = "A solatium needs serious harm, disability or death."
        if errors:
            raise ValidationError(errors)

    @post_load
    def _total(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """The in-hospital meal allowance (days × rate) and the total, which the remedy's amount must cover."""
        meal_allowance = (data["meal_rate"] * data["hospital_days"]).quantize(Decimal("0.01"))
        return {**data, "meal_allowance": meal_allowance,
                "injury_total": sum((data[head] for head in HEADS), meal_allowance)}


@register("quality.legal_assessment", "法务评估伤残赔偿和精神损害抚慰金",
          "Legal assesses disability or death compensation and the solatium", shows=[
              *(answer("quality.injury_compensation", head) for head in (
                  "injury_outcome", "disability_death_compensation", "solatium", "injury_total")),
              answer("quality.hospital", "diagnosis"), answer("quality.assess", "finding")])
class LegalAssessmentForm(Schema):
    heads_lawful = yes_no("赔偿项目和金额符合法律规定", "The heads and amounts are what the law provides")
    legal_conclusion = text("法律意见", "Legal opinion", multiline=True)
