"""Forms of the product-quality complaint (商品质量和服务投诉)."""

from __future__ import annotations

from marshmallow import Schema

from app.forms.fields import choice, date, money, text, yes_no
from app.forms.registry import register

REMEDIES = {
    "refund": ("退款", "Refund"),
    "exchange": ("换货", "Exchange"),
    "repair": ("维修", "Repair"),
    "compensation": ("赔偿", "Compensation"),
    "apology": ("道歉", "Apology only"),
}


@register("quality.verify_purchase", "核实购买凭证", "Verify the purchase")
class VerifyPurchaseForm(Schema):
    sold_here = yes_no("是否本商场出售", "Sold by this mall")
    receipt_number = text("小票号", "Receipt number", required=False, max_length=60)
    receipt_date = date("小票日期", "Receipt date", required=False)
    account_credible = yes_no("陈述是否可信", "Account is credible")
    note = text("说明", "Note", required=False, multiline=True)


@register("quality.assess", "品控部质量鉴定", "Quality assessment")
class QualityAssessmentForm(Schema):
    product = text("商品", "Product", max_length=200)
    defect_confirmed = yes_no("质量问题属实", "Defect confirmed")
    department_agrees = yes_no("责任部门同意", "Responsible department agrees")
    finding = text("鉴定结论", "Finding", multiline=True)


@register("quality.remedy", "确定处理方案", "Decide the remedy")
class RemedyForm(Schema):
    remedy = choice("处理方式", "Remedy", REMEDIES)
    amount = money("金额（元）", "Amount (¥)")
    explanation = text("方案说明", "Explanation to the customer", multiline=True)


@register("quality.pay", "财务付款", "Pay the customer")
class PaymentForm(Schema):
    paid = yes_no("已付款", "Paid")
    voucher_number = text("付款凭证号", "Payment voucher number", max_length=60)
    claim_form_signed = yes_no("顾客已签署索赔单", "Customer signed the claim form")
