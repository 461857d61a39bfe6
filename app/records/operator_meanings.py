"""What each service-task operator does (those of app/records, and app/escalations' `escalate`), and each of
its parameters, in Chinese and English.

The process owners' workbench offers these beside the operator's name: an owner picks an operator and
fills in its parameters knowing what each one is for. A parameter is a restricted expression, so text is
quoted ('...') and a form field or earlier result is named as it is. Every operator and parameter must be
described here (a test checks them against the operators' signatures).
"""

from __future__ import annotations

Words = tuple[str, str]  # (Chinese, English)

# operator -> (what it does, {parameter: what it is})
MEANINGS: dict[str, tuple[Words, dict[str, Words]]] = {
    "notify": (("通知顾客或某个岗位（经发件箱发送）", "Notify the customer or a role (sent through the outbox)"), {
        "recipient": ("收件人：'customer'（顾客）或岗位编号，如 'senior_management'",
                      "Who is told: 'customer' or a role id such as 'senior_management'"),
        "subject": ("通知标题", "The notice's subject line"),
        "body": ("通知正文（可不填）", "The notice's text (optional)"),
        "template": ("消息模板名称（可不填；默认为通用通知）",
                     "The message template to use (optional; the plain notice by default)"),
        "subject_en": ("英文标题（流程的翻译目录中没有此步骤的消息时填写）",
                       "The subject in English (when the diagram's catalogue has no message for this step)"),
        "body_en": ("英文正文（同上）", "The text in English (likewise)"),
    }),
    "request_payment": (("提交请款单（请款）", "File a payment request"), {
        "amount": ("金额（元）", "The amount in yuan"),
        "purpose": ("用途，如 'refund'、'compensation'", "What it pays for, such as 'refund' or 'compensation'"),
        "payee": ("收款人（默认为顾客）", "Who is paid (the customer by default)"),
    }),
    "decide_payment": (("记录审批权限对请款的决定", "Record the authority's decision on a payment request"), {
        "payment_request_id": ("请款单编号（请款步骤的结果）", "The payment request's id (from the request step)"),
        "approved": ("是否批准（True/False）", "Whether it is approved (True or False)"),
        "role": ("作出决定的岗位", "The role that decided"),
        "note": ("说明（可不填）", "A note (optional)"),
    }),
    "pay_payment": (("财务付款：凭证号与顾客索赔单随款项存档",
                     "Finance pays: the voucher and signed claim form go with it"), {
        "payment_request_id": ("已批准的请款单编号", "The approved payment request's id"),
        "voucher_number": ("付款凭证号", "The payment voucher's number"),
        "claim_form": ("顾客签字的索赔单（附件编号）", "The customer's signed claim form (its attachment)"),
    }),
    "withdraw_offers": (("撤回顾客尚未接受的方案", "Withdraw the offers the customer has not accepted"), {}),
    "record_emergency_call": (("记录报警（110）或呼叫救护车（120）",
                               "Record a call to the police (110) or an ambulance (120)"), {
        "service": ("拨打的号码：'110' 或 '120'", "The number called: '110' or '120'"),
        "reason": ("拨打原因", "Why it was called"),
    }),
    "record_supplier_action": (("将质量问题交采购部处理供应商",
                                "Hand a quality finding to purchasing for the supplier"), {
        "product": ("涉及的商品", "The product concerned"),
        "action": ("对供应商的处理，如下架、退货、索赔", "What is done with the supplier: delist, return, claim"),
        "note": ("说明（可不填）", "A note (optional)"),
        "recovered": ("向供应商追回的金额（元，可不填；进账，不是付款）",
                      "The amount recovered from the supplier (¥, optional; money coming in, not a payment)"),
    }),
    "record_investigation": (("存档投诉调查报告", "File the investigation report"), {
        "findings": ("调查结论", "What the investigation found"),
        "lead": ("调查负责人（默认为完成此步骤的人）", "Who led it (by default whoever took this step)"),
        "complex_case": ("是否为复杂案件（True/False）", "Whether the case is complex (True or False)"),
        "root_cause": ("根本原因（可不填）", "The root cause (optional)"),
    }),
    "record_decision": (("存档投诉处理决定书", "File the decision on the complaint"), {
        "remedy": ("处理方式，如退款、换货、赔偿", "The remedy: refund, exchange, compensation…"),
        "amount": ("金额（元）", "The amount in yuan"),
        "decided_by_role": ("作出决定的岗位编号", "The role id that decided"),
        "note": ("说明（可不填）", "A note (optional)"),
        "payment_request_id": ("相关请款单编号（可不填）", "The payment request it goes with (optional)"),
    }),
    "archive_case": (("结案归档（至少保存三年）", "Archive the closed case (kept at least three years)"), {
        "summary": ("案件摘要（可不填）", "A summary of the case (optional)"),
    }),
    "register_lost_property": (("登记顾客丢失物品", "Enter the loss in the lost-property register"), {
        "item_description": ("丢失物品的描述", "What was lost"),
        "place": ("丢失地点", "Where it was lost"),
        "suspect_description": ("可疑人员描述（可不填）", "A description of a suspect (optional)"),
    }),
    "record_cctv_viewing": (("记录受控的监控录像查看", "Record a controlled CCTV viewing"), {
        "police_case_number": ("查看所依据的警方案件编号", "The police case the viewing is for"),
        "note": ("说明（可不填）", "A note (optional)"),
    }),
    "refer_claim": (("将索赔转交保险公司或物业公司", "Pass a claim to the insurer or the property company"), {
        "party": ("转交对象：'insurer' 或 'property_company'", "To whom: 'insurer' or 'property_company'"),
        "party_name": ("对方名称", "Their name"),
        "reference": ("对方的受理编号（可不填）", "Their reference (optional)"),
    }),
    "open_regulator_liaison": (("建立与监管部门、消协或法院的对接，并整理证据材料",
                                "Open the liaison with a regulator, the consumer association or a court, "
                                "with an evidence pack"), {
        "body": ("对方类型：'government'、'consumer_association' 或 'court'",
                 "The body: 'government', 'consumer_association' or 'court'"),
        "body_name": ("对方名称", "The body's name"),
        "designated_department": ("负责对接的部门（岗位编号）", "The department that liaises (a role id)"),
    }),
    "record_regulator_conclusion": (("记录对方的处理结论", "Record the body's conclusion on the liaison"), {
        "regulator_liaison_id": ("对接记录编号（建立对接的结果）", "The liaison's id (from opening it)"),
        "outcome": ("结论类型", "The outcome"),
        "conclusion": ("结论内容", "The conclusion in words"),
        "concluded_on": ("作出结论的日期", "The day it was given"),
    }),
    "record_legal_opinion": (("存档法务意见", "File legal's opinion"), {
        "topic": ("评估事项", "What was assessed"),
        "conclusion": ("结论", "The conclusion"),
        "liability": ("商场是否须承担责任（True/False）", "Whether the mall is liable (True or False)"),
    }),
    "remind_task": (("时限将到时提醒任务所属岗位和认领人",
                     "Remind the open task's role and assignee before a limit runs out"), {
        "element_id": ("要提醒的任务的元素编号", "The element id of the task to remind about"),
        "limit": ("时限名称", "The name of the time limit"),
    }),
    "escalate": (("任务超时，逐级上报", "Escalate a late task to the next level up"), {
        "element_id": ("超时任务的元素编号", "The element id of the late task"),
        "limit": ("超出的时限名称", "The name of the limit it missed"),
        "to": ("上报给：'duty_manager'（当班管理人员）或 'senior_management'（公司高层）",
               "To whom: 'duty_manager' or 'senior_management'"),
    }),
}
