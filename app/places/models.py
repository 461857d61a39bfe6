"""The place table: the list of the mall's areas that intake chooses from and the reports count by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UtcDateTime, utcnow

# kind → (zh, en)
PLACE_KINDS: dict[str, tuple[str, str]] = {
    "floor": ("楼层", "Floor"),
    "zone": ("区域", "Zone"),
    "car_park": ("停车场", "Car park"),
    "entrance": ("出入口", "Entrance"),
}


class Place(db.Model):
    """A place the mall keeps; retired places stay (complaints point at them) but are no longer offered."""

    __tablename__ = "place"
    __table_args__ = (UniqueConstraint("code", name="uq_place_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
