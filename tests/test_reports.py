"""The monthly review's reports against hand-counted fixtures.

Complaints are written straight into the tables at chosen moments of 2022 and 2023 (long before any complaint
the other tests register), around the month boundaries in Asia/Shanghai: a complaint registered at 00:30 on
1 October in the mall is still 30 September in UTC, and counts in October. Some stay open, some close in the
next month, one is cancelled; payments and finished tasks go with them. The rows are removed afterwards.

October 2023 (mall time), by hand:
  A lost_property desk    F1-lockers  10-01 00:30 (Sun)  open, case due 10-02 00:30
  B lost_property hotline F1-lockers  10-31 23:50 (Tue)  closed 11-01 02:00 (after the month: open at its end)
  D quality       wechat  -           10-15 10:00 (Sun)  closed 10-20 10:00 (120 h, past its 48 h limit),
                                                         no agreement; ¥200 compensation paid 10-19
  E conflict      desk    -           10-16 14:00 (Mon)  cancelled 10-16 15:00
September 2023: C quality desk F2, 09-30 23:59, closed 10-02 10:00 (34 h, within its limit), resolved;
                a ¥500 medical advance paid 09-30 23:00.
November 2023:  G quality desk, 11-01 00:00:30 (not October).
October 2022:   F lost_property desk F1-lockers 10-10 09:00, closed 10-11 09:00.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, select

from app.definitions.models import ProcessDefinition
from app.extensions import db
from app.places.models import Place
from app.records.models import PaymentRequest
from app.runtime.models import Complaint, HumanTask
from tests.conftest import logged_in_client
from tests.report_fixtures import delete_complaints, module_fixture

MALL = ZoneInfo("Asia/Shanghai")
OCTOBER = {"period": "month", "month": "2023-10"}
READERS = ("senior", "manager", "legal", "owner")


def mall(*args: int) -> datetime:
    return datetime(*args, tzinfo=MALL)


class Fixture:
    """The hand-counted complaints, their places, payments and tasks."""

    def __init__(self, app):
        self.app = app
        self.ids: dict[str, int] = {}
        self.places: dict[str, int] = {}

    def build(self) -> None:
        with self.app.app_context():
            lockers = Place(code="T-LOCKERS", name_zh="一楼存包处", name_en="Floor 1 lockers", kind="zone")
            upstairs = Place(code="T-F2", name_zh="二楼", name_en="Floor 2", kind="floor")
            db.session.add_all([lockers, upstairs])
            db.session.flush()
            self.places = {"lockers": lockers.id, "f2": upstairs.id}
            definitions = dict(db.session.execute(select(ProcessDefinition.key, ProcessDefinition.id)
                                                  .where(ProcessDefinition.kind == "bpmn")).all())
            specs = {
                "A": dict(type="lost_property", channel="desk", place=lockers.id, created=mall(2023, 10, 1, 0, 30),
                          due=mall(2023, 10, 2, 0, 30)),
                "B": dict(type="lost_property", channel="hotline", place=lockers.id,
                          created=mall(2023, 10, 31, 23, 50), closed=mall(2023, 11, 1, 2, 0), outcome="end_resolved"),
                "C": dict(type="quality", channel="desk", place=upstairs.id, created=mall(2023, 9, 30, 23, 59),
                          closed=mall(2023, 10, 2, 10, 0), due=mall(2023, 10, 2, 23, 59), outcome="end_resolved"),
                "D": dict(type="quality", channel="wechat", party="XX超市", created=mall(2023, 10, 15, 10, 0),
                          closed=mall(2023, 10, 20, 10, 0), due=mall(2023, 10, 17, 10, 0),
                          outcome="end_no_agreement"),
                "E": dict(type="conflict", channel="desk", created=mall(2023, 10, 16, 14, 0),
                          closed=mall(2023, 10, 16, 15, 0), status="cancelled"),
                "G": dict(type="quality", channel="desk", created=datetime(2023, 11, 1, 0, 0, 30, tzinfo=MALL)),
                "F": dict(type="lost_property", channel="desk", place=lockers.id, created=mall(2022, 10, 10, 9, 0),
                          closed=mall(2022, 10, 11, 9, 0), outcome="end_resolved"),
            }
            rows = {}
            for mark, spec in specs.items():
                closed = spec.get("closed")
                rows[mark] = Complaint(
                    number=f"TR-{mark}-{uuid.uuid4().hex[:8]}", type=spec["type"],
                    definition_id=definitions[spec["type"]],
                    status=spec.get("status", "closed" if closed else "open"), outcome=spec.get("outcome"),
                    state="", channel=spec["channel"], customer_surname="报表", customer_phone="13812345678",
                    occurred_at=spec["created"], location="现场", place_id=spec.get("place"),
                    involved_party=spec.get("party"), description="x", demand="x", intake={},
                    created_at=spec["created"], updated_at=spec["created"], closed_at=closed, due_at=spec.get("due"))
            db.session.add_all(rows.values())
            db.session.flush()
            self.ids = {mark: row.id for mark, row in rows.items()}
            db.session.add_all([
                PaymentRequest(complaint_id=self.ids["D"], amount=Decimal("200.00"), purpose="compensation",
                               payee="顾客", requested_by="x", status="paid", paid_at=mall(2023, 10, 19, 16, 0)),
                PaymentRequest(complaint_id=self.ids["D"], amount=Decimal("100.00"), purpose="refund",
                               payee="顾客", requested_by="x", status="requested"),
                PaymentRequest(complaint_id=self.ids["C"], amount=Decimal("500.00"), purpose="medical_advance",
                               payee="医院", requested_by="x", status="paid", paid_at=mall(2023, 9, 30, 23, 0)),
            ])
            for n, (done, due) in enumerate(((mall(2023, 10, 16, 9, 0), mall(2023, 10, 16, 10, 0)),
                                             (mall(2023, 10, 18, 9, 0), mall(2023, 10, 17, 10, 0)))):
                db.session.add(HumanTask(
                    id=str(uuid.uuid4()), complaint_id=self.ids["D"], complaint_number=rows["D"].number,
                    complaint_type="quality", complaint_created_at=rows["D"].created_at, process_id="quality",
                    element_id=f"t{n}", name="t", role="quality_control", form_key="quality.assess",
                    state="completed", due_at=due, due_order=due, created_at=rows["D"].created_at,
                    completed_at=done))
            db.session.commit()
            db.session.remove()

    def remove(self) -> None:
        with self.app.app_context():
            ids = list(self.ids.values())
            delete_complaints(ids, PaymentRequest, HumanTask)
            db.session.execute(delete(Place).where(Place.id.in_(list(self.places.values()))))
            db.session.commit()
            db.session.remove()

    def numbers(self, *marks: str) -> set[str]:
        with self.app.app_context():
            found = set(db.session.scalars(select(Complaint.number).where(
                Complaint.id.in_([self.ids[m] for m in marks]))))
            db.session.remove()
        return found


fixture = module_fixture(Fixture)


def section(body: dict, key: str) -> dict[str, dict]:
    found = [s for s in body["sections"] if s["key"] == key]
    assert found, [s["key"] for s in body["sections"]]
    return {row["key"]: row for row in found[0]["rows"]}


def values(rows: dict[str, dict], column: str = "current") -> dict[str, object]:
    return {key: row[column] for key, row in rows.items() if row[column] not in (0, None)}


def listed(as_user, query: dict) -> set[str]:
    """The numbers the complaint list shows for a figure's query (as a duty manager, who reads complaints)."""
    answer = as_user("manager").get("/complaints", per_page=100, **query)
    assert answer.status == 200, answer.body
    return {item["number"] for item in answer["items"]}


