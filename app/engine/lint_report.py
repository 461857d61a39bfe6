"""The problems one lint run finds, and how an element is named in them.

Every check adds its problems here with the element they concern (its id and line come from the parsed XML), a
stable code, the message in English and Chinese, and a severity: an error refuses a deploy, a warning never does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from app.engine.xml import SPIFF_NS, DiagramProblem


@dataclass
class LintReport:
    problems: list[DiagramProblem] = field(default_factory=list)

    def add(self, message: str, node: etree._Element | None, file: str, *, code: str = "diagram_invalid",
            zh: str | None = None, severity: str = "error") -> None:
        """Add a problem of `node`: `message` in English (or in both languages when `zh` is not given)."""
        element = owning_element(node)
        self.problems.append(DiagramProblem(
            message, element_id=element.get("id") if element is not None else None,
            line=node.sourceline if node is not None else None, file=file, code=code, message_zh=zh,
            severity=severity))

    def warn(self, message: str, node: etree._Element | None, file: str, *, code: str, zh: str) -> None:
        self.add(message, node, file, code=code, zh=zh, severity="warning")


def owning_element(node: etree._Element | None) -> etree._Element | None:
    """The nearest diagram element (BPMN or DMN, not an extension) with an id."""
    while node is not None and (node.get("id") is None or etree.QName(node).namespace == SPIFF_NS):
        node = node.getparent()
    return node


def label(node: etree._Element) -> str:
    """'name' (id) of the element a node belongs to, as messages in both languages name it."""
    element = owning_element(node)
    if element is None:
        return "'<definitions>'"
    name = element.get("name")
    return f"'{name}' ({element.get('id')})" if name else f"'{element.get('id')}'"
