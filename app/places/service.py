"""Places: list them (whoever registers or reads complaints), create and change them (admin, process owner),
and check a place chosen at intake."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.database import begin_write
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.payloads import load
from app.places.models import Place
from app.places.schemas import PlaceChangeSchema, PlaceCreateSchema
from app.users.models import User
from app.users.permissions import COMPLAINT_READERS, require

PLACE_MANAGERS = frozenset({"admin", "process_owner"})
PLACE_READERS = COMPLAINT_READERS | PLACE_MANAGERS

_create_schema = PlaceCreateSchema()
_change_schema = PlaceChangeSchema()


def as_dict(place: Place) -> dict[str, Any]:
    return {"id": place.id, "code": place.code, "name_zh": place.name_zh, "name_en": place.name_en,
            "kind": place.kind, "active": place.active}


def listing(viewer: User, filters: dict[str, Any]) -> dict[str, Any]:
    """The places in code order: the active ones, or every one with include_inactive."""
    require(viewer, PLACE_READERS, "read the mall's places")
    query = select(Place)
    if not filters.get("include_inactive"):
        query = query.where(Place.active.is_(True))
    if "kind" in filters:
        query = query.where(Place.kind == filters["kind"])
    page, per_page = filters["page"], filters["per_page"]
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Place.code).limit(per_page).offset((page - 1) * per_page))
    return {"items": [as_dict(p) for p in rows], "total": total, "page": page, "per_page": per_page}


def active_places() -> list[Place]:
    """Every active place in code order (the intake page's select)."""
    return list(db.session.scalars(select(Place).where(Place.active.is_(True)).order_by(Place.code)))


def create(payload: Any, actor: User) -> dict[str, Any]:
    require(actor, PLACE_MANAGERS, "manage the mall's places")
    data = load(_create_schema, payload)
    begin_write()
    if db.session.scalar(select(Place.id).where(Place.code == data["code"])) is not None:
        raise Conflict(f"A place with the code '{data['code']}' exists already: change that one instead. / "
                       f"编码 {data['code']} 已存在，请修改已有的地点。")
    place = Place(**data)
    db.session.add(place)
    db.session.commit()
    return as_dict(place)


def change(place_id: int, payload: Any, actor: User) -> dict[str, Any]:
    require(actor, PLACE_MANAGERS, "manage the mall's places")
    data = load(_change_schema, payload)
    begin_write()
    place = db.session.get(Place, place_id)
    if place is None:
        raise NotFound(f"There is no place {place_id}. / 没有编号为 {place_id} 的地点。")
    for key, value in data.items():
        setattr(place, key, value)
    db.session.commit()
    return as_dict(place)


def check_for_intake(place_id: int | None) -> None:
    """A 422 unless the place chosen at intake is one of the mall's active places (None: none chosen)."""
    if place_id is None:
        return
    place = db.session.get(Place, place_id)
    if place is None or not place.active:
        raise Invalid("This place is not one of the mall's places in use: choose one from the list, or none and "
                      "describe the place in words. / "
                      "该地点不在商场使用中的地点列表中：请从列表中选择，或不选并用文字描述地点。",
                      errors={"place_id": ["Choose a place from GET /api/v1/places. / 请从地点列表中选择。"]})


def names(place_ids: set[int]) -> dict[int, Place]:
    """The places with these ids, by id (reports and exports label their rows with them)."""
    if not place_ids:
        return {}
    return {p.id: p for p in db.session.scalars(select(Place).where(Place.id.in_(place_ids)))}
