"""Field types and helpers so every payload labels and validates the same way.

Besides the form helpers (`text`, `yes_no`, `money`, …) this module holds the field
types every payload schema uses where marshmallow's own are too lenient for this
service: booleans that are JSON booleans, money that is documented and returned as
a number, date-times the databases and time-zone arithmetic can hold, and integers
that fit the databases' integer columns; and the rules every intake and form shares:
a required text says something (not only spaces), a phone is a Chinese mobile or
landline number, an email address looks like one, and a date that has happened is not
after today in the mall's zone. Each rule is also written into the exported JSON Schema (`pattern`, `x-latest`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from marshmallow import ValidationError, fields, validate

from app.timeutil import isoformat, utcnow

PHONE_MAX_LENGTH = 20  # the customer_phone column
# A mobile number (1[3-9] and nine digits, +86 allowed before it) or a landline: area code (0 and two or
# three digits), the number (7 or 8 digits, not starting with 0 or 1), an extension after a dash.
PHONE_PATTERN = r"^(?:(?:\+86[ -]?)?1[3-9][0-9]{9}|0[0-9]{2,3}[ -]?[2-9][0-9]{6,7}(?:-[0-9]{1,6})?)$"


def N_(message: str) -> str:
    """Mark a validation message for the translation catalogue (app/translations): the API answers with
    the English text, and the pages show it in their language."""
    return message


PHONE_MESSAGE = N_("Enter a Chinese mobile number (11 digits starting 13-19, +86 allowed) or a landline with its "
                   "area code, such as 010-12345678 (an extension after a dash).")
EMAIL_MAX_LENGTH = 254  # the email columns (a user's, the customer's)
EMAIL_MESSAGE = N_("Enter an email address such as name@example.com.")
NOT_BLANK_PATTERN = r"\s*\S"  # matched from the start: some character other than white space
BLANK_MESSAGE = N_("This cannot be left blank: enter the text, not only spaces.")
FUTURE_DATE_MESSAGE = N_("This date is after today: enter the date it actually happened.")
MAX_INT = 2**31 - 1  # PostgreSQL's integer; page numbers and ids stay within it
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999  # date-times outside are refused before any arithmetic


class StrictBoolean(fields.Boolean):
    """A JSON boolean: true or false only (marshmallow also takes 1, "yes", "on", …)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Money(fields.Decimal):
    """Yuan with two decimals, loaded as Decimal, returned and documented as a JSON number."""

    def __init__(self, **kwargs: Any):
        super().__init__(places=2, as_string=False, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> float | None:
        number = super()._serialize(value, attr, obj, **kwargs)
        return None if number is None else float(number)


class AwareDateTime(fields.AwareDateTime):
    """An ISO 8601 date-time with its offset, between EARLIEST_YEAR and LATEST_YEAR in UTC.

    Year 9999 with a negative offset (or year 1 with a positive one) has no UTC equivalent;
    refusing the ends of the calendar keeps every later conversion safe.
    """

    default_error_messages = {"range": f"Must lie between the years {EARLIEST_YEAR} and {LATEST_YEAR}."}

    def __init__(self, **kwargs: Any):
        super().__init__(default_timezone=None, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            year = moment.astimezone(dt.UTC).year
        except OverflowError:
            raise self.make_error("range") from None
        if not EARLIEST_YEAR <= year <= LATEST_YEAR:
            raise self.make_error("range")
        return moment


class Timestamp(fields.DateTime):
    """A date-time in a response, written as the service writes them all (UTC, `Z`); text passes as it is."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return isoformat(value) if isinstance(value, dt.datetime) else value


def timestamp(*, nullable: bool = False) -> fields.Field:
    """A date-time every response carries (null when `nullable` and not yet happened)."""
    return Timestamp(required=True, allow_none=nullable)


def page_number() -> fields.Field:
    return fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_INT),
                          metadata={"description": "1 for the first page"})


def per_page(default: int = 20, maximum: int = 100) -> fields.Field:
    return fields.Integer(load_default=default, validate=validate.Range(min=1, max=maximum))


def _meta(zh: str, en: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"title": zh, "x-title-en": en, **(extra or {})}


def mall_now() -> dt.datetime:
    """The service's clock in the mall's zone (MALL_TIMEZONE): what "today" means to the people at the desk."""
    return utcnow().astimezone(ZoneInfo(current_app.config["MALL_TIMEZONE"]))


def not_blank(**kwargs: Any) -> validate.Validator:
    """Some text other than white space (a name, a description)."""
    return validate.Regexp(NOT_BLANK_PATTERN, error=BLANK_MESSAGE, **kwargs)


def not_after_today(value: dt.date) -> None:
    """A date that has happened: not after today in the mall's zone."""
    if value > mall_now().date():
        raise ValidationError(FUTURE_DATE_MESSAGE)


def text(zh: str, en: str, *, required: bool = True, max_length: int = 2000, multiline: bool = False,
         personal: bool = False) -> fields.Field:
    """Text; when required it must say something, not only spaces. `personal`: it describes a person (a name, a
    description, an injury), so it is purged when the complaint's retention ends (`x-personal`)."""
    checks: list[validate.Validator] = [validate.Length(min=1 if required else 0, max=max_length)]
    if required:
        checks.append(not_blank())
    extra: dict[str, Any] = {"x-multiline": True} if multiline else {}
    if personal:
        extra["x-personal"] = True
    return fields.String(required=required, validate=checks, metadata=_meta(zh, en, extra))


def yes_no(zh: str, en: str, *, required: bool = True) -> fields.Field:
    return StrictBoolean(required=required, metadata=_meta(zh, en))


def confirmed(zh: str, en: str) -> fields.Field:
    """A box that must be ticked: true, and nothing else."""
    return StrictBoolean(required=True, validate=validate.Equal(True, error="This must be confirmed."),
                         metadata=_meta(zh, en))


def money(zh: str, en: str, *, required: bool = True) -> fields.Field:
    """Yuan, non-negative, kept to two decimals."""
    return Money(required=required, validate=validate.Range(min=Decimal(0), max=Decimal(10_000_000)),
                 metadata=_meta(zh, en, {"x-decimal-places": 2, "x-currency": "CNY"}))


def choice(zh: str, en: str, options: dict[str, tuple[str, str]], *, required: bool = True) -> fields.Field:
    """A value from `options` (value -> (zh label, en label))."""
    return fields.String(required=required, validate=validate.OneOf(list(options)),
                         metadata=_meta(zh, en, {"x-option-labels": {k: {"zh": v[0], "en": v[1]}
                                                                     for k, v in options.items()}}))


def date(zh: str, en: str, *, required: bool = True, past: bool = False) -> fields.Field:
    """A date; with `past`, one that has happened (not after today in the mall's zone)."""
    if past:
        return fields.Date(required=required, validate=not_after_today, metadata=_meta(zh, en, {"x-latest": "today"}))
    return fields.Date(required=required, metadata=_meta(zh, en))


def phone_checks() -> list[validate.Validator]:
    return [validate.Length(max=PHONE_MAX_LENGTH), validate.Regexp(PHONE_PATTERN, error=PHONE_MESSAGE)]


def phone(zh: str, en: str, *, required: bool = True) -> fields.Field:
    return fields.String(required=required, validate=phone_checks(), metadata=_meta(zh, en))


def email_address(zh: str, en: str) -> fields.Field:
    """An optional email address (absent or null: none given)."""
    return fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=EMAIL_MAX_LENGTH),
                        error_messages={"invalid": EMAIL_MESSAGE}, metadata=_meta(zh, en))
