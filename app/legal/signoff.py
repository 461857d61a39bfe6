"""Legal's sign-off of process versions (four eyes) before they go live, and the gate every activation passes.

A BPMN version whose escalation register differs from the active version's (compared by the register's content:
its paths and tables, not its version number or name; a process with no active version counts as changed) goes
live only once a user with the role `legal`, who did not deploy it, approved it. The approval records the sha256
of the version's BPMN and of every decision table and called process it was deployed with, the digest of the
register reviewed, the reviewer, the time and a comment; activation checks that they still match. Legal may reject
with a reason, which the process owner reads on the version; a later decision supersedes an earlier one. A version
whose register is unchanged goes live without legal while the setting `unchanged_without_legal` allows it (the
default). The command line (no actor) installs the shipped diagrams and passes, recorded. Every decision and every
activation the gate lets through goes into the sign-off trail (app/legal/signoff_trail.py).

Decision tables: what a complaint runs is its BPMN version, whose tables are pinned by id at deploy; a table's
`active` flag only says which version the next deploy resolves. Activating a table in the DMN editor deploys it
again, which deploys anew the active processes that use it: those new process versions are what changes what runs,
so they pass this gate like any other, and the table itself becomes active only when every process deployed onto it
went live (app/definitions/service.py). A held table's editor gets a 409 naming the processes awaiting review.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.database import begin_write
from app.definitions import service as definitions
from app.definitions import version_numbers
from app.definitions.models import ProcessDefinition
from app.errors import Conflict, Forbidden, Invalid
from app.extensions import db
from app.legal import register, register_diff, signoff_trail
from app.legal.service import computed_register
from app.legal.signoff_models import DECISIONS, SignoffEvent
from app.timers.settings import signoff_policy
from app.timeutil import isoformat
from app.users.models import User
from app.users.permissions import require

READERS = frozenset({"legal", "process_owner", "admin"})
DECIDERS = frozenset({"legal"})
MAX_COMMENT = 2000
_content_digests: dict[int, str] = {}  # version id -> content_digest


def content_digest(definition: ProcessDefinition) -> str:
    """The digest of what the version's register says, whatever the version's number and name; worked out once
    per version, as its register is (a stored version never changes), since every versions page asks for it."""
    found = _content_digests.get(definition.id)
    if found is None:
        found = register.digest({**computed_register(definition), "version": None, "name": None})
        _content_digests[definition.id] = found
    return found


def _dependency_hashes(definition: ProcessDefinition) -> list[dict[str, Any]]:
    ids = [dep["id"] for dep in definition.dependencies or [] if dep.get("id")]
    rows = db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.id.in_(ids))) if ids else []
    return sorted(({"kind": row.kind, "key": row.key, "version": row.version, "sha256": row.source_sha256}
                   for row in rows), key=lambda d: (d["kind"], d["key"]))


def _fingerprint(definition: ProcessDefinition) -> dict[str, Any]:
    """What an approval vouches for: the version's own hashes and its register's digest."""
    return {"source_sha256": definition.source_sha256, "dependencies": _dependency_hashes(definition),
            "register_digest": computed_register(definition)["digest"]}


def _latest_decision(definition: ProcessDefinition) -> SignoffEvent | None:
    return db.session.scalars(select(SignoffEvent).where(
        SignoffEvent.definition_id == definition.id, SignoffEvent.action.in_(DECISIONS))
        .order_by(SignoffEvent.seq.desc()).limit(1)).first()


def _register_changed(definition: ProcessDefinition) -> tuple[bool, ProcessDefinition | None]:
    active = definitions.active_definition(definition.key)
    if active is None:
        return True, None
    return content_digest(active) != content_digest(definition), active


def _state(definition: ProcessDefinition) -> tuple[str, bool, ProcessDefinition | None, SignoffEvent | None]:
    """(state, register changed, active version, latest decision) of a version."""
    changed, active = _register_changed(definition)
    decision = _latest_decision(definition)
    if decision is not None:
        return decision.action, changed, active, decision  # "approved" or "rejected"
    if definition.active or (not changed and signoff_policy()["unchanged_without_legal"]):
        return "not_needed", changed, active, None
    return "pending", changed, active, None


def gate(definition: ProcessDefinition, actor: User | None) -> dict[str, Any] | None:
    """None when the version may go live now (the pass recorded in the trail), else why not:
    {"state", "message", "reason"}. Bound into the definitions service at app creation."""
    changed, active = _register_changed(definition)
    digests = {"register_digest": computed_register(definition)["digest"],
               "active_version": active.version if active else None}
    if actor is None:
        signoff_trail.append(definition, None, "activated_command_line", {**digests, "register_changed": changed})
        return None
    decision = _latest_decision(definition)
    if decision is not None and decision.action == "rejected":  # legal's no holds even an unchanged register
        comment = decision.detail.get("comment") or ""
        return _refusal(definition, "rejected", f"legal rejected it: {comment}", f"法务已驳回：{comment}", comment)
    if not changed and signoff_policy()["unchanged_without_legal"]:
        signoff_trail.append(definition, actor, "activated_unchanged", digests)
        return None
    if decision is not None:
        vouched = {k: decision.detail.get(k) for k in ("source_sha256", "dependencies", "register_digest")}
        if vouched == _fingerprint(definition):
            signoff_trail.append(definition, actor, "activated_approved", {**digests, "approval_seq": decision.seq})
            return None
        return _refusal(definition, "pending", "the version no longer matches what legal approved",
                        "该版本与法务批准的内容不再一致")
    return _refusal(definition, "pending", "it changes the escalation register and awaits legal review",
                    "它改变了升级登记册，正在等待法务审核")


def _refusal(definition: ProcessDefinition, state: str, en: str, zh: str, reason: str | None = None
             ) -> dict[str, Any]:
    return {"state": state, "reason": reason,
            "message": f"Version {definition.version} of '{definition.key}' cannot be activated: {en}. / "
                       f"流程 '{definition.key}' 第 {definition.version} 版不能启用：{zh}。"}


def review_of(key: str, version: int, viewer: User) -> dict[str, Any]:
    """A version's review state with the latest decision."""
    require(viewer, READERS, "read the sign-off of process versions")
    return _review(version_numbers.process_version(key, version))


