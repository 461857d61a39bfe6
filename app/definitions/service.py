"""Deploying diagram versions, checking them without deploying, activating them, and compiling them once for running.

A deploy takes one or more BPMN/DMN files, lints them, resolves every call
activity and decision table (in the upload, else the active deployed version),
and stores an immutable version per key whose identity is its content plus the
versions it resolved. Identical content returns the existing version. When a
shared subprocess or table changes, the active processes that use it are
re-deployed onto it, so new complaints follow the change while running ones
keep the version they started on. Every problem is found, not only the first:
errors refuse the deploy, warnings do not. `lint` runs the same checks (the
active processes a deploy would re-deploy included) and stores nothing.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.database import begin_write
from app.definitions import conventions, version_numbers
from app.definitions.models import ProcessDefinition
from app.engine.lint import NS, Vocabulary, lint_bpmn, lint_dmn
from app.engine.lint_context import resolve
from app.engine.specs import (
    CompiledProcess,
    Document,
    check_process,
    compile_process,
    parse_documents,
    process_ids,
)
from app.engine.xml import DiagramError, DiagramProblem, document_kind, parse_document
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.forms import fields_choosing_from, form_keys
from app.records.operators import operator_kinds, operator_names, parameter_choices
from app.timers.limits import FUNCTION_NAMES
from app.timeutil import utcnow
from app.users.models import User
from app.users.permissions import DEFINITION_READERS, require
from app.users.roles import lane_names


@dataclass
class DeployedVersion:
    definition: ProcessDefinition
    created: bool
    review: dict | None = None  # why activating it was held back ({"state", "reason", "message"}), if it was

    def as_dict(self) -> dict:
        d = self.definition
        return {"key": d.key, "version": d.version, "kind": d.kind, "created": self.created, "active": d.active,
                "review": self.review}


# Whether a process version may go live: None lets it, else the refusal ({"state", "reason", "message"}). Legal's
# sign-off (app/legal/signoff.py) binds it at app creation, as the runtime is bound; it records what it lets through.
ActivationGate = Callable[[ProcessDefinition, User | None], dict | None]
_activation_gate: ActivationGate | None = None


def bind_activation_gate(gate: ActivationGate) -> None:
    global _activation_gate
    _activation_gate = gate


# Each version's review state ({"state", "reason"}) by definition id, for a process's versions at once, as the
# viewer may read it (none: not theirs to read); bound by legal's sign-off at app creation like the gate.
ReviewStates = Callable[[list[ProcessDefinition], User], dict[int, dict]]
_review_states: ReviewStates | None = None


def bind_review_states(states: ReviewStates) -> None:
    global _review_states
    _review_states = states


@dataclass(frozen=True)
class ListedVersion:
    """A stored version with its review state, as a process's versions list shows it."""

    definition: ProcessDefinition
    review: dict | None

    def __getattr__(self, name: str):
        return getattr(self.definition, name)


@dataclass
class _Upload:
    filename: str
    source: bytes
    document: Document
    sent: bool = True  # False: an active process the deploy re-deploys because it uses what was sent

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.source).hexdigest()


@dataclass
class _Checked:
    """The documents of one deploy or lint, every problem found in them, and (without errors) the active
    versions of what they use but do not define."""

    uploads: list[_Upload]
    owners: dict[tuple[str, str], _Upload]
    problems: list[DiagramProblem]
    external: dict[tuple[str, str], ProcessDefinition]

    @property
    def errors(self) -> list[DiagramProblem]:
        return [problem for problem in self.problems if problem.is_error]


@dataclass
class LintResult:
    """What `lint` found: `ok` unless there is an error."""

    problems: list[DiagramProblem]

    def as_dict(self) -> dict:
        errors = sum(problem.is_error for problem in self.problems)
        return {"ok": errors == 0, "errors": errors, "warnings": len(self.problems) - errors,
                "problems": [{"severity": p.severity, "code": p.code, "file": p.file, "element_id": p.element_id,
                              "line": p.line, "message": {"zh": p.message_zh or p.message, "en": p.message}}
                             for p in self.problems]}


def vocabulary(active: list[ProcessDefinition] | None = None) -> Vocabulary:
    """What diagrams may name, with the keys of the active versions (`active`, else read now)."""
    roles = lane_names()
    active = _active_definitions() if active is None else active
    return Vocabulary(
        roles=roles,
        form_keys=form_keys(),
        role_fields=fields_choosing_from(frozenset(roles.values())),
        form_fields=conventions.form_fields(),
        operators=operator_names(),
        parameter_choices=parameter_choices(),
        functions=FUNCTION_NAMES,
        known_processes=frozenset(d.key for d in active if d.kind == "bpmn"),
        known_decisions=frozenset(d.key for d in active if d.kind == "dmn"),
        field_values=conventions.field_values(),
        form_records=conventions.form_records(),
        payment_operators=conventions.PAYMENT_OPERATORS,
        authority_decisions=conventions.AUTHORITY_DECISIONS,
        escalations=conventions.ESCALATIONS,
        operator_kinds=operator_kinds(),
    )


