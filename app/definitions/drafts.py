"""Process owners' drafts: unfinished edits saved on the server as the owner works, never lost.

A draft belongs to one owner and one process key. It holds the XML and the catalogue entries (names and
instructions in Chinese and English), the version it was based on and a revision. Every save names the
revision it was read at: a save from a stale copy (the same draft saved meanwhile from another tab) is a
409 saying what the other save changed, and so is any save or deploy once a version of the process later than
the draft's base, with different content, has been deployed since the draft was started: the 409 names that
version, who deployed it, when, and what it changed. A save that names the newer version as its base keeps the owner's
draft on top of it. A draft is not a version and runs nothing: its XML is parsed with the same hardened
parser as a deploy, and only deploying it (through the same service as the API's deploy, lint included)
makes a version.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.database import begin_write
from app.definitions import catalogues, compare
from app.definitions import service as definitions
from app.definitions.choices import require_editor
from app.definitions.draft_models import ProcessDraft
from app.definitions.draft_schemas import DraftDeploySchema, DraftNewSchema, DraftSaveSchema
from app.definitions.models import ProcessDefinition
from app.engine.lint import NS
from app.engine.xml import DiagramError, document_kind, parse_document
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.payloads import load
from app.timeutil import isoformat, utcnow
from app.users.models import User

TEMPLATE = Path(__file__).resolve().parent / "new_process.bpmn"  # its names are beside it, new_process.json
TEMPLATE_KEY = "new_process"
KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,119}")  # a BPMN process id that fits the key column


def _refuse(error: type[Exception], en: str, zh: str, **extra: Any) -> Exception:
    return error(en, messages={"zh": zh, "en": en}, **extra)


# --- reading ---------------------------------------------------------------------------------------------

def list_mine(user: User) -> list[dict[str, Any]]:
    """The caller's drafts, most recently saved first."""
    require_editor(user)
    rows = db.session.scalars(select(ProcessDraft).where(ProcessDraft.owner_id == user.id)
                              .order_by(ProcessDraft.updated_at.desc(), ProcessDraft.id.desc())).all()
    return [_summary(row) for row in rows]


def get_mine(key: str, user: User) -> dict[str, Any]:
    require_editor(user)
    return {**_summary(row := _draft(key, user)), "xml": row.source, "catalogue": row.catalogue}


def editor_state(key: str, version: int | None, user: User) -> dict[str, Any]:
    """What the editor opens: the caller's draft of `key` (if any) and the version asked for (else the
    active one, else the latest) with its catalogue."""
    require_editor(user)
    draft = _find(key, user)
    versions = _versions(key)
    if not versions and draft is None:
        raise _refuse(NotFound, f"There is no process '{key}' and no draft of it.",
                      f"没有流程“{key}”，也没有它的草稿。")
    shown = None
    if version is not None:
        shown = next((v for v in versions if v.version == version), None)
        if shown is None:
            raise _refuse(NotFound, f"Process '{key}' has no version {version}.", f"流程“{key}”没有第 {version} 版。")
    elif versions:
        shown = next((v for v in versions if v.active), versions[-1])
    return {
        "key": key,
        "draft": {**_summary(draft), "xml": draft.source, "catalogue": draft.catalogue} if draft else None,
        "version": {"version": shown.version, "active": shown.active, "xml": shown.source,
                    "catalogue": catalogues.of_version(shown, key)} if shown else None,
        "latest_version": versions[-1].version if versions else None,
        "active_version": next((v.version for v in versions if v.active), None),
    }


# --- saving ----------------------------------------------------------------------------------------------

def save(key: str, payload: Any, user: User) -> dict[str, Any]:
    """Create or update the caller's draft of `key` from the revision the payload was read at."""
    require_editor(user)
    if not KEY.fullmatch(key):
        raise _refuse(Invalid, "A process key is a letter or _ followed by letters, digits, _, . or -, at most 120.",
                      "流程编号以字母或 _ 开头，后接字母、数字、_、. 或 -，最多 120 个字符。",
                      errors={"key": ["Not a key."]})
    data = load(DraftSaveSchema(), payload)
    _check_xml(key, data["xml"])
    begin_write()
    row = _find(key, user)
    if data["revision"] == 0:
        if row is not None:
            raise _changed(row, data["xml"])
        base = _check_base(key, data["base_version"])
        if base is None:  # a new process: someone may have deployed one with this key meanwhile
            _check_newer(key, None, None)
        row = ProcessDraft(owner_id=user.id, key=key, source=data["xml"], catalogue=data["catalogue"],
                           revision=1, base_version=base, created_at=utcnow(), updated_at=utcnow())
        db.session.add(row)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            raise _changed(_draft(key, user), data["xml"]) from None
    else:
        if row is None:
            raise _missing(key)
        if row.revision != data["revision"]:
            raise _changed(row, data["xml"])
        base = row.base_version
        if data["base_version"] is not None and (base is None or data["base_version"] > base):
            base = _check_base(key, data["base_version"])
        _check_newer(key, base, row.created_at)
        updated = db.session.execute(update(ProcessDraft).where(
            ProcessDraft.id == row.id, ProcessDraft.revision == data["revision"]).values(
            source=data["xml"], catalogue=data["catalogue"], base_version=base, revision=data["revision"] + 1,
            updated_at=utcnow()))
        if updated.rowcount != 1:  # saved by another request between the read and this update
            db.session.rollback()
            raise _changed(_draft(key, user), data["xml"])
        db.session.expire(row)
    db.session.commit()
    return get_mine(key, user)


