"""The case file in words, in Chinese and English: record kinds, their fields and the codes they hold, the
complaint's own fields, and the labelled item every page and the task context show a value as.

An item is `{"name", "label": {"zh", "en"}, "kind", "value", "value_label"}`. `kind` says how to show `value`
(`money` in yuan, `datetime` in the mall's zone, `date`, `number`, `text`, `attachments` as links) and
`value_label` gives a coded value in words (`choice`, `choices`, `role`, `yes_no`), so that no page shows a raw
key, an ISO timestamp or `False`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.complaint_types import CHANNELS
from app.forms.lifecycle import REMEDIES
from app.forms.quality import SUPPLIER_ACTIONS
from app.forms.regulator_referral import BODIES, OUTCOMES
from app.notifications import texts
from app.timeutil import isoformat
from app.users.roles import ROLES

ITEM_KINDS = ("text", "number", "money", "date", "datetime", "yes_no", "choice", "choices", "role", "attachments")
YES_NO = {True: ("是", "Yes"), False: ("否", "No")}

Options = Mapping[str, tuple[str, str]] | Callable[[Any], tuple[str, str] | None]


@dataclass(frozen=True)
class Label:
    """A field's name in both languages, how its value is shown, and the words for its codes (`options`)."""

    zh: str
    en: str
    kind: str = "text"
    options: Options | None = None
    convert: Callable[[Any], Any] | None = None  # the stored value as the item's value


