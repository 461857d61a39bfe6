"""Forms of the conflict complaint (顾客冲突): customers in conflict with each other or with staff."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, validates_schema

from app.forms.fields import choice, text, yes_no
from app.forms.registry import register
from app.forms.shows import answer, intake, record

INJURY = {
    "none": ("无人受伤", "Nobody is hurt"),
    "hurt": ("有人受伤或身体不适", "Someone is hurt or unwell"),
    "hurt_ambulance": ("有人受伤，需呼叫120急救", "Someone is hurt and needs an ambulance (120)"),
}


NOT_BLANK = r"\S"  # a text a rule requires must say something


def _said(value: Any) -> bool:
    return isinstance(value, str) and re.search(NOT_BLANK, value) is not None


def _said_when(flag: str, value: bool, field: str) -> dict[str, Any]:
    """JSON Schema: when `flag` is `value`, `field` must be given and say something."""
    return {"if": {"properties": {flag: {"const": value}}, "required": [flag]},
            "then": {"properties": {field: {"type": "string", "pattern": NOT_BLANK}}, "required": [field]}}


# The conflict as the duty manager found it on the spot.
ON_THE_SPOT = (answer("conflict.separate", "parties_account"), answer("conflict.separate", "injury"),
               answer("conflict.separate", "calm_place"))
CALLS = (record("emergency_calls", "service"), record("emergency_calls", "reason"))


@register("conflict.separate", "劝至适当地方协调", "Separate the parties and mediate somewhere calm", shows=[
    intake("description"), intake("location"), intake("occurred_at"), intake("involved_party")])
class SeparateForm(Schema):
    calm_place = text("协调地点", "Where the parties were taken", max_length=200)
    parties_account = text("冲突经过", "What happened", multiline=True)
    staff_involved = yes_no("商场员工是冲突一方", "A member of staff is a party to the conflict")
    injury = choice("伤情", "Injuries", INJURY)
    conflict_calmed = yes_no("经协调冲突已平息", "The conflict calmed down after mediation")


@register("conflict.wait_for_police", "劝另一方等候警察", "Ask the other party to wait for the police",
          shows=[*ON_THE_SPOT, *CALLS])
class WaitForPoliceForm(Schema):
    JSON_SCHEMA_EXTRA = {"allOf": [_said_when("other_party_stayed", False, "other_party_description")]}

    other_party_stayed = yes_no("另一方同意留下等候警察", "The other party agreed to wait for the police")
    other_party_description = text("另一方体貌特征及离开方向", "Description of the other party and where they went",
                                   required=False, max_length=1000, multiline=True, personal=True)

    @validates_schema
    def description_when_gone(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["other_party_stayed"] is False and not _said(data.get("other_party_description")):
            raise ValidationError("Describe the other party for the police when they did not stay.",
                                  "other_party_description")


@register("conflict.injured_care", "照看伤者", "Look after the injured customer", shows=[*ON_THE_SPOT, *CALLS])
class InjuredCareForm(Schema):
    injury_description = text("伤情描述", "Injuries", multiline=True, personal=True)
    family_advised = yes_no("已建议伤者联系家属", "Suggested the customer contact their family")
    family_consent = yes_no("伤者同意由商场员工联系其家属", "The customer consents to staff contacting their family")
    serious_injury = yes_no("伤势较重，需要到医院诊治", "Injuries need treatment in hospital")


@register("conflict.contact_family", "联系伤者家属", "Contact the injured customer's family", shows=[
    answer("conflict.injured_care", "injury_description"), answer("conflict.injured_care", "family_consent"),
    *CALLS, intake("customer"), intake("location")])
class ContactFamilyForm(Schema):
    family_reached = yes_no("已联系上家属", "Family reached")
    family_relation = text("家属与顾客的关系", "Relation to the customer", max_length=60, personal=True)
    family_arrangement = text("与家属商定的安排", "What was agreed with the family", required=False, multiline=True,
                              personal=True)


@register("conflict.hospital", "陪同就医", "Accompany the customer to hospital", shows=[
    answer("conflict.injured_care", "injury_description"), answer("conflict.injured_care", "serious_injury"),
    answer("conflict.contact_family", "family_arrangement"), *CALLS])
class HospitalForm(Schema):
    hospital_name = text("医院名称", "Hospital", max_length=200)
    escort = text("陪同员工", "Accompanying staff", max_length=120)
    treatment = text("诊治情况", "Treatment", required=False, multiline=True, personal=True)
    medical_receipts_kept = yes_no("已保留医疗费用单据", "Medical receipts kept")


@register("conflict.employee_support", "协助涉事员工", "Support the employee involved", shows=[
    answer("conflict.separate", "parties_account"), answer("conflict.separate", "staff_involved"),
    intake("involved_party")])
class EmployeeSupportForm(Schema):
    employee_account_taken = yes_no("已听取员工陈述", "Employee's account taken")
    support_given = text("向员工提供的协助", "Support given to the employee", multiline=True)


@register("conflict.police_report", "向当地派出所报案", "Report to the local police station", shows=[
    *CALLS, record("emergency_calls", "called_at"), answer("conflict.wait_for_police", "other_party_stayed"),
    answer("conflict.wait_for_police", "other_party_description"), intake("location"), intake("occurred_at"),
    intake("description")])
class PoliceReportForm(Schema):
    police_station = text("派出所", "Police station", max_length=120)
    police_case_number = text("报案回执编号", "Police case number", required=False, max_length=60)
    police_attended = yes_no("民警已到场处理", "Police attended")
    handed_to_police = text("移交警方的情况", "What was handed over to the police", required=False, multiline=True)


@register("conflict.summary", "现场处置小结", "On-site summary", shows=[
    *ON_THE_SPOT, answer("conflict.police_report", "police_station"),
    answer("conflict.police_report", "police_case_number"), answer("conflict.hospital", "treatment"),
    answer("conflict.employee_support", "support_given"), intake("demand")])
class SummaryForm(Schema):
    JSON_SCHEMA_EXTRA = {"allOf": [_said_when("legal_advice_needed", True, "legal_question")]}

    site_summary = text("现场处置情况", "How it was handled on site", multiline=True)
    remedy_demanded = yes_no("顾客要求商场处理或赔偿", "The customer asks the mall for a remedy")
    legal_advice_needed = yes_no("需要咨询法律意见", "Legal advice needed")
    legal_question = text("咨询的法律问题", "Question for legal", required=False, max_length=1000, multiline=True)

    @validates_schema
    def question_when_advice_needed(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["legal_advice_needed"] and not _said(data.get("legal_question")):
            raise ValidationError("Say what legal should advise on.", "legal_question")


@register("conflict.legal_advice", "法律咨询", "Legal advice", shows=[
    answer("conflict.summary", "legal_question"), answer("conflict.summary", "site_summary"),
    answer("conflict.summary", "remedy_demanded"), answer("conflict.separate", "parties_account"),
    answer("conflict.separate", "staff_involved"), intake("demand")])
class LegalAdviceForm(Schema):
    legal_conclusion = text("法律意见", "Legal opinion", multiline=True)
    mall_liable = yes_no("商场负有法律责任", "The mall is legally liable")