def test_counts_of_a_month_across_its_boundaries_in_the_mall_s_zone(as_user, fixture):
    answer = as_user("senior").get("/reports/counts", **OCTOBER)
    assert answer.status == 200, answer.body
    body = answer.body
    assert body["period"]["current"]["start"] == "2023-09-30T16:00:00Z"
    assert body["period"]["previous"]["first_day"] == "2023-09-01"
    assert body["period"]["last_year"]["first_day"] == "2022-10-01"
    totals = section(body, "totals")
    assert {k: (r["current"], r["previous"], r["last_year"]) for k, r in totals.items()} == {
        "received": (4, 1, 1), "closed": (2, 0, 1), "cancelled": (1, 0, 0), "open_at_end": (2, 1, 0)}
    assert values(section(body, "by_type")) == {"lost_property": 2, "quality": 1, "conflict": 1}
    assert values(section(body, "by_channel")) == {"desk": 2, "hotline": 1, "wechat": 1}
    lockers = str(fixture.places["lockers"])
    places = section(body, "by_place")
    assert values(places) == {lockers: 2, "none": 2}
    assert values(places, "last_year") == {lockers: 1}
    assert places[lockers]["label"] == {"zh": "一楼存包处", "en": "Floor 1 lockers"}
    assert values(section(body, "by_hour")) == {"0": 1, "10": 1, "14": 1, "23": 1}
    assert values(section(body, "by_weekday")) == {"0": 2, "1": 1, "2": 1}
    assert values(section(body, "by_party")) == {"XX超市": 1}
    # every figure with a list names the complaints behind it
    assert listed(as_user, totals["received"]["complaints"]) == fixture.numbers("A", "B", "D", "E")
    assert listed(as_user, totals["closed"]["complaints"]) == fixture.numbers("C", "D")
    assert listed(as_user, totals["open_at_end"]["complaints"]) == fixture.numbers("A", "B")
    assert listed(as_user, places[lockers]["complaints"]) == fixture.numbers("A", "B")
    assert listed(as_user, section(body, "by_channel")["wechat"]["complaints"]) == fixture.numbers("D")