def pair(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def item(name: str, label: Label, value: Any, words: tuple[str, str] | None = None) -> dict[str, Any]:
    """A labelled value (see the module's docstring); `value` as stored, converted by its label; `words`: the
    value in both languages where it has them (a notification's text)."""
    if label.convert is not None:
        value = label.convert(value)
    if label.kind == "money" and isinstance(value, Decimal | str):
        value = float(value)
    if isinstance(value, datetime):
        value = isoformat(value)
    elif isinstance(value, date):
        value = value.isoformat()
    return {"name": name, "label": pair(label.zh, label.en), "kind": label.kind, "value": value,
            "value_label": pair(*words) if words else value_words(label.kind, value, label.options)}


def value_words(kind: str, value: Any, options: Options | None = None) -> dict[str, str] | None:
    """A coded value in words (None where the value is its own words)."""
    if kind == "yes_no":
        return pair(*YES_NO[bool(value)])
    if kind == "role":
        return pair(*ROLES[value]) if value in ROLES else None
    if kind == "choice":
        words = _option(options, value)
        return pair(*words) if words else None
    if kind == "choices":
        words = [_option(options, v) or (str(v), str(v)) for v in value or []]
        return pair("、".join(w[0] for w in words), ", ".join(w[1] for w in words))
    return None


def _option(options: Options | None, value: Any) -> tuple[str, str] | None:
    if options is None:
        return None
    if callable(options):
        return options(value)
    return options.get(str(value))


def _recipient(value: Any) -> tuple[str, str] | None:
    """A notification's recipient: the customer, a role, or one user (`user:NAME`)."""
    text = str(value)
    if text == "customer":
        return ("顾客", "The customer")
    if text in ROLES:
        return ROLES[text]
    if text.startswith("user:"):
        return (text[5:], text[5:])
    return None


PURPOSES: dict[str, tuple[str, str]] = {
    **REMEDIES,
    "medical_advance": ("垫付医疗费", "Medical fees advanced"),
    "re_review": ("复核追加", "Added after the re-review"),
}
PAYEES = {"customer": ("顾客", "The customer")}  # otherwise the payee's name (the hospital)
PAYMENT_STATES = {
    "requested": ("待审批", "Awaiting approval"),
    "approved": ("已批准", "Approved"),
    "paid": ("已付款", "Paid"),
    "refused": ("不予批准", "Refused"),
    "cancelled": ("已取消", "Cancelled"),
}
DECISION_STATES = {"standing": ("有效", "Standing"), "withdrawn": ("已撤回", "Withdrawn")}
EMERGENCY_SERVICES = {"110": ("110 报警", "110, the police"), "120": ("120 急救", "120, an ambulance")}
REFERRAL_PARTIES = {"insurer": ("保险公司", "Insurer"), "property_company": ("物业公司", "Property company")}
LEGAL_TOPICS = {
    "injury_compensation": ("人身伤害赔偿", "Injury compensation"),
    "dignity": ("人格尊严主张", "Dignity claim"),
    "court": ("法院案件", "Court case"),
    "regulator": ("监管机构转办", "Regulator referral"),
}

RECORD_KINDS: dict[str, tuple[str, str]] = {
    "notifications": ("通知", "Notifications"),
    "emergency_calls": ("报警及急救电话", "Calls to 110 and 120"),
    "payment_requests": ("请款", "Payment requests"),
    "supplier_actions": ("供应商处理", "Supplier actions"),
    "investigation_reports": ("投诉调查报告", "Investigation reports"),
    "decisions": ("投诉处理决定书", "Decisions"),
    "archive_records": ("归档", "Archive"),
    "lost_property_entries": ("顾客丢失物品登记表", "Lost-property register"),
    "cctv_viewings": ("监控调阅", "CCTV viewings"),
    "claim_referrals": ("转交理赔", "Claims referred on"),
    "regulator_liaisons": ("对接监管机构", "Liaison with a regulator"),
    "legal_opinions": ("法律意见", "Legal opinions"),
}

_WHEN = Label("时间", "When", "datetime")

# Each kind's fields as the case file shows them, in order. Columns not named here are bookkeeping (ids, the
# notification's template and its parameters) and are not shown.
RECORD_FIELDS: dict[str, dict[str, Label]] = {
    "notifications": {
        "recipient": Label("收件人", "To", "choice", _recipient),
        "subject": Label("主题", "Subject"),
        "body": Label("内容", "Text"),
        "created_at": Label("发出时间", "Sent", "datetime"),
        "delivered_at": Label("送达时间", "Delivered", "datetime"),
    },
    "emergency_calls": {
        "service": Label("电话", "Called", "choice", EMERGENCY_SERVICES),
        "reason": Label("原因", "Reason"),
        "called_by": Label("拨打人", "Called by"),
        "called_at": Label("拨打时间", "Called at", "datetime"),
    },
    "payment_requests": {
        "amount": Label("金额", "Amount", "money"),
        "purpose": Label("用途", "Purpose", "choice", PURPOSES),
        "payee": Label("收款方", "Payee", "choice", PAYEES),
        "status": Label("状态", "Status", "choice", PAYMENT_STATES),
        "requested_by": Label("申请人", "Requested by"),
        "requested_at": Label("申请时间", "Requested at", "datetime"),
        "authorised_by": Label("审批人", "Decided by"),
        "authorised_by_role": Label("审批层级", "Authority level", "role"),
        "authorised_at": Label("审批时间", "Decided at", "datetime"),
        "authorisation_note": Label("审批意见", "Approver's comments"),
        "voucher_number": Label("付款凭证号", "Voucher number"),
        "claim_form": Label("顾客索赔单", "Signed claim form"),
        "paid_by": Label("付款人", "Paid by"),
        "paid_at": Label("付款时间", "Paid at", "datetime"),
        "cancelled_at": Label("取消时间", "Cancelled at", "datetime"),
        "cancel_reason": Label("取消原因", "Why cancelled"),
    },
    "supplier_actions": {
        "product": Label("商品", "Product"),
        "action": Label("措施", "Action", "choice", SUPPLIER_ACTIONS),
        "note": Label("说明", "Note"),
        "recovered_amount": Label("追回金额", "Amount recovered", "money"),
        "created_at": Label("记录时间", "Recorded at", "datetime"),
    },
    "investigation_reports": {
        "lead": Label("负责人", "Led by"),
        "complex_case": Label("复杂或跨部门", "Complex or cross-department", "yes_no"),
        "findings": Label("调查经过", "Findings"),
        "root_cause": Label("根本原因", "Root cause"),
        "created_at": Label("提交时间", "Filed at", "datetime"),
    },
    "decisions": {
        "remedy": Label("处理方式", "Remedy", "choice", REMEDIES),
        "amount": Label("金额", "Amount", "money"),
        "status": Label("状态", "Status", "choice", DECISION_STATES),
        "decided_by": Label("决定人", "Decided by"),
        "decided_by_role": Label("决定层级", "Authority level", "role"),
        "note": Label("方案说明", "Explanation"),
        "payment_request_id": Label("请款单", "Payment request", convert=lambda v: f"#{v}"),
        "decided_at": Label("决定时间", "Decided at", "datetime"),
    },
    "archive_records": {
        "archived_at": Label("归档时间", "Archived at", "datetime"),
        "retain_until": Label("保存至", "Kept until", "date"),
        "summary": Label("摘要", "Summary"),
    },
    "lost_property_entries": {
        "item_description": Label("物品", "Item"),
        "place": Label("地点", "Place"),
        "suspect_description": Label("可疑人员", "Suspect"),
        "registered_at": Label("登记时间", "Registered at", "datetime"),
    },
    "cctv_viewings": {
        "police_case_number": Label("警方案件编号", "Police case number"),
        "viewed_by": Label("调阅人", "Viewed by"),
        "note": Label("调阅情况", "What was found"),
        "viewed_at": Label("调阅时间", "Viewed at", "datetime"),
    },
    "claim_referrals": {
        "party": Label("转交对象", "Referred to", "choice", REFERRAL_PARTIES),
        "party_name": Label("名称", "Name"),
        "reference": Label("保单号或合同编号", "Policy or contract number"),
        "referred_at": Label("转交时间", "Referred at", "datetime"),
    },
    "regulator_liaisons": {
        "body": Label("机构", "Body", "choice", BODIES),
        "body_name": Label("机构名称", "Name of the body"),
        "designated_department": Label("对接部门", "Designated department", "role"),
        "evidence_pack": Label("证据材料（件）", "Evidence items", "number", convert=lambda v: len(v or [])),
        "opened_at": Label("开始对接", "Opened at", "datetime"),
        "outcome": Label("结论", "Conclusion", "choice", OUTCOMES),
        "conclusion": Label("结论说明", "The conclusion in words"),
        "concluded_on": Label("结论日期", "Date of the conclusion", "date"),
        "concluded_at": Label("结论记录时间", "Conclusion recorded at", "datetime"),
    },
    "legal_opinions": {
        "topic": Label("事项", "Topic", "choice", LEGAL_TOPICS),
        "conclusion": Label("法律意见", "Opinion"),
        "liability": Label("商场负有责任", "The mall is liable", "yes_no"),
        "given_by": Label("提出人", "Given by"),
        "given_at": Label("时间", "Given at", "datetime"),
    },
}
HIDDEN_COLUMNS = {"id", "complaint_id", "recipient_role", "channel", "template", "params"}

# The complaint as registered, by the names the task context uses (`complaint.<field>`).
COMPLAINT_FIELDS: dict[str, Label] = {
    "description": Label("投诉内容", "What happened"),
    "demand": Label("顾客诉求", "What the customer wants"),
    "amount_claimed": Label("索赔金额", "Amount claimed", "money"),
    "receipt_number": Label("小票号", "Receipt number"),
    "occurred_at": Label("发生时间", "When it happened", "datetime"),
    "location": Label("地点", "Where"),
    "involved_party": Label("涉及的员工或商户", "Staff or merchant involved"),
    "channel": Label("受理渠道", "Channel", "choice", CHANNELS),
    "customer": Label("顾客", "Customer"),
}
# Workflow variables the diagrams' own steps set (`workflow.<name>`).
WORKFLOW_VARIABLES: dict[str, Label] = {
    "approver": Label("审批权限（由谁批准）", "Authority level (who approves)", "role"),
}


def describe_record(kind: str, record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A record's fields as labelled items, in the case file's order; empty fields left out."""
    words = _notification_texts(record) if kind == "notifications" else {}
    return [item(f"{kind}.{name}", label, record[name], words.get(name))
            for name, label in RECORD_FIELDS.get(kind, {}).items() if record.get(name) not in (None, "", [])]


def _notification_texts(record: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """A notification's subject and body in both languages, from its message template (as the feed shows it)."""
    written = (record.get("subject") or "", record.get("body") or "")
    zh, en = (texts.render_stored(record.get("template"), record.get("params"), lang, written) for lang in ("zh", "en"))
    return {"subject": (zh[0], en[0]), "body": (zh[1], en[1])}


def describe_records(records: Mapping[str, list[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """The case file as the complaint page shows it: each kind that has records, named, with its records'
    labelled fields."""
    return [{"kind": kind, "label": pair(*RECORD_KINDS.get(kind, (kind, kind))),
             "records": [{"id": row.get("id"), "fields": describe_record(kind, row)} for row in rows]}
            for kind, rows in records.items() if rows]
