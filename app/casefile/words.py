"""The case file's own words in Chinese and English: its headings, the audit actions of the timeline, task states
and a task's English name from the catalogue beside the diagrams."""

from __future__ import annotations

from functools import cache
from typing import Any

from app.definitions import catalogues

HEADINGS: dict[str, tuple[str, str]] = {
    "title": ("投诉案卷", "Complaint case file"),
    "number": ("投诉编号", "Complaint number"),
    "type": ("投诉类型", "Type"),
    "status": ("状态", "Status"),
    "process": ("流程版本", "Process version"),
    "registered": ("登记时间", "Registered"),
    "exported": ("导出时间", "Exported"),
    "exported_by": ("导出人", "Exported by"),
    "masked_note": ("按导出人的阅读权限，顾客联系方式已遮蔽。", "The customer's contact details are masked, as the "
                    "exporter's reading rights require."),
    "intake": ("受理记录", "Intake record"),
    "customer": ("顾客", "Customer"),
    "phone": ("电话", "Phone"),
    "email": ("电子邮箱", "Email"),
    "consent": ("同意联系", "Consents to be contacted"),
    "tasks": ("任务", "Tasks"),
    "task": ("任务", "Task"),
    "role": ("部门", "Department"),
    "done_by": ("办理人", "Done by"),
    "done_at": ("完成时间", "Done at"),
    "answers": ("填写内容", "Answers"),
    "answers_hidden": ("（按阅读权限不显示）", "(not shown under the reader's rights)"),
    "no_tasks": ("没有任务。", "No tasks."),
    "records": ("案卷记录", "Records"),
    "no_records": ("没有记录。", "No records."),
    "attachments": ("附件", "Attachments"),
    "no_attachments": ("没有附件。", "No attachments."),
    "bytes": ("字节", "bytes"),
    "uploaded": ("上传", "uploaded by"),
    "timeline": ("时间线", "Timeline"),
    "verification": ("审计链校验", "Audit chain verification"),
    "intact": ("审计链完整：共 {events} 个事件，链头哈希如下。", "The audit chain is intact: {events} events, "
               "its head hash below."),
    "broken": ("审计链断裂：第一个断点在事件 {seq}（{action}，{at}），原因：{reason}。",
               "The audit chain is broken: the first broken link is event {seq} ({action}, {at}): {reason}."),
    "head_hash": ("链头哈希", "Head hash"),
    "page": ("第 {page} 页", "Page {page}"),
}

STATES = {"completed": ("已完成", "Done"), "cancelled": ("已取消", "Cancelled"), "ready": ("待办", "Open")}

ACTIONS: dict[str, tuple[str, str]] = {
    "registered": ("登记", "registered"), "task_completed": ("任务完成", "task completed"),
    "task_claimed": ("认领任务", "task claimed"), "task_unclaimed": ("退回任务", "task given back"),
    "task_assigned": ("指派任务", "task assigned"), "cancelled": ("投诉已撤销", "complaint cancelled"),
    "withdrawn": ("顾客撤回投诉", "withdrawn by the customer"), "message_received": ("收到消息", "message received"),
    "timer_fired": ("时限已到", "time limit reached"), "incident_resolved": ("故障已处理", "incident resolved"),
    "incident": ("步骤失败", "step failed"), "attachment_added": ("添加附件", "file attached"),
    "escalation_raised": ("逾期任务已上报", "late task escalated"),
    "escalation_taken_over": ("逾期任务已接手", "late task taken over"),
    "escalation_reassigned": ("逾期任务已改派", "late task reassigned"),
    "escalation_note": ("逾期任务备注", "note on a late task"),
}
SYSTEM = ("系统", "system")
CUSTOMER = ("顾客", "the customer")


def action(name: str) -> tuple[str, str]:
    return ACTIONS.get(name) or (name.replace("_", " "),) * 2


def actor(event: dict[str, Any]) -> tuple[str, str]:
    """Who took an audited step: the user's name, or the customer or the service in words."""
    name = event.get("actor")
    if name and name != "system":
        return name, name
    return CUSTOMER if (event.get("detail") or {}).get("by") == "customer" else SYSTEM


def task_name(process_id: str | None, element_id: str | None, zh: str) -> tuple[str, str]:
    """A task's name: the row's (Chinese) and the catalogue's English, or the Chinese again without one."""
    names = _shipped(process_id or "").get(element_id or "")
    return zh, (names.get("en") if isinstance(names, dict) else None) or zh


@cache
def _shipped(process_id: str) -> dict[str, Any]:
    return catalogues.shipped(process_id)