def test_filters_narrow_every_figure(as_user, fixture):
    body = as_user("manager").get("/reports/counts", **OCTOBER, channel="desk").body
    assert values(section(body, "totals")) == {"received": 2, "closed": 1, "cancelled": 1, "open_at_end": 1}  # C closed
    body = as_user("manager").get("/reports/counts", **OCTOBER, place_id=fixture.places["lockers"]).body
    totals = section(body, "totals")
    assert (totals["received"]["current"], totals["received"]["last_year"]) == (2, 1)
    assert totals["received"]["complaints"]["place_id"] == fixture.places["lockers"]


def test_time_limits(as_user, fixture):
    body = as_user("legal").get("/reports/time-limits", **OCTOBER).body
    case = section(body, "case_limit")
    assert {k: r["current"] for k, r in case.items()} == {
        "closed_with_limit": 2, "met": 1, "missed": 1, "share_met": 0.5,
        "resolution_median_hours": 34.02, "resolution_p90_hours": 120.0}
    assert listed(as_user, case["met"]["complaints"]) == fixture.numbers("C")
    assert listed(as_user, case["missed"]["complaints"]) == fixture.numbers("D")
    assert section(body, "tasks_on_time")["quality_control"]["current"] == 0.5
    overdue = section(as_user("legal").get("/reports/time-limits", **OCTOBER,
                                           place_id=fixture.places["lockers"]).body, "overdue_now")
    assert overdue["case_overdue"]["current"] == 1  # A: open, due in 2023
    assert overdue["case_overdue"]["previous"] is None
    assert overdue["task_overdue"]["current"] == 0


