"""HTTP endpoints for the mall's places."""

from __future__ import annotations

from app.api import PREFIX, Blueprint, body_doc, errors, json_body
from app.places import service
from app.places.schemas import PlaceChangeSchema, PlaceCreateSchema, PlaceFilterSchema, PlacePageSchema, PlaceSchema
from app.users.auth import current_user

blp = Blueprint("places", __name__, url_prefix=f"{PREFIX}/places", description="The mall's places")


@blp.route("", methods=["GET"])
@blp.arguments(PlaceFilterSchema, location="query")
@blp.doc(summary="The mall's places (floors, zones, car-park levels, entrances) in code order")
@blp.response(200, PlacePageSchema)
@errors(blp, 401, 403, 422)
def listing(filters):
    return service.listing(current_user(), filters)


@blp.route("", methods=["POST"])
@blp.doc(summary="Add a place (admin, process owner)", **body_doc(PlaceCreateSchema))
@blp.response(201, PlaceSchema)
@errors(blp, 401, 403, 409, 413, 422)
def create():
    return service.create(json_body(), current_user())


@blp.route("/<int:place_id>", methods=["PATCH"])
@blp.doc(summary="Rename a place, change its kind, retire or restore it (admin, process owner)",
         **body_doc(PlaceChangeSchema))
@blp.response(200, PlaceSchema)
@errors(blp, 401, 403, 404, 413, 422)
def change(place_id: int):
    return service.change(place_id, json_body(), current_user())
