"""The monthly review: a PDF that poppler renders, in Chinese and English, with hand-counted figures and no
names or phones; sent on the first working day of the month (not on the holiday before it), once even when two
workers run at the same moment, to the readers' feed and to a real SMTP server, with a link that opens it."""

from __future__ import annotations

import re
import subprocess
import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select, update

from app.extensions import db
from app.notifications import delivery
from app.notifications.models import Delivery, Notification, ReadMark
from app.reports import monthly
from app.reports.review_models import MonthlyReview
from app.runtime.models import Complaint
from app.timers import settings
from app.timeutil import utcnow
from tests import notify_servers as servers
from tests.conftest import intake, logged_in_client

SHANGHAI = ZoneInfo("Asia/Shanghai")
COUNTED_MONTH = "2024-02"  # a month no other test registers complaints in
SCHEDULED_MONTH = "2026-09"  # the review due in October 2026, whose first days are the National Day holiday
PUBLIC_URL = "https://complaints.mall.example"
MAILBOXES = {"senior_management": "board@mall.example", "legal": "counsel@mall.example"}


def _text(pdf: bytes, tmp_path, name: str) -> str:
    """The PDF rendered by poppler (it must open and draw its first page) and its text."""
    assert pdf.startswith(b"%PDF")
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "20", "-png", "-f", "1", "-l", "2", str(path), str(tmp_path / name)],
                   check=True, capture_output=True)
    pages = sorted(tmp_path.glob(f"{name}-*.png"))
    assert len(pages) == 2 and all(page.stat().st_size > 0 for page in pages)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def _get(api, **query):
    return api.client.get("/api/v1/reports/monthly-review", query_string=query,
                          headers={"Authorization": f"Bearer {api.token}"} if api.token else {})


@pytest.fixture(scope="module")
def counted(app, tokens):
    """Three complaints registered in COUNTED_MONTH (two quality, one lost property), none the month before or
    a year earlier: their registration moved there after intake."""
    client = app.test_client()
    ids = []
    for kind in ("quality", "quality", "lost_property"):
        response = client.post("/api/v1/complaints", json=intake(kind, customer={
            "surname": "欧阳", "phone": "13987654321", "consent_to_contact": True}),
            headers={"Authorization": f"Bearer {tokens['desk']}"})
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    with app.app_context():
        db.session.execute(update(Complaint).where(Complaint.id.in_(ids)).values(
            created_at=datetime(2024, 2, 10, 11, 0, tzinfo=SHANGHAI)))
        db.session.commit()
        db.session.remove()
    return ids


def test_the_review_renders_in_chinese_with_the_counted_figures(app, as_user, counted, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MALL_NAME", "示例购物中心")
    response = _get(as_user("senior"), month=COUNTED_MONTH, lang="zh")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "monthly-review-2024-02-zh.pdf" in response.headers["Content-Disposition"]
    text = _text(response.data, tmp_path, "zh")
    assert "月度回顾" in text and "2024 年 2 月" in text and "商场：示例购物中心" in text
    for title in ("投诉数量", "时限达成", "赔付金额", "处理结果", "顾客满意度", "财物丢失统计"):
        assert title in text
    # Received: 3 this month, 0 the month before, +3, 0 a year earlier, +3.
    assert re.search(r"受理\s+3\s+0\s+\+3\s+0\s+\+3", text), text
    assert re.search(r"财物丢失或损坏投诉\s+1\s+0\s+\+1", text)
    assert "欧阳" not in text and "13987654321" not in text and "5432" not in text


def test_the_review_renders_in_english(as_user, counted, tmp_path):
    response = _get(as_user("legal"), month=COUNTED_MONTH, lang="en")
    assert response.status_code == 200
    text = _text(response.data, tmp_path, "en")
    assert "Monthly review" in text and "February 2024" in text
    for title in ("Complaint counts", "Time limits", "Money paid", "Outcomes", "Customer satisfaction",
                  "Bag losses by place and time", "By complaint type", "By hour of day"):
        assert title in text
    assert re.search(r"Received\s+3\s+0\s+\+3\s+0\s+\+3", text), text
    assert "13987654321" not in text


def test_only_report_readers_get_it_and_bad_queries_say_what_to_send(as_user):
    for name in ("desk", "finance", "qc", "admin"):
        assert _get(as_user(name), month=COUNTED_MONTH).status_code == 403
    assert _get(as_user(None), month=COUNTED_MONTH).status_code == 401
    senior = as_user("senior")
    for query, field in (({"month": "2026-13"}, "month"), ({"month": "October"}, "month"), ({}, "month"),
                         ({"month": "2026-10", "lang": "fr"}, "lang")):
        response = _get(senior, **query)
        assert response.status_code == 422, query
        body = response.get_json()
        assert field in body["errors"]
        assert re.search(r"[\u4e00-\u9fff]", body["message"]) and re.search(r"[A-Za-z]", body["message"])


def test_the_first_working_day_of_october_2026_follows_the_national_day_holiday(app):
    with app.app_context():
        calendar = settings.current().calendar
        assert date(2026, 10, 1) in calendar.holidays
        assert monthly.first_working_day(calendar, 2026, 10) == date(2026, 10, 8)
        db.session.remove()


@pytest.fixture
def review_channels(app, monkeypatch):
    """Management and legal told of the review, by feed and through a real SMTP server; afterwards the
    review, its notices and their deliveries are gone."""
    with servers.smtp_server() as (mailbox, port):
        for key, value in {"MONTHLY_REVIEW_ROLES": "senior_management,legal,finance", "SMTP_HOST": "127.0.0.1",
                           "SMTP_PORT": port, "PUBLIC_URL": PUBLIC_URL,
                           "NOTIFY_ROLE_EMAILS": ",".join(f"{r}={a}" for r, a in MAILBOXES.items())}.items():
            monkeypatch.setitem(app.config, key, value)
        yield mailbox
    with app.app_context():
        notices = select(Notification.id).where(Notification.template == "monthly_review")
        db.session.execute(delete(Delivery).where(Delivery.notification_id.in_(notices)))
        db.session.execute(delete(ReadMark).where(ReadMark.notification_id.in_(notices)))
        db.session.execute(delete(Notification).where(Notification.template == "monthly_review"))
        db.session.execute(delete(MonthlyReview))
        db.session.commit()
        db.session.remove()


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 10, day, hour, 0, tzinfo=SHANGHAI)