def test_money(as_user, fixture):
    body = as_user("senior").get("/reports/money", **OCTOBER).body
    assert {k: (r["current"], r["previous"]) for k, r in section(body, "totals").items()} == {
        "payments": (1, 1), "amount": (200.0, 500.0)}
    assert values(section(body, "by_purpose")) == {"compensation": 200.0}
    assert values(section(body, "by_purpose"), "previous") == {"medical_advance": 500.0}
    assert values(section(body, "by_type")) == {"quality": 200.0}
    # each figure of money paid lists the complaints it was paid for: D's compensation paid in October, not its
    # refund still requested, nor C's advance paid the evening before October began (mall time)
    for figure in (section(body, "totals")["amount"], section(body, "by_purpose")["compensation"],
                   section(body, "by_type")["quality"]):
        assert listed(as_user, figure["complaints"]) == fixture.numbers("D")
    refunds = dict(section(body, "by_purpose")["compensation"]["complaints"], paid_purpose="refund")
    assert listed(as_user, refunds) == set()


def test_the_dashboard_s_figures_of_money_and_hours_link_to_their_complaints(app, fixture):
    client = logged_in_client(app, "manager")
    html = client.get("/reports", query_string=OCTOBER).get_data(as_text=True)
    table = re.search(r'data-section="money-by_purpose">(.*?)</table>', html, re.S).group(1)
    link = re.search(r'<tr data-key="compensation">.*?<a href="([^"]+)" class="figure-link">', table, re.S).group(1)
    assert "paid_purpose=compensation" in link and "paid_from=" in link and "paid_to=" in link
    listed_html = client.get(unescape(link)).get_data(as_text=True)
    assert all(number in listed_html for number in fixture.numbers("D"))
    assert not any(number in listed_html for number in fixture.numbers("A", "B", "C", "E"))
    # the list says what the figure narrowed it by, in the page's language
    notice = re.search(r'<p class="notice" id="figure-filters">(.*?)</p>', listed_html, re.S).group(1)
    assert "从报表指标进入" in notice and "支付用途: 赔偿" in notice and "支付不早于: 2023年10月1日" in notice
    client.set_cookie("lang", "en")
    notice = re.search(r'id="figure-filters">(.*?)</p>', client.get(unescape(link)).get_data(as_text=True),
                       re.S).group(1)
    assert "Paid for: Compensation" in notice and "Paid before: Nov 1, 2023" in notice
    client.set_cookie("lang", "zh")
    # an hour of the day, too: A was received at 00:30 mall time
    table = re.search(r'data-section="counts-by_hour">(.*?)</table>', html, re.S).group(1)
    link = re.search(r'<tr data-key="0">.*?<a href="([^"]+)" class="figure-link">', table, re.S).group(1)
    listed_html = client.get(unescape(link)).get_data(as_text=True)
    assert all(number in listed_html for number in fixture.numbers("A"))
    assert not any(number in listed_html for number in fixture.numbers("B", "C", "D", "E"))
    assert "受理时段（商场时间）: 00:00–01:00" in listed_html


def test_outcomes(as_user, fixture):
    body = as_user("owner").get("/reports/outcomes", **OCTOBER).body
    outcomes = section(body, "by_outcome")
    assert values(outcomes) == {"quality:end_resolved": 1, "quality:end_no_agreement": 1}
    assert outcomes["quality:end_no_agreement"]["label"]["zh"].startswith("商品质量和服务投诉")
    assert listed(as_user, outcomes["quality:end_no_agreement"]["complaints"]) == fixture.numbers("D")
    assert section(body, "cancelled")["cancelled"]["current"] == 1


def test_bag_losses_by_place_and_time(as_user, fixture):
    body = as_user("senior").get("/reports/bag-loss", **OCTOBER).body
    assert section(body, "totals")["received"]["current"] == 2
    assert section(body, "totals")["received"]["last_year"] == 1
    assert values(section(body, "by_place")) == {str(fixture.places["lockers"]): 1 + 1}
    assert values(section(body, "by_hour")) == {"0": 1, "23": 1}
    # an hour or a weekday lists the complaints received then, in mall time: A at 00:30 on Sunday 1 October,
    # B at 23:50 on Tuesday 31 October
    by_hour, by_weekday = section(body, "by_hour"), section(body, "by_weekday")
    assert listed(as_user, by_hour["0"]["complaints"]) == fixture.numbers("A")
    assert listed(as_user, by_hour["23"]["complaints"]) == fixture.numbers("B")
    assert listed(as_user, by_hour["1"]["complaints"]) == set()
    assert listed(as_user, by_weekday["0"]["complaints"]) == fixture.numbers("A")
    assert listed(as_user, by_weekday["2"]["complaints"]) == fixture.numbers("B")
    assert listed(as_user, section(body, "totals")["received"]["complaints"]) == fixture.numbers("A", "B")


