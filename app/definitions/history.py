"""The versions page's service: who deployed and who activated each version, a version's file to download, and
diagrams uploaded from the page (process owners only; the upload goes through the same deploy as the API).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.definitions import service, version_numbers
from app.definitions.models import ProcessDefinition
from app.errors import Invalid, NotFound
from app.extensions import db
from app.users.models import User
from app.users.permissions import DEFINITION_READERS, require

OWNERS = frozenset({"process_owner"})
EXTENSIONS = (".bpmn", ".dmn")


@dataclass(frozen=True)
class People:
    """Who deployed a version and who last activated it (None: the command line, or before this was kept)."""

    deployed_by: str | None
    activated_by: str | None


def may_manage(user: User) -> bool:
    """Whether the user may upload, activate and roll back versions (what the services below require)."""
    return user.has_role(*OWNERS)


def people(versions: list[ProcessDefinition]) -> dict[int, People]:
    """Definition id -> the names of who deployed and who activated it."""
    ids = {i for v in versions for i in (v.deployed_by_id, v.activated_by_id) if i is not None}
    names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    return {v.id: People(names.get(v.deployed_by_id), names.get(v.activated_by_id)) for v in versions}


def version_file(key: str, version: int, viewer: User, table: str | None = None) -> tuple[str, str]:
    """The file name to save a process version under (`quality-v3.bpmn`) and its XML, or, with `table`, those of
    the version of that decision table it uses (`authority_limits-v2.dmn`); for whoever reads definitions."""
    require(viewer, DEFINITION_READERS, "read process definitions")
    definition = version_numbers.process_version(key, version)
    if table is not None:
        used = next((d for d in definition.dependencies if d["kind"] == "dmn" and d["key"] == table), None)
        if used is None:
            raise NotFound(f"Version {version} of '{key}' uses no decision table '{table}'. / "
                           f"'{key}' 第 {version} 版未使用决策表 '{table}'。")
        definition = db.session.get(ProcessDefinition, used["id"])
        return f"{table}-v{definition.version}.dmn", definition.source
    return f"{key}-v{version}.bpmn", definition.source


def upload(files: list[tuple[str, bytes]], actor: User, activate: bool) -> list[service.DeployedVersion]:
    """Deploy the uploaded .bpmn/.dmn files as the API's deploy does (its lint refuses them with every error)."""
    require(actor, OWNERS, "deploy diagrams")
    if not files:
        raise Invalid("Choose at least one .bpmn or .dmn file. / 请至少选择一个 .bpmn 或 .dmn 文件。")
    wrong = [name for name, _content in files if not name.lower().endswith(EXTENSIONS)]
    if wrong:
        raise Invalid(f"Only .bpmn and .dmn files can be deployed, not {', '.join(wrong)}. / "
                      f"只能部署 .bpmn 和 .dmn 文件，不能部署 {'、'.join(wrong)}。")
    return service.deploy(files, actor, activate=activate)