def discard(key: str, user: User) -> None:
    require_editor(user)
    begin_write()
    _draft(key, user)
    db.session.execute(delete(ProcessDraft).where(ProcessDraft.owner_id == user.id, ProcessDraft.key == key))
    db.session.commit()


def start_new(payload: Any, user: User) -> dict[str, Any]:
    """A draft of a new process from the template (the shared lifecycle call activities in place)."""
    require_editor(user)
    data = load(DraftNewSchema(), payload)
    key = data["key"]
    if _versions(key):
        raise _refuse(Conflict, f"A process '{key}' is already deployed: edit it instead.",
                      f"流程“{key}”已经部署，请直接编辑它。", reason="draft_changed")
    if _find(key, user) is not None:
        return get_mine(key, user)
    xml = TEMPLATE.read_text(encoding="utf-8").replace(TEMPLATE_KEY, key)
    root = parse_document(xml, f"{key}.bpmn")
    for process in root.iterfind("bpmn:process", NS):
        process.set("name", data["name_zh"])
    for participant in root.iterfind(".//bpmn:participant", NS):
        participant.set("name", data["name_zh"])
    catalogue = {key: {"zh": data["name_zh"], "en": data["name_en"]}}
    for participant in root.iterfind(".//bpmn:participant", NS):
        catalogue[participant.get("id")] = dict(catalogue[key])
    names = json.loads(TEMPLATE.with_suffix(".json").read_text(encoding="utf-8"))
    catalogue.update({element: entry for element, entry in names.items() if element != TEMPLATE_KEY})
    source = etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")
    return save(key, {"xml": source, "catalogue": catalogue, "revision": 0, "base_version": None}, user)


# --- deploying -------------------------------------------------------------------------------------------

def deploy(key: str, payload: Any, user: User) -> dict[str, Any]:
    """Deploy the caller's draft as the next version (not active yet); lint errors refuse it (422).

    The version keeps the draft's catalogue and the draft is gone; a draft identical to an existing
    version gives that version (`created` false)."""
    require_editor(user)
    data = load(DraftDeploySchema(), payload)
    row = _draft(key, user)
    if row.revision != data["revision"]:
        raise _changed(row, row.source)
    _check_newer(key, row.base_version, row.created_at)
    source, catalogue = row.source, dict(row.catalogue)
    try:
        deployed = definitions.deploy([(f"{key}.bpmn", source.encode("utf-8"))], user, activate=False)
    except DiagramError as exc:
        found = problems_of(exc)
        raise _refuse(Invalid, f"The draft has {len(found)} errors: fix them before deploying.",
                      f"草稿有 {len(found)} 个错误，请改正后再部署。", problems=found,
                      errors=[problem.as_dict() for problem in exc.problems]) from None
    result = next(r for r in deployed if r.definition.kind == "bpmn" and r.definition.key == key)
    begin_write()
    definition = db.session.get(ProcessDefinition, result.definition.id)
    if result.created:
        catalogues.keep(definition, catalogue)
    db.session.execute(delete(ProcessDraft).where(ProcessDraft.owner_id == user.id, ProcessDraft.key == key,
                                                  ProcessDraft.revision == data["revision"]))
    db.session.commit()
    return {"key": key, "version": definition.version, "created": result.created, "active": definition.active}


def problems_of(error: DiagramError) -> list[dict[str, Any]]:
    """A refused diagram's problems as the lint lists them: severity, code, where, and the message in both
    languages."""
    return [{"severity": getattr(p, "severity", "error"), "code": getattr(p, "code", "diagram_invalid"),
             "file": p.file, "element_id": p.element_id, "line": p.line,
             "message": {"zh": getattr(p, "message_zh", None) or p.message, "en": p.message}} for p in error.problems]


def name_of(state: dict[str, Any]) -> dict[str, str]:
    """The process's name in both languages, as the editor's state holds it (the draft's, else the version's)."""
    if state["draft"]:
        return state["draft"]["name"]
    entry = (state["version"] or {}).get("catalogue", {}).get(state["key"])
    return entry if isinstance(entry, dict) else {"zh": state["key"], "en": state["key"]}


# --- checks ----------------------------------------------------------------------------------------------

