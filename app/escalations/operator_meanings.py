"""What the `escalate` operator does and each of its parameters, in Chinese and English (see
app/records/operator_meanings.py, which describes the other operators alike)."""

from __future__ import annotations

from app.records.operator_meanings import Words

MEANINGS: dict[str, tuple[Words, dict[str, Words]]] = {
    "escalate": (("任务超时，逐级上报", "Escalate a late task to the next level up"), {
        "element_id": ("超时任务的元素编号", "The element id of the late task"),
        "limit": ("超出的时限名称", "The name of the limit it missed"),
        "to": ("上报给：'duty_manager'（当班管理人员）或 'senior_management'（公司高层）",
               "To whom: 'duty_manager' or 'senior_management'"),
    }),
}