def reviews_of(key: str, viewer: User) -> dict[int, dict[str, Any]]:
    """Version number -> review state, for every version of a process (the versions page)."""
    require(viewer, READERS, "read the sign-off of process versions")
    return {d.version: _review(d) for d in definitions.versions_of(key, viewer)}


def review_states(versions: list[ProcessDefinition], viewer: User) -> dict[int, dict[str, Any]]:
    """Definition id -> {"state", "reason"} for versions of one process, as `_state` decides them one by one, with
    one query for all their latest decisions (registers are computed once per version and kept); none for a viewer
    who does not read sign-offs. Bound into the definitions service at app creation (the API's versions list)."""
    if not versions or not viewer.has_role(*READERS):
        return {}
    latest: dict[int, SignoffEvent] = {}
    for event in db.session.scalars(select(SignoffEvent).where(
            SignoffEvent.definition_id.in_([d.id for d in versions]), SignoffEvent.action.in_(DECISIONS))
            .order_by(SignoffEvent.seq)):
        latest[event.definition_id] = event  # a later decision supersedes an earlier one
    active = next((d for d in versions if d.active), None)
    unchanged_passes = signoff_policy()["unchanged_without_legal"]
    states = {}
    for definition in versions:
        decision = latest.get(definition.id)
        if decision is not None:
            reason = (decision.detail.get("comment") or "") if decision.action == "rejected" else None
            states[definition.id] = {"state": decision.action, "reason": reason}
            continue
        changed = active is None or content_digest(active) != content_digest(definition)
        passes = definition.active or (not changed and unchanged_passes)
        states[definition.id] = {"state": "not_needed" if passes else "pending", "reason": None}
    return states


def _review(definition: ProcessDefinition) -> dict[str, Any]:
    state, changed, active, decision = _state(definition)
    return {"key": definition.key, "version": definition.version, "state": state, "register_changed": changed,
            "register_digest": computed_register(definition)["digest"],
            "active_version": active.version if active else None,
            "active_register_digest": computed_register(active)["digest"] if active else None,
            "decision": _decision(decision) if decision else None}


def _decision(event: SignoffEvent) -> dict[str, Any]:
    return {"decision": "approve" if event.action == "approved" else "reject", "seq": event.seq,
            "comment": event.detail.get("comment") or "", "reviewer": event.actor_name,
            "decided_at": isoformat(event.at), "register_digest": event.detail.get("register_digest"),
            "source_sha256": event.detail.get("source_sha256"),
            "dependencies": event.detail.get("dependencies") or []}


