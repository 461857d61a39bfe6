"""Safe parsing of uploaded BPMN and DMN documents.

Diagrams are untrusted input: entity expansion, DTDs and network access are all
off, and a document that declares a DTD at all is refused, so neither an XXE
nor a "billion laughs" document gets past this point.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
}
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024


@dataclass
class DiagramProblem:
    """One thing wrong with a diagram, placed as precisely as we can."""

    message: str
    element_id: str | None = None
    line: int | None = None
    file: str | None = None

    def as_dict(self) -> dict:
        return {"message": self.message, "element_id": self.element_id, "line": self.line, "file": self.file}


class DiagramError(Exception):
    """A diagram (or set of diagrams) that cannot be deployed."""

    def __init__(self, problems: list[DiagramProblem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def parse_document(content: bytes | str, filename: str) -> etree._Element:
    """Parse one uploaded document and return its root element."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise DiagramError([DiagramProblem(f"{filename} is larger than 2 MB.", file=filename)])
    if not content.strip():
        raise DiagramError([DiagramProblem(f"{filename} is empty.", file=filename)])
    if b"<!DOCTYPE" in content.upper() or b"<!ENTITY" in content.upper():
        raise DiagramError(
            [DiagramProblem(f"{filename} declares a DTD; diagrams may not declare DTDs or entities.", file=filename)]
        )
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        problem = DiagramProblem(f"{filename} is not well-formed XML: {exc.msg}", line=line, file=filename)
        raise DiagramError([problem]) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise DiagramError(
            [DiagramProblem(f"{filename} declares a DTD; diagrams may not declare DTDs or entities.", file=filename)]
        )
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise DiagramError([DiagramProblem(f"{filename} uses XML entities, which are not allowed.", file=filename)])
    return root


def document_kind(root: etree._Element) -> str:
    """'bpmn' or 'dmn', from the root element's namespace; anything else is refused."""
    namespace = etree.QName(root).namespace
    if namespace == BPMN_NS and etree.QName(root).localname == "definitions":
        return "bpmn"
    if namespace in DMN_NAMESPACES and etree.QName(root).localname == "definitions":
        return "dmn"
    raise DiagramError(
        [DiagramProblem("The document is neither BPMN 2.0 nor DMN: its root must be a <definitions> element.")]
    )
