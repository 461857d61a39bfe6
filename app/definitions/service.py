"""Deploying diagram versions, activating them, and compiling them once for running.

A deploy takes one or more BPMN/DMN files, lints them, resolves every call
activity and decision table (in the upload, else the active deployed version),
and stores an immutable version per key whose identity is its content plus the
versions it resolved. Identical content returns the existing version. When a
shared subprocess or table changes, the active processes that use it are
re-deployed onto it, so new complaints follow the change while running ones
keep the version they started on.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass

from lxml import etree
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.database import begin_write
from app.definitions.models import ProcessDefinition
from app.engine.dataflow import KnownWrites, known_writes
from app.engine.lint import NS, Vocabulary, forms_by_process, lint_bpmn, lint_dmn, reads_by_decision
from app.engine.specs import CompiledProcess, Document, compile_process, parse_documents, process_ids
from app.engine.xml import DiagramError, DiagramProblem, document_kind, parse_document
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.forms import fields_choosing_from, form_fields, form_keys
from app.records.operators import operator_names, parameter_choices
from app.timers.limits import FUNCTION_NAMES
from app.timeutil import utcnow
from app.users.models import User
from app.users.permissions import DEFINITION_READERS, require
from app.users.roles import lane_names


@dataclass
class DeployedVersion:
    definition: ProcessDefinition
    created: bool

    def as_dict(self) -> dict:
        d = self.definition
        return {"key": d.key, "version": d.version, "kind": d.kind, "created": self.created, "active": d.active}


@dataclass
class _Upload:
    filename: str
    source: bytes
    document: Document

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.source).hexdigest()


def vocabulary() -> Vocabulary:
    roles = lane_names()
    return Vocabulary(
        roles=roles,
        form_keys=form_keys(),
        role_fields=fields_choosing_from(frozenset(roles.values())),
        form_fields=form_fields(),
        operators=operator_names(),
        parameter_choices=parameter_choices(),
        functions=FUNCTION_NAMES,
        known_processes=frozenset(_active_keys("bpmn")),
        known_decisions=frozenset(_active_keys("dmn")),
    )


def _active_keys(kind: str) -> list[str]:
    return list(db.session.scalars(
        select(ProcessDefinition.key).where(ProcessDefinition.kind == kind, ProcessDefinition.active.is_(True))
    ))


def _active(kind: str, key: str) -> ProcessDefinition | None:
    return db.session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.kind == kind, ProcessDefinition.key == key,
                                        ProcessDefinition.active.is_(True))
    ).first()


def _parse_upload(filename: str, content: bytes) -> _Upload:
    root = parse_document(content, filename)
    try:
        kind = document_kind(root)
    except DiagramError as exc:
        for problem in exc.problems:
            problem.file = filename
        raise
    return _Upload(filename, content, Document(filename, kind, root))


def _decision_ids(root: etree._Element) -> list[str]:
    return [node.get("id") for node in root.iter() if isinstance(node.tag, str)
            and etree.QName(node).localname == "decision" and node.get("id")]


def _references(root: etree._Element) -> set[tuple[str, str]]:
    """(kind, key) of every call activity and decision table a BPMN document uses."""
    refs = {("bpmn", node.get("calledElement")) for node in root.iterfind(".//bpmn:callActivity", NS)
            if node.get("calledElement")}
    for node in root.iterfind(".//bpmn:businessRuleTask/bpmn:extensionElements/spiffworkflow:calledDecisionId", NS):
        if (node.text or "").strip():
            refs.add(("dmn", node.text.strip()))
    return refs


def _process_references(root: etree._Element, process_id: str) -> set[tuple[str, str]]:
    process = root.find(f"bpmn:process[@id='{process_id}']", NS)
    return _references(process) if process is not None else set()


def deploy(files: list[tuple[str, bytes]], actor: User | None, activate: bool = True) -> list[DeployedVersion]:
    """Deploy files; raise DiagramError (422) listing every problem found. `actor` None is the command line."""
    if actor is not None:
        require(actor, {"process_owner"}, "deploy diagrams")
    if not files:
        raise Invalid("Send at least one .bpmn or .dmn document.")
    uploads = [_parse_upload(name, content) for name, content in files]
    if activate:
        uploads += _dependents_to_redeploy(uploads)
    owners = _owners(uploads)
    vocab = vocabulary()
    uploaded_processes = {key for kind, key in owners if kind == "bpmn"}
    uploaded_decisions = {key for kind, key in owners if kind == "dmn"}
    problems: list[DiagramProblem] = []
    forms_of, decision_reads = _forms_of(uploads), _decision_reads(uploads, vocab.functions)
    known = _known_writes(uploads, vocab)
    for upload in uploads:
        if upload.document.kind == "bpmn":
            problems += lint_bpmn(upload.document.root, upload.filename, vocab, uploaded_processes, uploaded_decisions,
                                  forms_of, decision_reads, known)
        else:
            problems += lint_dmn(upload.document.root, upload.filename, vocab.functions)
    if problems:
        raise DiagramError(problems)

    external = _resolve_external(uploads, owners)
    parser = parse_documents(_unique_documents([u.document for u in uploads] +
                                               [_stored_document(d) for d in external.values()]))
    roles = lane_names()
    for kind, key in owners:
        if kind == "bpmn":
            compile_process(parser, key, roles)  # raises DiagramError on anything SpiffWorkflow refuses

    begin_write()
    results = _store_versions(uploads, owners, external, actor, activate)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("Another deploy of the same process happened at the same moment; send it again.") from None
    return results


def _owners(uploads: list[_Upload]) -> dict[tuple[str, str], _Upload]:
    """(kind, key) -> the upload that defines it; a key defined twice is refused."""
    owners: dict[tuple[str, str], _Upload] = {}
    for upload in uploads:
        root = upload.document.root
        keys = ([("bpmn", pid) for pid in process_ids(root)] if upload.document.kind == "bpmn"
                else [("dmn", did) for did in _decision_ids(root)])
        for key in keys:
            if key in owners and owners[key].sha256 != upload.sha256:
                raise DiagramError([DiagramProblem(
                    f"'{key[1]}' is defined in both {owners[key].filename} and {upload.filename}.",
                    element_id=key[1], file=upload.filename)])
            owners[key] = upload
    return owners


def _dependents_to_redeploy(uploads: list[_Upload]) -> list[_Upload]:
    """Active processes (not uploaded) that use a key being deployed, transitively."""
    changed = set(_owners(uploads))
    uploaded_hashes = {u.sha256 for u in uploads}
    extra: list[_Upload] = []
    active_bpmn = db.session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.kind == "bpmn", ProcessDefinition.active.is_(True))).all()
    grew = True
    while grew:
        grew = False
        for definition in active_bpmn:
            if ("bpmn", definition.key) in changed:
                continue
            uses = {(dep["kind"], dep["key"]) for dep in definition.dependencies}
            if uses & changed:
                changed.add(("bpmn", definition.key))
                grew = True
                source = definition.source.encode("utf-8")
                if hashlib.sha256(source).hexdigest() not in uploaded_hashes:
                    uploaded_hashes.add(hashlib.sha256(source).hexdigest())
                    extra.append(_parse_upload(definition.filename, source))
    return extra


def _resolve_external(uploads: list[_Upload], owners: dict) -> dict[tuple[str, str], ProcessDefinition]:
    """Active versions of every key the upload uses but does not define, transitively."""
    resolved: dict[tuple[str, str], ProcessDefinition] = {}
    pending = set()
    for upload in uploads:
        if upload.document.kind == "bpmn":
            pending |= _references(upload.document.root)
    while pending:
        ref = pending.pop()
        if ref in owners or ref in resolved:
            continue
        definition = _active(*ref)
        if definition is None:  # the lint has already reported it; be safe anyway
            raise DiagramError([DiagramProblem(f"'{ref[1]}' is neither in this upload nor deployed.")])
        resolved[ref] = definition
        if definition.kind == "bpmn":
            pending |= _references(parse_document(definition.source, definition.filename))
    return resolved


def _forms_of(uploads: list[_Upload]) -> dict[str, set[str]]:
    """Process key -> the forms its user tasks fill in: the uploaded version, else the active one."""
    active = db.session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.kind == "bpmn", ProcessDefinition.active.is_(True))).all()
    return {**forms_by_process([_stored_document(d).root for d in active]),
            **forms_by_process([u.document.root for u in uploads if u.document.kind == "bpmn"])}


def _decision_reads(uploads: list[_Upload], functions) -> dict[str, set[str]]:
    """Decision id -> what its inputs read: the uploaded table, else the active one."""
    active = db.session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.kind == "dmn", ProcessDefinition.active.is_(True))).all()
    return {**reads_by_decision([_stored_document(d).root for d in active], functions),
            **reads_by_decision([u.document.root for u in uploads if u.document.kind == "dmn"], functions)}


def _known_writes(uploads: list[_Upload], vocab: Vocabulary) -> KnownWrites:
    """What every process and decision table writes and needs: the uploaded version, else the active one."""
    active = db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.active.is_(True))).all()
    return known_writes([_stored_document(d).root for d in active] + [u.document.root for u in uploads],
                        vocab.form_fields, vocab.functions)


def _stored_document(definition: ProcessDefinition) -> Document:
    return Document(definition.filename, definition.kind, parse_document(definition.source, definition.filename))


def _unique_documents(documents: list[Document]) -> list[Document]:
    seen: set[bytes] = set()
    unique = []
    for document in documents:
        fingerprint = hashlib.sha256(etree.tostring(document.root)).digest()
        if fingerprint not in seen:
            seen.add(fingerprint)
            unique.append(document)
    return unique


def _store_versions(uploads, owners, external, actor, activate) -> list[DeployedVersion]:
    """Create (or find) a version per uploaded key, dependencies first."""
    versions: dict[tuple[str, str], ProcessDefinition] = dict(external)
    results: list[DeployedVersion] = []
    for ref in _dependency_order(owners):
        upload = owners[ref]
        kind, key = ref
        direct = _process_references(upload.document.root, key) if kind == "bpmn" else set()
        closure = _closure(direct, versions)
        dependencies = [{"kind": d.kind, "key": d.key, "version": d.version, "id": d.id}
                        for d in sorted(closure, key=lambda d: (d.kind, d.key))]
        identity = hashlib.sha256(
            upload.source + json.dumps([[d["kind"], d["key"], d["version"]] for d in dependencies]).encode()
        ).hexdigest()
        existing = db.session.scalars(select(ProcessDefinition).where(
            ProcessDefinition.kind == kind, ProcessDefinition.key == key,
            ProcessDefinition.identity_sha256 == identity)).first()
        if existing is not None:
            versions[ref] = existing
            results.append(DeployedVersion(existing, created=False))
            continue
        latest = db.session.scalar(select(func.max(ProcessDefinition.version)).where(
            ProcessDefinition.kind == kind, ProcessDefinition.key == key)) or 0
        definition = ProcessDefinition(
            kind=kind, key=key, version=latest + 1, name=_element_name(upload.document.root, key),
            filename=upload.filename, source=upload.source.decode("utf-8"),
            source_sha256=upload.sha256, identity_sha256=identity, dependencies=dependencies,
            deployed_by_id=actor.id if actor else None, active=False,
        )
        db.session.add(definition)
        db.session.flush()
        versions[ref] = definition
        results.append(DeployedVersion(definition, created=True))
    if activate:
        for result in results:
            _make_active(result.definition)
    return results


def _closure(direct: set[tuple[str, str]], versions: dict) -> set[ProcessDefinition]:
    closure: set[ProcessDefinition] = set()
    pending = list(direct)
    while pending:
        ref = pending.pop()
        definition = versions.get(ref)
        if definition is None or definition in closure:
            continue
        closure.add(definition)
        pending += [(dep["kind"], dep["key"]) for dep in definition.dependencies]
    return closure


def _dependency_order(owners: dict[tuple[str, str], _Upload]) -> list[tuple[str, str]]:
    order: list[tuple[str, str]] = []
    state: dict[tuple[str, str], str] = {}

    def visit(ref: tuple[str, str]) -> None:
        if state.get(ref) == "done":
            return
        if state.get(ref) == "visiting":
            raise DiagramError([DiagramProblem(f"Call activities form a cycle through '{ref[1]}'.",
                                               element_id=ref[1], file=owners[ref].filename)])
        state[ref] = "visiting"
        if ref[0] == "bpmn":
            for dep in sorted(_process_references(owners[ref].document.root, ref[1])):
                if dep in owners:
                    visit(dep)
        state[ref] = "done"
        order.append(ref)

    for ref in sorted(owners):
        visit(ref)
    return order


def _element_name(root: etree._Element, key: str) -> str | None:
    for node in root.iter():
        if isinstance(node.tag, str) and node.get("id") == key:
            return node.get("name")
    return None


def _make_active(definition: ProcessDefinition) -> None:
    if definition.active:
        return
    db.session.execute(update(ProcessDefinition).where(
        ProcessDefinition.kind == definition.kind, ProcessDefinition.key == definition.key,
        ProcessDefinition.id != definition.id).values(active=False))
    definition.active = True
    definition.activated_at = utcnow()


def activate(key: str, version: int, actor: User | None) -> ProcessDefinition:
    """Make a version the one new complaints start on; `actor` None is the command line."""
    if actor is not None:
        require(actor, {"process_owner"}, "activate process versions")
    begin_write()
    definition = _version(key, version)
    _make_active(definition)
    db.session.commit()
    return definition


def list_processes(viewer: User) -> list[dict]:
    """One entry per BPMN process key with its active and latest versions."""
    require(viewer, DEFINITION_READERS, "read process definitions")
    rows = db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.kind == "bpmn")
                              .order_by(ProcessDefinition.key, ProcessDefinition.version)).all()
    summary: dict[str, dict] = {}
    for row in rows:
        entry = summary.setdefault(row.key, {"key": row.key, "name": row.name, "active_version": None,
                                             "latest_version": 0, "versions": 0})
        entry["latest_version"] = row.version
        entry["versions"] += 1
        if row.active:
            entry["active_version"] = row.version
            entry["name"] = row.name
    return list(summary.values())


def versions_of(key: str, viewer: User) -> list[ProcessDefinition]:
    require(viewer, DEFINITION_READERS, "read process definitions")
    rows = db.session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.kind == "bpmn", ProcessDefinition.key == key).order_by(ProcessDefinition.version)).all()
    if not rows:
        raise NotFound(f"There is no process '{key}'.")
    return list(rows)


def get_version(key: str, version: int, viewer: User) -> ProcessDefinition:
    require(viewer, DEFINITION_READERS, "read process definitions")
    return _version(key, version)


def _version(key: str, version: int) -> ProcessDefinition:
    definition = db.session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.kind == "bpmn", ProcessDefinition.key == key,
        ProcessDefinition.version == version)).first()
    if definition is None:
        raise NotFound(f"Process '{key}' has no version {version}.")
    return definition


def active_definition(key: str) -> ProcessDefinition | None:
    return _active("bpmn", key)


_compiled: dict[int, CompiledProcess] = {}
_compile_lock = threading.Lock()


def compiled(definition_id: int) -> CompiledProcess:
    """The executable spec of a deployed version, compiled on first use and kept."""
    cached = _compiled.get(definition_id)
    if cached is not None:
        return cached
    with _compile_lock:
        cached = _compiled.get(definition_id)
        if cached is None:
            definition = db.session.get(ProcessDefinition, definition_id)
            documents = [_stored_document(definition)] + [
                _stored_document(db.session.get(ProcessDefinition, dep["id"])) for dep in definition.dependencies
            ]
            parser = parse_documents(_unique_documents(documents))
            cached = compile_process(parser, definition.key, lane_names())
            _compiled[definition_id] = cached
    return cached