@pytest.mark.parametrize("query", [
    {"local_hour": 3},
    {"local_weekday": 1, "created_from": "2023-01-01T00:00:00Z"},
    {"local_hour": 3, "created_from": "2023-01-01T00:00:00Z", "created_to": "2025-01-01T00:00:00Z"},
])
def test_an_hour_or_a_weekday_is_looked_for_within_at_most_a_year(as_user, query):
    answer = as_user("manager").get("/complaints", **query)
    assert answer.status == 422, answer.body
    assert "created_from" in str(answer.body) and "按时段或星期" in str(answer.body)


def test_the_list_page_says_why_an_hour_needs_dates(app):
    client = logged_in_client(app, "manager")
    html = client.get("/complaints", query_string={"local_hour": 3}).get_data(as_text=True)
    assert 'id="search-error"' in html and "按时段或星期筛选时，请同时给出 created_from 和 created_to" in html
    assert 'id="figure-filters"' not in html


def test_a_quarter_and_chosen_days(as_user, fixture):
    quarter = as_user("senior").get("/reports/counts", period="quarter", quarter="2023-Q4").body
    assert quarter["period"]["previous"]["first_day"] == "2023-07-01"
    assert section(quarter, "totals")["received"]["current"] == 5  # A, B, D, E and G
    days = as_user("senior").get("/reports/counts", period="custom", **{"from": "2023-10-01", "to": "2023-10-01"})
    assert section(days.body, "totals")["received"]["current"] == 1  # A, at 00:30 mall time
    assert days.body["period"]["previous"]["first_day"] == "2023-09-30"


def test_a_report_as_csv_and_xlsx(app, tokens, fixture):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {tokens['senior']}"}
    response = client.get("/api/v1/reports/counts/export", query_string={**OCTOBER, "format": "csv", "lang": "en"},
                          headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert lines[0] == ["Section", "Figure", "This period", "Previous period", "Same period last year"]
    assert ["Totals", "Received", "4", "1", "1"] in lines
    response = client.get("/api/v1/reports/counts/export", query_string={**OCTOBER, "format": "xlsx"},
                          headers=headers)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [tuple(cell.value for cell in row) for row in sheet.iter_rows()]
    assert rows[0] == ("部分", "指标", "本期", "上期", "去年同期")
    assert ("总数", "期末未结", 2, 1, 0) in rows


def test_the_list_behind_a_figure_as_csv_and_xlsx_without_names_or_phones(app, as_user, tokens, fixture):
    query = section(as_user("senior").get("/reports/counts", **OCTOBER).body, "totals")["received"]["complaints"]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {tokens['owner']}"}
    response = client.get("/api/v1/reports/complaints/export", query_string={**query, "format": "csv"},
                          headers=headers)
    assert response.status_code == 200, response.get_json()
    text = response.get_data().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][0] == "投诉编号"
    assert {line[0] for line in lines[1:]} == fixture.numbers("A", "B", "D", "E")
    assert "报表" not in text and "13812345678" not in text and "1381" not in text
    response = client.get("/api/v1/reports/complaints/export", query_string={**query, "format": "xlsx",
                                                                              "lang": "en"}, headers=headers)
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:4] == ["Number", "Type", "Channel", "Place"]
    by_number = {row[0]: row for row in rows[1:]}
    assert set(by_number) == fixture.numbers("A", "B", "D", "E")
    (a_number,) = fixture.numbers("A")
    assert by_number[a_number][1:4] == ["Lost or damaged property", "Service desk", "Floor 1 lockers"]
    assert by_number[a_number][7] == "2023-10-01 00:30"  # mall time
    paid = section(as_user("senior").get("/reports/money", **OCTOBER).body, "by_purpose")["compensation"]
    response = client.get("/api/v1/reports/complaints/export", query_string={**paid["complaints"], "format": "csv"},
                          headers=headers)
    assert {line[0] for line in list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))[1:]} == \
        fixture.numbers("D")


