"""The reports dashboard and a diagram's heat map as pages: who may open them, and that their tables hold the
figures the report service gives (June 2020 in the mall, three complaints at a place of this module's own)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select

from app.definitions.models import ProcessDefinition
from app.extensions import db
from app.places.models import Place
from app.runtime.models import Complaint, HumanTask
from tests.conftest import logged_in_client
from tests.report_fixtures import delete_complaints

MALL = ZoneInfo("Asia/Shanghai")
JUNE = {"period": "month", "month": "2020-06"}


def mall(*args: int) -> datetime:
    return datetime(*args, tzinfo=MALL)


class JuneComplaints:
    """Q1 quality desk 06-03 (closed 06-05 on end_not_liable, its verify_purchase task 2 h); Q2 quality wechat
    06-10, open; L1 lost_property desk 06-20, open. All at the place `place`."""

    def __init__(self, app):
        self.app, self.ids, self.numbers, self.place = app, {}, {}, 0

    def build(self) -> None:
        with self.app.app_context():
            place = Place(code=f"RP-{uuid.uuid4().hex[:6]}", name_zh="报表测试区", name_en="Report test zone",
                          kind="zone")
            db.session.add(place)
            db.session.flush()
            self.place = place.id
            definitions = dict(db.session.execute(select(ProcessDefinition.key, ProcessDefinition.id)
                                                  .where(ProcessDefinition.kind == "bpmn")).all())
            specs = {"Q1": ("quality", "desk", mall(2020, 6, 3, 10), mall(2020, 6, 5, 10), "end_not_liable"),
                     "Q2": ("quality", "wechat", mall(2020, 6, 10, 15), None, None),
                     "L1": ("lost_property", "desk", mall(2020, 6, 20, 9), None, None)}
            rows = {mark: Complaint(
                number=f"RP-{mark}-{uuid.uuid4().hex[:8]}", type=ctype, definition_id=definitions[ctype],
                status="closed" if closed else "open", outcome=outcome, state="", channel=channel,
                customer_surname="报表页", customer_phone="13912345678", occurred_at=created, location="x",
                place_id=place.id, description="x", demand="x", intake={}, created_at=created, updated_at=created,
                closed_at=closed) for mark, (ctype, channel, created, closed, outcome) in specs.items()}
            db.session.add_all(rows.values())
            db.session.flush()
            self.ids = {mark: row.id for mark, row in rows.items()}
            self.numbers = {mark: row.number for mark, row in rows.items()}
            db.session.add(HumanTask(
                id=str(uuid.uuid4()), complaint_id=self.ids["Q1"], complaint_number=rows["Q1"].number,
                complaint_type="quality", complaint_created_at=rows["Q1"].created_at, process_id="quality",
                element_id="verify_purchase", name="verify_purchase", role="service_desk", form_key="x",
                state="completed", due_order=mall(2020, 6, 3, 10), created_at=mall(2020, 6, 3, 10),
                completed_at=mall(2020, 6, 3, 12)))
            db.session.commit()
            db.session.remove()

    def remove(self) -> None:
        with self.app.app_context():
            ids = list(self.ids.values())
            delete_complaints(ids, HumanTask)
            db.session.execute(delete(Place).where(Place.id == self.place))
            db.session.commit()
            db.session.remove()


@pytest.fixture(scope="module")
def june(app) -> Iterator[JuneComplaints]:
    made = JuneComplaints(app)
    made.build()
    yield made
    made.remove()


def table_rows(html: str, section: str) -> dict[str, str]:
    """The figure of this period in each row of a section's table, by the row's key, as the page shows it."""
    table = re.search(rf'<table class="inbox figures" data-section="{section}">(.*?)</table>', html, re.S)
    assert table, f"no table {section}"
    rows = re.findall(r'<tr data-key="([^"]+)">.*?<td[^>]*class="current">(.*?)</td>', table.group(1), re.S)
    return {unescape(key): re.sub(r"<[^>]+>", "", cell).strip() for key, cell in rows}


@pytest.mark.parametrize("user", ["desk", "qc", "finance", "admin"])
def test_roles_that_may_not_read_reports_get_403(app, june, user):
    client = logged_in_client(app, user)
    page = client.get("/reports")
    assert page.status_code == 403
    assert client.get("/reports/paths/quality").status_code == 403
    assert client.get("/reports/counts/export?period=month&month=2020-06").status_code == 403
    assert 'id="nav-reports"' not in client.get("/").get_data(as_text=True)


def test_the_tables_hold_the_service_s_figures(app, as_user, june):
    client = logged_in_client(app, "senior")
    page = client.get("/reports", query_string={**JUNE, "place_id": june.place})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="nav-reports"' in html
    for name in ("counts", "time-limits", "outcomes"):
        body = as_user("senior").get(f"/reports/{name}", **JUNE, place_id=june.place).body
        for section in (s for s in body["sections"] if s["rows"]):
            shown = table_rows(html, f"{name}-{section['key']}")
            for row in section["rows"]:
                value = row["current"]
                if isinstance(value, int) and section["unit"] == "count":
                    assert shown[row["key"]] == f"{value:,}", (name, section["key"], row["key"])
    totals = table_rows(html, "counts-totals")
    assert (totals["received"], totals["closed"], totals["open_at_end"]) == ("3", "1", "2")
    assert table_rows(html, "counts-by_type") == {"quality": "2", "lost_property": "1"}
    assert "13912345678" not in html and "报表页" not in html
    # weekday × hour: Q1 and Q2 on Wednesdays at 10 and 15 o'clock, L1 on a Saturday at 9 (rows Monday first)
    grid = re.search(r'data-section="counts-grid">(.*?)</table>', html, re.S).group(1)
    cells = [[int(n) for n in re.findall(r"<td>(\d+)</td>", row)] for row in re.findall(r"<tr data-key.*?</tr>", grid)]
    assert len(cells) == 7 and all(len(row) == 24 for row in cells)
    assert {(day, hour): n for day, row in enumerate(cells) for hour, n in enumerate(row) if n} == {
        (2, 10): 1, (2, 15): 1, (5, 9): 1}
    # every linked figure opens the complaint list, with the figure's own filters
    links = re.findall(r'<td[^>]*class="current"><a href="([^"]+)" class="figure-link">', html)
    assert links and all(unescape(link).startswith("/complaints?") for link in links)
    assert 'href="/reports/counts/export?' in html


def test_english_labels_and_a_bad_period(app, june):
    client = logged_in_client(app, "legal")
    client.set_cookie("lang", "en")
    html = client.get("/reports", query_string={**JUNE, "place_id": june.place}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Complaint counts" in html and "Same period last year" in html and "投诉数量" not in html
    assert table_rows(html, "counts-totals")["received"] == "3"
    bad = client.get("/reports", query_string={"period": "month", "month": "2020-13"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "YYYY-MM" in text and 'id="report-error"' in text


def test_a_report_file_downloads(app, june):
    client = logged_in_client(app, "manager")
    answer = client.get("/reports/counts/export", query_string={**JUNE, "place_id": june.place, "format": "csv"})
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"].startswith("attachment")
    assert "13912345678" not in answer.get_data(as_text=True)


def test_the_heat_map_page_holds_the_service_s_figures(app, as_user, june):
    client = logged_in_client(app, "owner")
    page = client.get("/reports/paths/quality", query_string={"from": "2020-06-01", "to": "2020-06-30"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    body = as_user("owner").get("/reports/paths/quality", **{"from": "2020-06-01", "to": "2020-06-30"}).body
    for item in body["items"]:
        row = re.search(rf'<tr data-element="{item["element_id"]}" data-process="{item["process_id"]}">(.*?)</tr>',
                        html, re.S)
        assert row, item
        assert f">{item['complaints']}<" in row.group(1)
    assert re.search(r'data-element="verify_purchase".*?2\.00', html, re.S)
    assert 'id="diagram"' in html and "data-overlays=" in html
    bad = client.get("/reports/paths/quality", query_string={"from": "2020-06-30", "to": "2020-06-01"})
    assert bad.status_code == 422 and "结束日期早于开始日期" in bad.get_data(as_text=True)
