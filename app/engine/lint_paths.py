"""Deploy-time check that every element of a diagram lies on a path from a start event to an end event.

An element no path from a start reaches never runs; an element from which no end can be reached leaves the case
stuck there for ever (a loop is fine as long as some way leads out of it). Both are errors. An element that is
not reached is not judged again for its way out: connecting it comes first.
"""

from __future__ import annotations

from lxml import etree

from app.engine.lint_graph import scopes
from app.engine.lint_report import LintReport, label


def lint_paths(process: etree._Element, file: str, report: LintReport) -> None:
    for graph in scopes(process):
        reached, ending = graph.reachable_from_start(), graph.reaching_an_end()
        for nid, node in graph.nodes.items():
            if nid not in reached:
                report.add(f"{label(node)} cannot be reached from a start event: no path of sequence flows leads "
                           "to it from a start. Connect it, or remove it.", node, file, code="unreachable",
                           zh=f"{label(node)} 无法从开始事件到达：没有任何顺序流路径从开始通向它。请连接它，或删除它。")
            elif nid not in ending:
                report.add(f"No end event can be reached from {label(node)}: every path from it stops or goes round "
                           "without a way out, and the case would be stuck there. Add a sequence flow towards an end "
                           "event.", node, file, code="no_end_reachable",
                           zh=f"从 {label(node)} 出发无法到达任何结束事件：每条路径都会中断，或在没有出口的循环里打转，"
                              "案件会停在那里。请添加通向结束事件的顺序流。")