@pytest.mark.parametrize("user", ["desk", "qc", "finance", "admin"])
def test_other_roles_are_refused(as_user, user):
    assert as_user(user).get("/reports/counts", **OCTOBER).status == 403
    assert as_user(user).get("/reports/complaints/export", status="open").status == 403


@pytest.mark.parametrize("user", READERS)
def test_the_four_reading_roles_may_read(as_user, user):
    assert as_user(user).get("/reports").status == 200
    assert as_user(user).get("/reports/outcomes", **OCTOBER).status == 200


@pytest.mark.parametrize("query, field", [
    ({"period": "month", "month": "2023-13"}, "month"),
    ({"period": "month"}, "month"),
    ({"period": "quarter", "quarter": "2023-Q5"}, "quarter"),
    ({"period": "custom", "from": "2023-10-02", "to": "2023-10-01"}, "to"),
    ({"period": "custom", "from": "2022-01-01", "to": "2023-10-01"}, "to"),
    ({"period": "custom", "from": "2023-10-01"}, "from"),
    ({"period": "custom", "from": "yesterday", "to": "2023-10-01"}, "from"),
    ({"period": "week"}, "period"),
    ({"month": "2023-10"}, "period"),
    ({"period": "month", "month": "2023-10", "type": "parking"}, "type"),
])
def test_bad_periods_are_a_422_in_both_languages(as_user, query, field):
    answer = as_user("senior").get("/reports/counts", **query)
    assert answer.status == 422, answer.body
    assert " / " in answer["message"] and "报表" in answer["message"]
    assert field in answer["errors"]


def test_an_unknown_report_is_a_404(as_user):
    assert as_user("senior").get("/reports/nonsense", **OCTOBER).status == 404


def test_reports_carry_no_names_or_phones(as_user, fixture):
    for name in ("counts", "time-limits", "money", "outcomes", "satisfaction", "bag-loss"):
        text = str(as_user("senior").get(f"/reports/{name}", **OCTOBER).body)
        assert "报表" not in text and "1381" not in text


def test_a_month_s_end_is_the_mall_s_midnight():
    """The window of a month in the mall's zone, checked against a zone with daylight saving time as well."""
    from app.reports.periods import parse

    period = parse({"period": "month", "month": "2024-03"}, ZoneInfo("Europe/Berlin"))
    assert period.current.start.isoformat() == "2024-02-29T23:00:00+00:00"
    assert period.current.end.isoformat() == "2024-03-31T22:00:00+00:00"  # summer time began on 31 March
    assert period.current.end - period.current.start == timedelta(days=31, hours=-1)


def test_the_hour_of_day_follows_daylight_saving_time_on_sqlite():
    """SQLite adds the zone's offset to stored UTC times: one piece of the window per offset in force."""
    from app.local_time import offset_segments
    from app.reports.periods import window

    berlin = ZoneInfo("Europe/Berlin")
    day = window(datetime(2024, 3, 31).date(), datetime(2024, 3, 31).date(), berlin)
    pieces = list(offset_segments(day.start, day.end, berlin))
    assert [(start.isoformat(), end.isoformat(), minutes) for start, end, minutes in pieces] == [
        ("2024-03-30T23:00:00+00:00", "2024-03-31T01:00:00+00:00", 60),
        ("2024-03-31T01:00:00+00:00", "2024-03-31T22:00:00+00:00", 120)]
    year = window(datetime(2024, 1, 1).date(), datetime(2024, 12, 31).date(), MALL)
    shanghai = list(offset_segments(year.start, year.end, MALL))
    assert len(shanghai) == 1 and shanghai[0][2] == 480
