"""Exporting a complaint's case file: gathered for the viewer, rendered, packed if asked, and the export logged
among the reads of personal data. Generated for each request and never stored."""

from __future__ import annotations

from dataclasses import dataclass

from app.casefile import archive, contents, pdf, reads
from app.users.models import User


@dataclass
class Export:
    data: bytes
    filename: str
    mimetype: str


def export(complaint_id: int, viewer: User, lang: str = "zh", fmt: str = "pdf") -> Export:
    """The case file as a PDF in `lang`, or (fmt "zip") a ZIP of the PDF, the attachments and their manifest."""
    case = contents.gather(complaint_id, viewer)
    number = case.complaint["number"]
    pdf_name = f"case-file-{number}-{lang}.pdf"
    document = pdf.render(case, lang)
    if fmt == "zip":
        result = Export(archive.build(case, document, pdf_name, viewer), f"case-file-{number}-{lang}.zip",
                        "application/zip")
    else:
        result = Export(document, pdf_name, "application/pdf")
    reads.record(viewer, case.complaint, "case_file")
    return result