def decide(key: str, version: int, payload: Any, actor: User) -> dict[str, Any]:
    """Approve or reject a version (legal, never the person who deployed it); a later decision supersedes."""
    require(actor, DECIDERS, "approve or reject process versions")
    decision, comment = _decision_payload(payload)
    begin_write()
    definition = version_numbers.process_version(key, version)
    if definition.deployed_by_id == actor.id:
        raise Forbidden("You deployed this version: someone else in legal must review it. / "
                        "此版本由您部署，须由法务的另一位同事审核。")
    if definition.active:
        raise Conflict("This version is already active: there is nothing to sign off. / 此版本已启用，无需审核。")
    signoff_trail.append(definition, actor, "approved" if decision == "approve" else "rejected",
                         {**_fingerprint(definition), "comment": comment})
    db.session.commit()
    return _review(definition)


def _decision_payload(payload: Any) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    data = payload if isinstance(payload, dict) else {}
    decision, comment = data.get("decision"), data.get("comment", "")
    if decision not in ("approve", "reject"):
        errors["decision"] = ["Must be one of: approve, reject."]
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
        errors["comment"] = [f"Longer than maximum length {MAX_COMMENT}."]
    elif decision == "reject" and not comment.strip():
        errors["comment"] = ["Missing data for required field."]
    if errors:
        raise Invalid("Send {\"decision\": \"approve\" or \"reject\", \"comment\": \"…\"}; a rejection needs "
                      "its reason. / 请发送 {\"decision\": \"approve\" 或 \"reject\", \"comment\": \"…\"}；"
                      "驳回须写明理由。", errors=errors)
    return decision, comment.strip()


def queue(viewer: User, page: int, per_page: int) -> dict[str, Any]:
    """The latest version of each process when it awaits review: deployed by a process owner (the command line
    activates its own), not active, its register changed, no decision yet."""
    require(viewer, READERS, "read the sign-off of process versions")
    latest = select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version")).where(
        ProcessDefinition.kind == "bpmn").group_by(ProcessDefinition.key).subquery()
    rows = db.session.scalars(select(ProcessDefinition).join(latest, (ProcessDefinition.key == latest.c.key) & (
        ProcessDefinition.version == latest.c.version)).where(ProcessDefinition.kind == "bpmn",
                                                              ProcessDefinition.active.is_(False),
                                                              ProcessDefinition.deployed_by_id.is_not(None))
        .order_by(ProcessDefinition.deployed_at, ProcessDefinition.id))
    waiting = [d for d in rows if _state(d)[0] == "pending"]
    names = _names({d.deployed_by_id for d in waiting})
    items = [_queue_entry(d, names) for d in waiting[(page - 1) * per_page:page * per_page]]
    return {"items": items, "total": len(waiting), "page": page, "per_page": per_page}


def _queue_entry(definition: ProcessDefinition, names: dict[int, str]) -> dict[str, Any]:
    active = definitions.active_definition(definition.key)
    new = computed_register(definition)
    counts = {"added": len(new["paths"]), "removed": 0, "changed": 0}
    if active is not None:
        diff = register_diff.diff(computed_register(active), new)
        counts = {name: len(diff[name]) for name in ("added", "removed", "changed")}
    return {"key": definition.key, "version": definition.version, "name": definition.name,
            "deployed_by": names.get(definition.deployed_by_id), "deployed_at": isoformat(definition.deployed_at),
            "active_version": active.version if active else None, "register_digest": new["digest"],
            "active_register_digest": computed_register(active)["digest"] if active else None, **counts}


def trail(viewer: User, page: int, per_page: int) -> dict[str, Any]:
    """The sign-off trail, newest first."""
    require(viewer, READERS, "read the sign-off trail")
    total = db.session.scalar(select(func.count()).select_from(SignoffEvent)) or 0
    rows = db.session.scalars(select(SignoffEvent).order_by(SignoffEvent.seq.desc())
                              .limit(per_page).offset((page - 1) * per_page))
    return {"items": [{"seq": r.seq, "at": isoformat(r.at), "actor": r.actor_name, "action": r.action,
                       "key": r.process_key, "version": r.version, "detail": r.detail, "hash": r.hash}
                      for r in rows], "total": total, "page": page, "per_page": per_page}


def verification(viewer: User) -> dict[str, Any]:
    require(viewer, READERS, "read the sign-off trail")
    return signoff_trail.verify().as_dict()


def may_decide(user: User) -> bool:
    return user.has_role(*DECIDERS)


def _names(ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).all()) if ids else {}
