"""Forms of the vehicle complaint (车辆或车内财物): a vehicle, or property in it, damaged or lost in the car park.

Field names carry the vehicle case's own words so that they never collide with the lifecycle forms' fields
when the form data is merged into the workflow's task data.
"""

from __future__ import annotations

from marshmallow import Schema

from app.forms.fields import choice, confirmed, text, yes_no
from app.forms.registry import register
from app.forms.shows import answer, intake, record

INCIDENT_KINDS = {
    "parking_collision": ("停车时碰撞其他车辆", "Collision while parking"),
    "driver_dispute": ("车主之间发生纠纷", "Dispute between drivers"),
    "vehicle_damaged": ("车辆被损坏", "Vehicle found damaged"),
    "property_stolen": ("车内财物丢失", "Property stolen from the vehicle"),
    "vehicle_lost": ("车辆丢失", "Vehicle lost"),
}
OTHER_DRIVER = {
    "stopped": ("已拦住肇事车辆", "Driver who caused it was stopped"),
    "left": ("肇事车辆已离开", "Driver who caused it had left"),
    "not_applicable": ("不涉及其他车辆", "No other vehicle involved"),
}
CAR_PARK_COVER = {
    "insurer": ("停车场已投保", "The car park is insured"),
    "property_company": ("由物业管理公司负责日常管理", "A property company runs the car park"),
    "none": ("无保险、商场自行管理", "Neither: the mall runs it uninsured"),
}
CLAIM_DECISIONS = {
    "negotiate": ("同意与顾客协商赔偿", "Negotiate compensation with the customer"),
    "refuse": ("不予赔偿", "Refuse the claim"),
}
CONTACT_DEPARTMENTS = {
    "service_desk": ("服务中心", "Service desk"),
    "duty_manager": ("当班管理人员", "Duty manager"),
    "risk_control": ("风险防控部", "Risk control"),
    "legal": ("法务", "Legal"),
}



# What security found on site.
ON_SITE = (answer("vehicle.on_site", "incident_kind"), answer("vehicle.on_site", "scene_report"),
           answer("vehicle.on_site", "claim_against_mall"))


@register("vehicle.on_site", "保安/物业现场处理", "Security on site", shows=[
    intake("description"), intake("location"), intake("occurred_at"), intake("involved_party")])
class OnSiteForm(Schema):
    incident_kind = choice("事件类型", "What happened", INCIDENT_KINDS)
    parties_mediated = yes_no("已上前劝说调解", "Stepped in and mediated")
    other_driver = choice("肇事车辆", "The driver who caused it", OTHER_DRIVER)
    plate_numbers = text("涉及车牌号", "Plate numbers involved", required=False, max_length=200)
    scene_report = text("现场情况", "What security found on site", multiline=True)
    claim_against_mall = yes_no("顾客向商场索赔", "The customer claims against the mall")


@register("vehicle.check_cover", "核查停车场保险及物业合同", "Check the car park's insurance and property contract",
          shows=[*ON_SITE, intake("description"), intake("demand"), intake("amount_claimed")])
class CheckCoverForm(Schema):
    car_park_cover = choice("停车场保障方式", "How the car park is covered", CAR_PARK_COVER)
    cover_note = text("核查说明", "Note on the contract or policy", required=False, multiline=True)


@register("vehicle.refer_claim", "转交保险公司/物业公司理赔", "Refer the claim to the insurer or property company",
          shows=[answer("vehicle.check_cover", "car_park_cover"), answer("vehicle.check_cover", "cover_note"),
                 *ON_SITE, intake("amount_claimed")])
class ReferClaimForm(Schema):
    party_name = text("保险公司/物业公司名称", "Name of the insurer or property company", max_length=200)
    contract_reference = text("保单号/合同编号", "Policy or contract number", max_length=120)
    claim_file_sent = confirmed("已将索赔材料转交对方", "Claim file passed to them")


@register("vehicle.third_party_outcome", "跟进理赔结果", "Follow the claim with the insurer or property company",
          shows=[record("claim_referrals", "party"), record("claim_referrals", "party_name"),
                 record("claim_referrals", "reference"), record("claim_referrals", "referred_at")])
class ThirdPartyOutcomeForm(Schema):
    third_party_settled = yes_no("对方已按合同理赔", "They settled the claim under the contract")
    third_party_note = text("理赔情况", "How the claim was settled or why it was declined", multiline=True)


@register("vehicle.claim_decision", "高层审批车辆索赔", "Senior management decides on the vehicle claim", shows=[
    *ON_SITE, answer("vehicle.on_site", "plate_numbers"), answer("vehicle.check_cover", "car_park_cover"),
    answer("vehicle.third_party_outcome", "third_party_settled"),
    answer("vehicle.third_party_outcome", "third_party_note"),
    intake("demand"), intake("amount_claimed")])
class ClaimDecisionForm(Schema):
    claim_decision = choice("审批结论", "Decision", CLAIM_DECISIONS)
    decision_reason = text("理由", "Reason", multiline=True)


@register("vehicle.designate_contact", "指定部门对接消协", "Designate the department that deals with the consumer "
          "association", shows=[answer("vehicle.claim_decision", "claim_decision"),
                                answer("vehicle.claim_decision", "decision_reason"),
                                answer("message.consumer_association", "note"), intake("demand")])
class DesignateContactForm(Schema):
    association_name = text("消协名称", "Consumer association", max_length=200)
    designated_department = choice("指定对接部门", "Designated department", CONTACT_DEPARTMENTS)
    contact_instructions = text("处理要求", "Instructions to the department", multiline=True)
