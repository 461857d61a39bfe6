"""`flask places demo`: a few places of a demonstration mall."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.places.models import Place

places_cli = AppGroup("places", help="The mall's places.")

DEMO_PLACES = (
    ("B1-FOOD", "地下一层食品超市", "B1 food hall", "zone"),
    ("F1", "一楼", "Floor 1", "floor"),
    ("F2", "二楼", "Floor 2", "floor"),
    ("F1-LOCKERS", "一楼存包处", "Floor 1 lockers", "zone"),
    ("P1", "地下停车场一层", "Car park level P1", "car_park"),
    ("GATE-N", "北门", "North entrance", "entrance"),
)


@places_cli.command("demo")
def demo() -> None:
    """Add the demonstration places that are missing (existing codes are left as they are)."""
    known = set(db.session.scalars(select(Place.code)))
    added = [Place(code=code, name_zh=zh, name_en=en, kind=kind) for code, zh, en, kind in DEMO_PLACES
             if code not in known]
    db.session.add_all(added)
    db.session.commit()
    click.echo(f"{len(added)} places added")
