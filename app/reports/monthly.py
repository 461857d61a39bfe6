"""The monthly review's schedule and delivery, and the review as a file for its readers.

On the first working day of a month in the business calendar (a day with opening hours that is not a public
holiday, in the mall's zone), the worker draws the previous month's review in Chinese and English, records it
(one row per month: the unique month is what makes two workers, or a restart, send it once) and tells the roles
in MONTHLY_REVIEW_ROLES through the notifications outbox, in the same transaction: a notice in their feed that
links to the PDF, and an email where email is configured. A worker that was down that day sends it on its first
turn later in the month. The PDF as sent is kept, so the link opens what was announced.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.database import begin_write
from app.extensions import db
from app.notifications import outbox
from app.reports import review_pdf, service
from app.reports.export import ExportFile
from app.reports.periods import parse
from app.reports.review_models import MonthlyReview
from app.reports.schemas import MonthlyReviewQuerySchema
from app.timers import settings
from app.timers.calendar import WEEKDAYS, BusinessCalendar
from app.timeutil import isoformat, utcnow
from app.users.models import User
from app.users.permissions import require

LANGUAGES = ("zh", "en")
LINK = "/reports/monthly-review/{month}.pdf"
DEFAULT_CHECK_SECONDS = 300.0  # how often the worker looks whether a review is due
LAST_CHECK = "monthly_review_last_check"  # in the application's extensions: each app keeps its own
_query_schema = MonthlyReviewQuerySchema()


class _Worker:
    """The worker, reading the reports it sends to their readers (it has no account of its own)."""

    username = "worker"

    def has_role(self, *roles: str) -> bool:
        return bool(set(roles) & service.REPORT_READERS)


def recipients(config: Mapping[str, Any]) -> list[str]:
    """MONTHLY_REVIEW_ROLES ("senior_management,legal"): the report readers told of the review; a role that
    may not read reports is left out. Empty: the worker sends no review."""
    named = [role.strip() for role in str(config.get("MONTHLY_REVIEW_ROLES") or "").split(",")]
    return [role for role in dict.fromkeys(named) if role in service.REPORT_READERS]


def month_of(value: str) -> str:
    """A month given as YYYY-MM, checked (a 422 in both languages otherwise)."""
    return parse({"period": "month", "month": value}, ZoneInfo(current_app.config["MALL_TIMEZONE"])).label


def works(calendar: BusinessCalendar, day: date) -> bool:
    """Whether the business calendar counts `day` as a working day."""
    if day in calendar.holidays:
        return False
    return calendar.opening_hours.get(WEEKDAYS[day.weekday()]) is not None or day in calendar.working_days


def first_working_day(calendar: BusinessCalendar, year: int, month: int) -> date | None:
    day = date(year, month, 1)
    while day.month == month:
        if works(calendar, day):
            return day
        day += timedelta(days=1)
    return None


def due_month(now: datetime) -> str | None:
    """The month whose review is due at `now`: the previous month, from this month's first working day on."""
    zone = ZoneInfo(current_app.config["MALL_TIMEZONE"])
    today = now.astimezone(zone).date()
    first = first_working_day(settings.current().calendar, today.year, today.month)
    if first is None or today < first:
        return None
    previous = today.replace(day=1) - timedelta(days=1)
    return f"{previous.year}-{previous.month:02d}"


def _reports(month: str, viewer: Any) -> list[dict[str, Any]]:
    return [service.report(name, {"period": "month", "month": month}, viewer) for name in service.REPORTS]


def _render(month: str, reports: list[dict[str, Any]], lang: str, now: datetime) -> bytes:
    config = current_app.config
    return review_pdf.render(month, reports, lang, now, ZoneInfo(config["MALL_TIMEZONE"]),
                             str(config.get("MALL_NAME") or ""))


def _sent(month: str) -> MonthlyReview | None:
    return db.session.scalar(select(MonthlyReview).where(MonthlyReview.month == month))


def send(month: str, now: datetime | None = None) -> bool:
    """Draw the month's review and tell its readers, unless it was sent already; True when this call sent it.

    The PDFs are drawn before the write transaction (they only read); the row and the notices are then written
    together, so a review is recorded exactly when its notices are queued."""
    month = month_of(month)
    roles = recipients(current_app.config)
    if not roles or _sent(month) is not None:
        return False
    now = now or utcnow()
    reports = _reports(month, _Worker())
    pdfs = {lang: _render(month, reports, lang, now) for lang in LANGUAGES}
    begin_write()
    if _sent(month) is not None:
        db.session.rollback()
        return False
    link = LINK.format(month=month)
    url = str(current_app.config.get("PUBLIC_URL") or "").rstrip("/") + link
    try:
        db.session.add(MonthlyReview(month=month, sent_at=now, recipients=roles, pdf_zh=pdfs["zh"],
                                     pdf_en=pdfs["en"]))
        db.session.flush()  # another worker's row for the month stops this one here
    except IntegrityError:
        db.session.rollback()
        return False
    for role in roles:
        outbox.enqueue(None, role, f"月度回顾：{month}", url, template="monthly_review",
                       params={"month": month, "url": url, "link": link})
    db.session.commit()
    return True


def send_due(now: datetime | None = None) -> str | None:
    """Send the review that is due at `now` (default: the service's clock), once; the month sent, or None."""
    if not recipients(current_app.config):
        return None
    month = due_month(now or utcnow())
    if month is None or not send(month, now):
        return None
    return month


def worker_job(app: Flask) -> None:
    """The worker's turn: look whether a review is due every MONTHLY_REVIEW_CHECK_SECONDS."""
    interval = float(app.config.get("MONTHLY_REVIEW_CHECK_SECONDS", DEFAULT_CHECK_SECONDS))
    moment = time.monotonic()
    if moment - app.extensions.get(LAST_CHECK, -interval) < interval:
        return
    app.extensions[LAST_CHECK] = moment
    month = send_due()
    if month is not None:
        click.echo(f"monthly review {month} sent")


def review_file(raw_query: dict[str, Any], viewer: User) -> ExportFile:
    """The month's review in the language asked for: as it was sent, or, for a month not sent, drawn now."""
    require(viewer, service.REPORT_READERS, "read the monthly review")
    query = service.load_query(raw_query, _query_schema)
    month, lang = month_of(query["month"]), query["lang"]
    sent = _sent(month)
    if sent is not None:
        data = sent.pdf_en if lang == "en" else sent.pdf_zh
    else:
        data = _render(month, _reports(month, viewer), lang, utcnow())
    return ExportFile(data, "application/pdf", f"monthly-review-{month}-{lang}.pdf")


def sent_reviews(viewer: User, limit: int = 24) -> list[dict[str, Any]]:
    """The reviews sent, newest first: month, when, and the roles told."""
    require(viewer, service.REPORT_READERS, "read the monthly review")
    rows = db.session.execute(select(MonthlyReview.month, MonthlyReview.sent_at, MonthlyReview.recipients)
                              .order_by(MonthlyReview.month.desc()).limit(limit))
    return [{"month": month, "sent_at": isoformat(sent_at), "recipients": roles} for month, sent_at, roles in rows]


def may_read(user: User) -> bool:
    return user.has_role(*service.REPORT_READERS)