def _active_definitions() -> list[ProcessDefinition]:
    return list(db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.active.is_(True))))


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
    """Deploy files; raise DiagramError (422) listing every error found. `actor` None is the command line."""
    if actor is not None:
        require(actor, {"process_owner"}, "deploy diagrams")
    if not files:
        raise Invalid("Send at least one .bpmn or .dmn document.")
    checked = _check(files, with_dependents=activate, whole_specs=True)
    if checked.errors:
        raise DiagramError(checked.errors)
    begin_write()
    results = _store_versions(checked.uploads, checked.owners, checked.external, actor, activate)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("Another deploy of the same process happened at the same moment; send it again.") from None
    return results


def lint(actor: User, sent: Callable[[], list[tuple[str, bytes]]]) -> LintResult:
    """Every problem a deploy of the files would meet (errors and warnings), without deploying or storing anything.
    `sent` reads the files (a 422 when they cannot be read), once the caller may check diagrams."""
    require(actor, {"process_owner"}, "check diagrams")
    files = sent()
    if not files:
        raise Invalid("Send at least one .bpmn or .dmn document. / 请至少发送一个 .bpmn 或 .dmn 文档。")
    problems = _check(files, with_dependents=True, whole_specs=False).problems
    return LintResult(sorted(problems, key=lambda p: (p.file or "", p.line or 0, not p.is_error, p.code)))


def _check(files: list[tuple[str, bytes]], with_dependents: bool, whole_specs: bool) -> _Checked:
    """Parse and lint every file (with the active processes that use them, when a deploy would re-deploy them:
    of those only the errors count), then, when no error was found, let SpiffWorkflow build each process's spec:
    with those of every process it calls (`whole_specs`, as a deploy stores them), or alone (the deployed
    versions it calls were built when they were deployed; a lint needs no more)."""
    uploads: list[_Upload] = []
    problems: list[DiagramProblem] = []
    for name, content in files:
        try:
            uploads.append(_parse_upload(name, content))
        except DiagramError as exc:
            problems += exc.problems
    active = _active_definitions()
    deployed = _deployed_documents(active)
    if with_dependents:
        uploads += _dependents_to_redeploy(uploads, active, deployed)
    owners, twice = _owners(uploads)
    problems += twice + _cycles(owners)
    vocab = vocabulary(active)
    resolved = resolve([d.root for d in deployed.values()], [u.document.root for u in uploads], vocab.form_fields,
                       vocab.functions, vocab.payment_operators, vocab.authority_decisions)
    uploaded_processes = {key for kind, key in owners if kind == "bpmn"}
    uploaded_decisions = {key for kind, key in owners if kind == "dmn"}
    for upload in uploads:
        if upload.document.kind == "bpmn":
            found = lint_bpmn(upload.document.root, upload.filename, vocab, uploaded_processes, uploaded_decisions,
                              resolved)
        else:
            found = lint_dmn(upload.document.root, upload.filename, vocab.functions)
        problems += found if upload.sent else [problem for problem in found if problem.is_error]
    external: dict[tuple[str, str], ProcessDefinition] = {}
    if not any(problem.is_error for problem in problems):
        external = _resolve_external(uploads, owners, active, deployed)
        needed = [deployed[d.id] for d in external.values() if whole_specs or d.kind == "dmn"]
        problems += _compile(uploads, owners, needed, whole_specs)
    return _Checked(uploads, owners, problems, external)


def _compile(uploads: list[_Upload], owners: dict, external: list[Document], whole_specs: bool
             ) -> list[DiagramProblem]:
    """What SpiffWorkflow refuses in each process (its first problem in each)."""
    try:
        parser = parse_documents(_unique_documents([u.document for u in uploads] + external))
    except DiagramError as exc:
        return _engine_problems(exc)
    roles = lane_names()
    problems = []
    for kind, key in owners:
        if kind == "bpmn":
            try:
                compile_process(parser, key, roles) if whole_specs else check_process(parser, key)
            except DiagramError as exc:
                problems += _engine_problems(exc)
    return problems


def _engine_problems(error: DiagramError) -> list[DiagramProblem]:
    for problem in error.problems:
        if problem.message_zh is None:
            problem.code = "engine_refused"
            problem.message_zh = f"工作流引擎无法使用该图：{problem.message}"
    return error.problems


def _cycles(owners: dict[tuple[str, str], _Upload]) -> list[DiagramProblem]:
    try:
        _dependency_order(owners)
    except DiagramError as exc:
        return exc.problems
    return []