def _check_xml(key: str, xml: str) -> etree._Element:
    """The draft's XML, parsed as a deploy parses it: BPMN, holding the process `key`."""
    try:
        root = parse_document(xml, f"{key}.bpmn")
        document_kind(root)
    except DiagramError as exc:
        en = exc.problems[0].message if exc.problems else "The diagram cannot be read."
        raise _refuse(Invalid, f"The draft is not a BPMN diagram this service can read: {en}",
                      f"草稿不是本系统能读取的 BPMN 流程图：{en}",
                      errors={"xml": [p.message for p in exc.problems]}) from None
    if not any(process.get("id") == key for process in root.iterfind("bpmn:process", NS)):
        raise _refuse(Invalid, f"The diagram holds no process with the id '{key}'.",
                      f"流程图中没有编号为“{key}”的流程。", errors={"xml": [f"No process '{key}'."]})
    return root


def _check_base(key: str, base: int | None) -> int | None:
    if base is None:
        return None
    if not any(v.version == base for v in _versions(key)):
        raise _refuse(Invalid, f"Process '{key}' has no version {base} to build on.",
                      f"流程“{key}”没有可作为基础的第 {base} 版。", errors={"base_version": ["No such version."]})
    return base


def _check_newer(key: str, base: int | None, started: datetime | None) -> None:
    """A 409 when a version later than the base, with other content, was deployed after the draft was started
    (`started`; None: any). A re-deploy onto new shared subprocesses keeps the XML and is not a change of this
    process; a version the owner already knew of when starting the draft from an older one is no news."""
    versions = _versions(key)
    base_row = next((v for v in versions if v.version == base), None)
    newer = [v for v in versions if (base is None or v.version > base)
             and (started is None or v.deployed_at > started)
             and (base_row is None or v.source_sha256 != base_row.source_sha256)]
    if not newer:
        return
    latest = newer[-1]
    deployer = db.session.get(User, latest.deployed_by_id) if latest.deployed_by_id else None
    who = deployer.username if deployer else None
    before = parse_document(base_row.source, f"{key}.bpmn") if base_row is not None else None
    changes = compare.conflict_lines(before, parse_document(latest.source, f"{key}.bpmn"))
    by_en, by_zh = (f" by {who}", f"由 {who} ") if who else (" from the command line", "从命令行")
    raise _refuse(Conflict,
                  f"Version {latest.version} of '{key}' was deployed{by_en} at {isoformat(latest.deployed_at)}, "
                  f"after your draft was started from {f'version {base}' if base else 'nothing'}.",
                  f"在您的草稿开始编辑之后，“{key}”的第 {latest.version} 版已于 {isoformat(latest.deployed_at)} "
                  f"{by_zh}部署。",
                  reason="newer_version", version=latest.version, deployed_by=who,
                  deployed_at=isoformat(latest.deployed_at), changes=changes)


def _changed(row: ProcessDraft, yours: str) -> Exception:
    """A 409: the draft was saved meanwhile (another tab); what that save holds that this copy does not."""
    changes = compare.conflict_lines(_parsed_or_none(yours, row.key), parse_document(row.source, f"{row.key}.bpmn"))
    return _refuse(Conflict,
                   f"Your draft of '{row.key}' was saved meanwhile from elsewhere (revision {row.revision}, "
                   f"{isoformat(row.updated_at)}).",
                   f"您的“{row.key}”草稿已在别处保存（第 {row.revision} 次修订，{isoformat(row.updated_at)}）。",
                   reason="draft_changed", revision=row.revision, updated_at=isoformat(row.updated_at),
                   changes=changes)


def _missing(key: str) -> Exception:
    return _refuse(Conflict, f"Your draft of '{key}' was deployed or discarded meanwhile.",
                   f"您的“{key}”草稿已在别处部署或放弃。", reason="draft_missing")


def _parsed_or_none(xml: str, key: str) -> etree._Element | None:
    try:
        return parse_document(xml, f"{key}.bpmn")
    except DiagramError:
        return None


# --- rows ------------------------------------------------------------------------------------------------

def _find(key: str, user: User) -> ProcessDraft | None:
    return db.session.scalars(select(ProcessDraft).where(ProcessDraft.owner_id == user.id,
                                                         ProcessDraft.key == key)).first()


def _draft(key: str, user: User) -> ProcessDraft:
    row = _find(key, user)
    if row is None:
        raise _refuse(NotFound, f"You have no draft of '{key}'.", f"您没有“{key}”的草稿。")
    return row


def _versions(key: str) -> list[ProcessDefinition]:
    return list(db.session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.kind == "bpmn", ProcessDefinition.key == key).order_by(ProcessDefinition.version)))


def _summary(row: ProcessDraft) -> dict[str, Any]:
    entry = row.catalogue.get(row.key) if isinstance(row.catalogue, dict) else None
    name = {"zh": row.key, "en": row.key}
    if isinstance(entry, dict):
        name = {"zh": entry.get("zh") or row.key, "en": entry.get("en") or entry.get("zh") or row.key}
    return {"key": row.key, "name": name, "revision": row.revision, "base_version": row.base_version,
            "created_at": row.created_at, "updated_at": row.updated_at}
