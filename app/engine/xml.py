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
    """One thing wrong with a diagram, placed as precisely as we can: `message` in English, `message_zh` in
    Chinese, a stable `code`, and its severity (an error refuses a deploy, a warning never does)."""

    message: str
    element_id: str | None = None
    line: int | None = None
    file: str | None = None
    code: str = "diagram_invalid"
    message_zh: str | None = None
    severity: str = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_dict(self) -> dict:
        """As a deploy's 422 lists it: the message in English, then in Chinese."""
        message = f"{self.message} / {self.message_zh}" if self.message_zh else self.message
        return {"message": message, "code": self.code, "element_id": self.element_id, "line": self.line,
                "file": self.file}


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
        raise _refused("document_too_large", f"{filename} is larger than 2 MB.", f"{filename} 超过 2 MB。", filename)
    if not content.strip():
        raise _refused("document_empty", f"{filename} is empty.", f"{filename} 是空的。", filename)
    if b"<!DOCTYPE" in content.upper() or b"<!ENTITY" in content.upper():
        raise _dtd(filename)
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as exc:
        raise _refused("xml_malformed", f"{filename} is not well-formed XML: {exc.msg}",
                       f"{filename} 不是格式正确的 XML：{exc.msg}", filename, exc.lineno or None) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise _dtd(filename)
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise _refused("xml_entities", f"{filename} uses XML entities, which are not allowed.",
                           f"{filename} 使用了 XML 实体，这是不允许的。", filename)
    return root


def _refused(code: str, message: str, message_zh: str, filename: str | None, line: int | None = None) -> DiagramError:
    return DiagramError([DiagramProblem(message, line=line, file=filename, code=code, message_zh=message_zh)])


def _dtd(filename: str) -> DiagramError:
    return _refused("xml_dtd", f"{filename} declares a DTD; diagrams may not declare DTDs or entities.",
                    f"{filename} 声明了 DTD：流程图不得声明 DTD 或实体。", filename)


def document_kind(root: etree._Element) -> str:
    """'bpmn' or 'dmn', from the root element's namespace; anything else is refused."""
    namespace = etree.QName(root).namespace
    if namespace == BPMN_NS and etree.QName(root).localname == "definitions":
        return "bpmn"
    if namespace in DMN_NAMESPACES and etree.QName(root).localname == "definitions":
        return "dmn"
    raise _refused("not_bpmn_or_dmn", "The document is neither BPMN 2.0 nor DMN: its root must be a <definitions> "
                   "element.", "该文档既不是 BPMN 2.0 也不是 DMN：其根元素必须是 <definitions>。", None)