def _owners(uploads: list[_Upload]) -> tuple[dict[tuple[str, str], _Upload], list[DiagramProblem]]:
    """(kind, key) -> the upload that defines it; and a problem for each key defined in two different files."""
    owners: dict[tuple[str, str], _Upload] = {}
    problems = []
    for upload in uploads:
        root = upload.document.root
        keys = ([("bpmn", pid) for pid in process_ids(root)] if upload.document.kind == "bpmn"
                else [("dmn", did) for did in _decision_ids(root)])
        for key in keys:
            if key in owners and owners[key].sha256 != upload.sha256:
                first = owners[key].filename
                problems.append(DiagramProblem(
                    f"'{key[1]}' is defined in both {first} and {upload.filename}.", element_id=key[1],
                    file=upload.filename, code="defined_twice",
                    message_zh=f"'{key[1]}' 在 {first} 和 {upload.filename} 中都有定义。"))
                continue
            owners[key] = upload
    return owners, problems


def _dependents_to_redeploy(uploads: list[_Upload], active: list[ProcessDefinition],
                            deployed: dict[int, Document]) -> list[_Upload]:
    """Active processes (not uploaded) that use a key being deployed, transitively."""
    changed = set(_owners(uploads)[0])
    uploaded_hashes = {u.sha256 for u in uploads}
    extra: list[_Upload] = []
    active_bpmn = [definition for definition in active if definition.kind == "bpmn"]
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
                    extra.append(_Upload(definition.filename, source, deployed[definition.id], sent=False))
    return extra


def _resolve_external(uploads: list[_Upload], owners: dict, active: list[ProcessDefinition],
                      deployed: dict[int, Document]) -> dict[tuple[str, str], ProcessDefinition]:
    """Active versions of every key the upload uses but does not define, transitively."""
    by_key = {(definition.kind, definition.key): definition for definition in active}
    resolved: dict[tuple[str, str], ProcessDefinition] = {}
    pending = set()
    for upload in uploads:
        if upload.document.kind == "bpmn":
            pending |= _references(upload.document.root)
    while pending:
        ref = pending.pop()
        if ref in owners or ref in resolved:
            continue
        definition = by_key.get(ref)
        if definition is None:  # the lint has already reported it; be safe anyway
            raise DiagramError([DiagramProblem(f"'{ref[1]}' is neither in this upload nor deployed.")])
        resolved[ref] = definition
        if definition.kind == "bpmn":
            pending |= _references(deployed[definition.id].root)
    return resolved


_parsed: dict[int, Document] = {}


def _deployed_documents(active: list[ProcessDefinition]) -> dict[int, Document]:
    """The parsed documents of the active versions. A version never changes, so each is parsed once and kept
    while it is active; the checks only read them."""
    found = {definition.id: _parsed.get(definition.id) or _stored_document(definition) for definition in active}
    _parsed.clear()
    _parsed.update(found)
    return found


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
        _activate_deployed(results, actor)
    return results


def _activate_deployed(results: list[DeployedVersion], actor: User | None) -> None:
    """Activate the processes the gate lets through; a decision table only when every process deployed onto it
    went live (the table's `active` flag decides what later deploys resolve)."""
    held: set[int] = set()
    for result in results:
        if result.definition.kind == "bpmn":
            result.review = _make_active(result.definition, actor)
            if result.review is not None:
                held.add(result.definition.id)
    for result in results:
        if result.definition.kind == "dmn" and not any(
                dep.get("id") == result.definition.id for r in results if r.definition.id in held
                for dep in r.definition.dependencies):
            _make_active(result.definition, actor)


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


def _make_active(definition: ProcessDefinition, actor: User | None) -> dict | None:
    """Activate the version unless the gate holds it back (then its refusal)."""
    if definition.active:
        return None
    if definition.kind == "bpmn" and _activation_gate is not None:
        refusal = _activation_gate(definition, actor)
        if refusal is not None:
            return refusal
    db.session.execute(update(ProcessDefinition).where(
        ProcessDefinition.kind == definition.kind, ProcessDefinition.key == definition.key,
        ProcessDefinition.id != definition.id).values(active=False))
    definition.active = True
    definition.activated_at = utcnow()
    definition.activated_by_id = actor.id if actor else None
    return None


def activate(key: str, version: int, actor: User | None) -> ProcessDefinition:
    """Make a version the one new complaints start on; `actor` None is the command line."""
    if actor is not None:
        require(actor, {"process_owner"}, "activate process versions")
    begin_write()
    definition = version_numbers.process_version(key, version)
    refusal = _make_active(definition, actor)
    if refusal is not None:
        en, _sep, zh = refusal["message"].partition(" / ")
        raise Conflict(refusal["message"], review={"state": refusal["state"], "reason": refusal["reason"]},
                       messages={"en": en, "zh": zh})
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


def listed_versions(key: str, viewer: User) -> list[ListedVersion]:
    """A process's versions, each with its review state where the viewer reads them (read for all at once)."""
    rows = versions_of(key, viewer)
    states = _review_states(rows, viewer) if _review_states is not None else {}
    return [ListedVersion(row, states.get(row.id)) for row in rows]


def get_version(key: str, version: int, viewer: User) -> ProcessDefinition:
    require(viewer, DEFINITION_READERS, "read process definitions")
    return version_numbers.process_version(key, version)


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
