"""Forms of the regulator_referral complaint (政府部门或消协转办): a complaint referred by a government body,
the consumer association or a court."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, validates_schema

from app.forms.fields import choice, date, text, yes_no
from app.forms.registry import register
from app.forms.shows import answer, intake, record

BODIES = {
    "government": ("政府部门", "Government department"),
    "consumer_association": ("消费者协会", "Consumer association"),
    "court": ("人民法院", "Court"),
}
# Departments senior management may designate to liaise (role ids; a court case always goes to legal).
DEPARTMENTS = {
    "duty_manager": ("当班管理人员", "Duty manager"),
    "legal": ("法务", "Legal"),
    "quality_control": ("品控部", "Quality control"),
    "risk_control": ("风险防控部", "Risk control"),
    "property_security": ("保安", "Property security"),
}
# The regulator's or court's conclusion; the first three lead to a remedy through the shared lifecycle.
OUTCOMES = {
    "mall_liable": ("认定商场承担责任", "Mall held responsible"),
    "mediated": ("调解达成协议", "Settled by mediation"),
    "mall_goodwill": ("商场主动给予补救", "Mall offers a remedy of its own accord"),
    "not_upheld": ("投诉不成立", "Complaint not upheld"),
    "withdrawn": ("顾客撤回投诉", "Customer withdrew the complaint"),
}


@register("regulator_referral.designate", "高层指定对接部门", "Senior management designate the liaising department",
          shows=[intake("description"), intake("demand"), intake("channel"), intake("involved_party"),
                 intake("occurred_at")])
class DesignateForm(Schema):
    """A court case is always handled by legal."""

    JSON_SCHEMA_EXTRA = {"allOf": [{
        "if": {"properties": {"referring_body": {"const": "court"}}, "required": ["referring_body"]},
        "then": {"properties": {"designated_department": {"const": "legal"}}},
    }]}

    referring_body = choice("转办机构", "Referred by", BODIES)
    body_name = text("机构名称", "Name of the body", max_length=200)
    referral_reference = text("转办文号或案号", "Referral or case number", required=False, max_length=120)
    reply_due = date("答复期限", "Reply due by", required=False)
    designated_department = choice("对接部门", "Designated department", DEPARTMENTS)
    instructions = text("指示", "Instructions", required=False, multiline=True)

    @validates_schema
    def court_cases_go_to_legal(self, data, **kwargs):
        if data.get("referring_body") == "court" and data.get("designated_department") != "legal":
            raise ValidationError("A court case is handled by legal.", field_name="designated_department")


class _ConclusionFields(Schema):
    evidence_submitted = yes_no("已向对方提交证据材料", "Evidence pack handed to the body")
    regulator_outcome = choice("处理结论", "Conclusion", OUTCOMES)
    regulator_conclusion = text("结论说明", "The conclusion in words", multiline=True)
    conclusion_date = date("结论日期", "Date of the conclusion", past=True)


# The liaison as opened (the case file's record) and senior management's instructions for it (a referral's, or
# the consumer association's after a vehicle claim).
LIAISON = (record("regulator_liaisons", "body"), record("regulator_liaisons", "body_name"),
           record("regulator_liaisons", "opened_at"), answer("regulator_referral.designate", "referral_reference"),
           answer("regulator_referral.designate", "reply_due"), answer("regulator_referral.designate", "instructions"),
           answer("vehicle.designate_contact", "contact_instructions"), intake("description"), intake("demand"))


@register("regulator_referral.conclusion", "对接部门报告结论", "Report the body's conclusion", shows=LIAISON)
class ConclusionForm(_ConclusionFields):
    pass


@register("regulator_referral.legal_conclusion", "法务报告结论", "Legal reports the conclusion", shows=LIAISON)
class LegalConclusionForm(_ConclusionFields):
    legal_assessment = text("法务意见", "Legal assessment", multiline=True)
