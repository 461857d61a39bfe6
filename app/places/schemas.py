"""Marshmallow schemas of the places API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.forms.fields import StrictBoolean, not_blank, page_number, per_page
from app.page_schema import PageSchema
from app.places.models import PLACE_KINDS

CODE_MESSAGE = "Use 1-40 letters, digits, dashes or underscores, e.g. F1-FOOD. / 编码只能用字母、数字、- 或 _。"
KIND_MESSAGE = "Choose floor, zone, car_park or entrance. / 请选择楼层、区域、停车场或出入口。"


def _name(zh: str, en: str, required: bool) -> fields.Field:
    return fields.String(required=required, validate=[validate.Length(min=1, max=100), not_blank()],
                         metadata={"title": zh, "x-title-en": en})


class PlaceCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$", error=CODE_MESSAGE),
                         metadata={"title": "编码", "x-title-en": "Code"})
    name_zh = _name("中文名称", "Chinese name", True)
    name_en = _name("英文名称", "English name", True)
    kind = fields.String(required=True, validate=validate.OneOf(list(PLACE_KINDS), error=KIND_MESSAGE))
    active = StrictBoolean(load_default=True)


class PlaceChangeSchema(Schema):
    """What may change of a place (its code stays: exports and reports name it)."""

    name_zh = _name("中文名称", "Chinese name", False)
    name_en = _name("英文名称", "English name", False)
    kind = fields.String(validate=validate.OneOf(list(PLACE_KINDS), error=KIND_MESSAGE))
    active = StrictBoolean()


class PlaceSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(PLACE_KINDS)))
    active = fields.Boolean(required=True)


class PlaceFilterSchema(Schema):
    kind = fields.String(validate=validate.OneOf(list(PLACE_KINDS), error=KIND_MESSAGE))
    include_inactive = fields.Boolean(load_default=False, metadata={"description": "also the retired places"})
    page = page_number()
    per_page = per_page(default=100, maximum=500)


class PlacePageSchema(PageSchema):
    items = fields.List(fields.Nested(PlaceSchema), required=True)
