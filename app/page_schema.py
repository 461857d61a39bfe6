"""The envelope of every list the API returns a page at a time: `items`, `total`, `page` and `per_page`.

Each list's schema subclasses PageSchema under its own name (the name is its OpenAPI component's) and
declares `items`, the list of its own item schema, and any field of its own (e.g. `total_capped`).
"""

from __future__ import annotations

from marshmallow import Schema, fields


class PageSchema(Schema):
    """One page of a list; subclasses add `items`."""

    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
