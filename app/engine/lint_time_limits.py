"""Deploy-time warning for a user task without a time limit.

A task's due time is its boundary timer on a named limit, `sla("…")` (app/engine/instance.py): without one the
task has no due time in the inbox, is never overdue and nothing escalates it. A warning: some tasks are meant to
wait as long as they take.
"""

from __future__ import annotations

from lxml import etree

from app.engine.instance import DUE_EXPRESSION_PREFIX
from app.engine.lint_report import LintReport, label
from app.engine.xml import BPMN_NS


def lint_time_limits(process: etree._Element, file: str, report: LintReport) -> None:
    limited = {event.get("attachedToRef") for event in process.iter(f"{{{BPMN_NS}}}boundaryEvent")
               if any((timer.text or "").strip().startswith(DUE_EXPRESSION_PREFIX)
                      for timer in event.iter(f"{{{BPMN_NS}}}timeDate", f"{{{BPMN_NS}}}timeDuration"))}
    for task in process.iter(f"{{{BPMN_NS}}}userTask", f"{{{BPMN_NS}}}manualTask"):
        if task.get("id") not in limited:
            report.warn(f"User task {label(task)} has no time limit: no timer on its boundary uses a named limit "
                        '(sla("…")), so it has no due time in the inbox and nothing escalates it when it is late. '
                        'Add a boundary timer such as sla("feedback").', task, file, code="no_time_limit",
                        zh=f"用户任务 {label(task)} 没有时限：其边界上没有使用命名时限（sla(\"…\")）的定时器，"
                           "因此在待办中没有到期时间，超时也不会上报。请添加边界定时器，例如 sla(\"feedback\")。")
