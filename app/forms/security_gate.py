"""Forms of the security_gate complaint (报警系统或截停): a customer stopped when an exit gate alarmed."""

from __future__ import annotations

from marshmallow import Schema

from app.forms.fields import choice, confirmed, text, yes_no
from app.forms.registry import register
from app.forms.shows import answer, intake

# What the footage shows caused the alarm; the diagram's gateways read this one field.
ALARM_FINDINGS = {
    "demagnetiser_missed": ("误报：收银未消磁", "False alarm: the tag was not deactivated at the till"),
    "equipment_fault": ("误报：报警设备故障", "False alarm: the gate equipment misfired"),
    "unpaid_goods_settled": ("报警属实：携带未付款商品，已补付或归还",
                             "Alarm right: unpaid goods, since paid for or returned"),
    "theft_not_cooperating": ("有充分证据偷拿商品且拒不配合",
                              "Clear evidence of theft and the person will not cooperate"),
}



@register("security_gate.statement", "记录顾客陈述及资料", "Record the customer's statement and materials", shows=[
    intake("description"), intake("location"), intake("occurred_at"), intake("involved_party"), intake("demand")])
class StatementForm(Schema):
    exit_location = text("报警出口", "Exit where the gate alarmed", max_length=120)
    customer_statement = text("顾客陈述", "Customer's statement", multiline=True)
    materials = text("顾客提供的资料", "Materials the customer provided (receipt, bag contents, photos, witnesses)",
                     multiline=True)
    receipt_presented = yes_no("顾客出示购物小票", "Customer showed the till receipt")
    dignity_claim = yes_no("顾客称人格尊严受到伤害", "Customer says their dignity was harmed")
    statement_confirmed = confirmed("记录已向顾客复述并经确认", "Record read back to and confirmed by the customer")


@register("security_gate.footage_review", "风险防控部查看录像", "Risk control reviews the footage", shows=[
    answer("security_gate.statement", "exit_location"), answer("security_gate.statement", "customer_statement"),
    answer("security_gate.statement", "receipt_presented"), intake("description"), intake("location"),
    intake("occurred_at")])
class FootageReviewForm(Schema):
    footage_reviewed = confirmed("已查看事发时的录像", "Footage of the event reviewed")
    account_of_events = text("事件经过", "What happened", multiline=True)
    alarm_finding = choice("核查结论", "Finding", ALARM_FINDINGS)
    staff_conduct = text("员工处理过程", "How staff handled the stop", required=False, multiline=True)


@register("security_gate.dignity_assessment", "法务评估人格尊严主张", "Legal assesses the dignity claim", shows=[
    answer("security_gate.statement", "customer_statement"), answer("security_gate.statement", "dignity_claim"),
    answer("security_gate.footage_review", "account_of_events"),
    answer("security_gate.footage_review", "alarm_finding"),
    answer("security_gate.footage_review", "staff_conduct"), intake("demand")])
class DignityAssessmentForm(Schema):
    handled_lawfully = yes_no("员工处理合法（未搜身、未扣留）", "Staff acted lawfully (no search, no detention)")
    handled_privately = yes_no("未在公开场所扩大影响", "Handled out of public view, nothing spread")
    facts_truthful = yes_no("未捏造事实、未损害顾客名誉", "Nothing made up, the customer's name not damaged")
    legal_conclusion = text("法律意见", "Legal opinion", multiline=True)
