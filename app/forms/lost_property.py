"""Forms of the lost_property complaint (财物丢失或损坏).

Field names are prefixed or specific enough not to collide with the lifecycle forms' fields, because form data is
merged into the workflow's task data by name. The diagram's gateways read `loss_kind`, `item_found`,
`cctv_requested`, `media_enquiry` and `claim_made`; the claims table (processes/lost_property_claims.dmn) reads
`damage_cause`, `locker_item` and `claimed_amount`.
"""

from __future__ import annotations

from marshmallow import Schema

from app.forms.fields import choice, confirmed, money, text, yes_no
from app.forms.registry import register
from app.forms.shows import answer, intake, prefill, record

LOSS_KINDS = {
    "snatched": ("被抢劫或抢夺", "Snatched or robbed"),
    "stolen": ("被盗（事后发现）", "Stolen (noticed afterwards)"),
    "misplaced": ("遗失", "Misplaced"),
    "locker": ("存包柜内物品丢失", "Lost from a locker"),
    "damaged": ("财物损坏", "Damaged"),
}


DAMAGE_CAUSES = {
    "mall": ("商场设施、商品或员工造成", "The mall's facilities, goods or staff"),
    "customer": ("顾客自身原因", "The customer's own doing"),
    "third_party": ("第三方造成", "Another person"),
    "not_established": ("原因不明或不涉及损坏", "Not established, or nothing was damaged"),
}


# The loss as the service desk recorded it.
LOSS = (answer("lost_property.report", "loss_kind"), answer("lost_property.report", "item_summary"))


@register("lost_property.report", "登记丢失或损坏情况", "Record the loss or damage", shows=[
    intake("description"), intake("location"), intake("occurred_at"), intake("demand")])
class ReportForm(Schema):
    loss_kind = choice("发生了什么", "What happened", LOSS_KINDS)
    item_summary = text("物品简述", "The item, briefly", max_length=500)
    report_note = text("补充说明", "Further details", required=False, multiline=True)


@register("lost_property.thief", "询问抢夺者特征", "Ask for the thief's description", shows=[
    *LOSS, intake("location"), intake("occurred_at")])
class ThiefDescriptionForm(Schema):
    thief_height = text("身高", "Height", max_length=60, personal=True)
    thief_age = text("年龄", "Age", max_length=60, personal=True)
    thief_complexion = text("肤色", "Complexion", max_length=60, personal=True)
    thief_clothing = text("衣服样式和颜色", "Clothing, style and colour", max_length=500, personal=True)
    thief_hair = text("头发", "Hair", max_length=200, personal=True)
    thief_eyes = text("眼睛", "Eyes", max_length=200, personal=True)
    thief_direction = text("逃离方向", "Which way they went", required=False, max_length=200)
    staff_reminded = confirmed("已提醒在场员工：在保证自身安全的前提下协助，不得限制他人人身自由",
                               "Staff on the spot reminded: help only while safe, never detain anyone")


@register("lost_property.exit_check", "赶到出口了解情况", "At the exits: get the details", shows=[
    *LOSS, *(answer("lost_property.thief", name) for name in (
        "thief_height", "thief_age", "thief_complexion", "thief_clothing", "thief_hair", "thief_eyes",
        "thief_direction")), intake("description"), intake("location"), intake("occurred_at")])
class ExitCheckForm(Schema):
    bag_features = text("包（物品）的特征", "What the bag or item looks like", max_length=1000)
    lost_place = text("丢失的具体地点", "Exactly where it was lost", max_length=200)
    suspect_features = text("可疑人员特征（无则填“无”）", "Suspect's description (\"none\" if none)",
                            max_length=1000, personal=True)
    bag_contents = text("包内主要物品", "Main contents", max_length=1000, personal=True)
    exits_watched = yes_no("已在出口留意可疑人员", "Exits watched for the suspect")
    phone_offered = yes_no("已向顾客提供电话以便自行报警", "Phone offered so the customer can call the police")


@register("lost_property.search", "查找结果", "Search", shows=[
    answer("lost_property.exit_check", "bag_features"), answer("lost_property.exit_check", "lost_place"),
    answer("lost_property.exit_check", "bag_contents"), answer("lost_property.exit_check", "suspect_features"),
    intake("location")])
class SearchForm(Schema):
    searched_areas = text("查找范围", "Where was searched", max_length=1000)
    item_found = yes_no("已找到", "Found")
    cctv_requested = yes_no("顾客要求查看监控录像", "Customer asks to see the CCTV footage")


@register("lost_property.return_item", "归还顾客", "Return to the customer", shows=[
    *LOSS, answer("lost_property.exit_check", "bag_contents"), intake("customer")])
class ReturnForm(Schema):
    owner_verified = confirmed("已核实失主身份", "Owner verified")
    contents_checked = yes_no("顾客已当面清点物品无缺", "Customer checked the contents: nothing missing")
    return_note = text("归还说明", "Note on the return", required=False, multiline=True)


@register("lost_property.cctv", "配合警方调阅监控", "CCTV viewing with the police", shows=[
    answer("lost_property.exit_check", "lost_place"), answer("lost_property.exit_check", "suspect_features"),
    answer("lost_property.search", "searched_areas"), record("lost_property_entries", "registered_at"),
    intake("occurred_at")])
class CctvForm(Schema):
    police_case_number = text("警方案件编号（接报回执号）", "Police case number", max_length=60)
    police_present = confirmed("民警参与调阅", "The police take part in the viewing")
    viewing_note = text("调阅情况", "What was viewed and found", multiline=True)


@register("lost_property.demands", "了解顾客诉求", "The customer's demands", shows=[
    *LOSS, answer("lost_property.search", "item_found"), intake("demand"), intake("amount_claimed")])
class DemandsForm(Schema):
    claim_made = yes_no("顾客提出赔偿要求", "The customer claims compensation")
    media_enquiry = yes_no("有媒体问询本事件", "The media have asked about this case")
    demands_note = text("顾客诉求说明", "What the customer asks for", required=False, multiline=True)


@register("lost_property.claim", "核定索赔要求", "Assess the claim", shows=[
    *LOSS, answer("lost_property.demands", "demands_note"), record("investigation_reports", "findings"),
    record("investigation_reports", "root_cause"), intake("amount_claimed"), intake("demand")])
class ClaimForm(Schema):
    damage_cause = choice("调查认定的损坏原因", "Cause of the damage, as the investigation found", DAMAGE_CAUSES)
    locker_item = yes_no("物品存放在存包柜内", "The item was in a locker")
    claimed_amount = prefill(money("索赔金额（元）", "Amount claimed (¥)"), intake("amount_claimed"))
    claim_details = text("索赔物品及金额依据", "Items claimed and how the amount was arrived at", multiline=True)