def _run_worker(app, now: datetime, results: list, barrier: threading.Barrier | None = None) -> None:
    with app.app_context():
        if barrier is not None:
            barrier.wait()
        results.append(monthly.send_due(now))
        db.session.remove()


def test_the_review_is_sent_once_on_the_first_working_day(app, review_channels, as_user, tmp_path):
    mailbox = review_channels
    for moment in (_at(1, 9), _at(7, 23)):  # the National Day holiday: not yet
        results: list = []
        _run_worker(app, moment, results)
        assert results == [None]
    with app.app_context():
        assert db.session.scalar(select(MonthlyReview).where(MonthlyReview.month == SCHEDULED_MONTH)) is None
        db.session.remove()

    # Two workers reach the first working day at the same moment: one sends it.
    results = []
    barrier = threading.Barrier(2)
    workers = [threading.Thread(target=_run_worker, args=(app, _at(8, 9), results, barrier)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert sorted(results, key=str) == [SCHEDULED_MONTH, None]
    again: list = []
    _run_worker(app, _at(8, 15), again)  # a restart later that day
    _run_worker(app, _at(20, 9), again)
    assert again == [None, None]

    with app.app_context():
        reviews = db.session.scalars(select(MonthlyReview)).all()
        # finance reads no reports: it is not told, though named
        assert [(r.month, r.recipients) for r in reviews] == [(SCHEDULED_MONTH, ["senior_management", "legal"])]
        notices = db.session.scalars(select(Notification).where(Notification.template == "monthly_review")).all()
        assert sorted(n.recipient for n in notices) == ["legal", "senior_management"]
        assert all(n.complaint_id is None for n in notices)
        sent = delivery.deliver_due()
        db.session.remove()
    assert sent.failed == 0 and sent.sent >= 2
    mine = [m for m in mailbox.messages if SCHEDULED_MONTH in str(m["Subject"])]
    assert {str(m["To"]) for m in mine} >= set(MAILBOXES.values())
    link = f"{PUBLIC_URL}/reports/monthly-review/{SCHEDULED_MONTH}.pdf"
    for message in mine:
        assert "月度回顾" in str(message["Subject"]) and "Monthly review" in str(message["Subject"])
        assert link in message.get_content()

    feed = as_user("senior").get("/notifications", lang="en")
    notice = next(item for item in feed["items"] if item["link"])
    assert notice["complaint_id"] is None and notice["complaint_number"] is None
    assert notice["subject"] == f"Monthly review: {SCHEDULED_MONTH}"
    assert notice["link"] == f"/reports/monthly-review/{SCHEDULED_MONTH}.pdf"

    page = logged_in_client(app, "senior")
    html = page.get("/notifications").get_data(as_text=True)
    assert f'href="/reports/monthly-review/{SCHEDULED_MONTH}.pdf"' in html
    opened = page.get(notice["link"], query_string={"lang": "zh"})
    assert opened.status_code == 200 and opened.mimetype == "application/pdf"
    assert "2026 年 9 月" in _text(opened.data, tmp_path, "sent")
    listing = page.get("/reports/monthly-review").get_data(as_text=True)
    assert f'data-month="{SCHEDULED_MONTH}"' in listing
    assert logged_in_client(app, "desk").get(notice["link"]).status_code == 403

    runner = app.test_cli_runner()
    twice = runner.invoke(args=["reports", "send-monthly-review", "--month", SCHEDULED_MONTH])
    assert twice.exit_code == 1 and "sent already" in twice.output
    wrong = runner.invoke(args=["reports", "send-monthly-review", "--month", "2026-13"])
    assert wrong.exit_code == 1 and "YYYY-MM" in wrong.output


def test_a_manual_run_sends_a_chosen_month(app, review_channels):
    result = app.test_cli_runner().invoke(args=["reports", "send-monthly-review", "--month", COUNTED_MONTH])
    assert result.exit_code == 0, result.output
    assert f"monthly review {COUNTED_MONTH} sent" in result.output
    with app.app_context():
        review = db.session.scalar(select(MonthlyReview).where(MonthlyReview.month == COUNTED_MONTH))
        assert review.pdf_zh.startswith(b"%PDF") and review.pdf_en.startswith(b"%PDF")
        db.session.remove()


def test_the_worker_loop_sends_the_review_due_today(app, review_channels, monkeypatch):
    monkeypatch.setitem(app.config, "MONTHLY_REVIEW_CHECK_SECONDS", 0)
    with app.app_context():
        due = monthly.due_month(utcnow())  # None before this month's first working day
        db.session.remove()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["worker", "--once"])
    assert first.exit_code == 0, first.output
    assert (f"monthly review {due} sent" in first.output) == (due is not None)
    second = runner.invoke(args=["worker", "--once"])
    assert "monthly review" not in second.output
    with app.app_context():
        months = db.session.scalars(select(MonthlyReview.month)).all()
        db.session.remove()
    assert months == ([due] if due else [])
