"""Field helpers so every form labels and validates the same way."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

PHONE_PATTERN = r"^\+?[0-9][0-9 -]{5,19}$"


def _meta(zh: str, en: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"title": zh, "x-title-en": en, **(extra or {})}


def text(zh: str, en: str, *, required: bool = True, max_length: int = 2000, multiline: bool = False) -> fields.Field:
    minimum = 1 if required else 0
    extra = {"x-multiline": True} if multiline else None
    return fields.String(required=required, validate=validate.Length(min=minimum, max=max_length),
                         metadata=_meta(zh, en, extra))


def yes_no(zh: str, en: str, *, required: bool = True) -> fields.Field:
    return fields.Boolean(required=required, metadata=_meta(zh, en))


def money(zh: str, en: str, *, required: bool = True) -> fields.Field:
    """Yuan, non-negative, kept to two decimals."""
    return fields.Decimal(required=required, places=2, validate=validate.Range(min=0, max=10_000_000),
                          metadata=_meta(zh, en, {"x-decimal-places": 2, "x-currency": "CNY"}))


def choice(zh: str, en: str, options: dict[str, tuple[str, str]], *, required: bool = True) -> fields.Field:
    """A value from `options` (value -> (zh label, en label))."""
    return fields.String(required=required, validate=validate.OneOf(list(options)),
                         metadata=_meta(zh, en, {"x-option-labels": {k: {"zh": v[0], "en": v[1]}
                                                                     for k, v in options.items()}}))


def date(zh: str, en: str, *, required: bool = True) -> fields.Field:
    return fields.Date(required=required, metadata=_meta(zh, en))


def phone(zh: str, en: str, *, required: bool = True) -> fields.Field:
    return fields.String(required=required, validate=validate.Regexp(PHONE_PATTERN),
                         metadata=_meta(zh, en, {"pattern": PHONE_PATTERN}))
