"""A report's figure followed to the complaints page in a real browser: the page lists the complaints behind it;
the dashboard in both languages, its charts drawn and followed by a click, and a diagram's heat map."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.runtime.models import Complaint, HumanTask
from tests.report_fixtures import module_fixture
from tests.test_reports import OCTOBER, Fixture, section
from tests.web.conftest import login

fixture = module_fixture(Fixture)


def test_a_figure_s_query_opens_the_list_behind_it(as_user, new_page, fixture):
    places = section(as_user("manager").get("/reports/counts", **OCTOBER).body, "by_place")
    query = places[str(fixture.places["lockers"])]["complaints"]
    page = new_page()
    login(page, "manager")
    page.goto(f"/complaints?{urlencode(query)}")
    text = page.locator("main").inner_text()
    for number in fixture.numbers("A", "B"):
        assert number in text
    for number in fixture.numbers("C", "D", "E", "F"):
        assert number not in text


def _drawn(page, chart_id: str) -> None:
    chart = page.locator(f"#{chart_id}")
    expect(chart).to_have_attribute("data-drawn", "true")
    assert chart.locator("canvas").count() >= 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_dashboard_in_each_language_follows_a_figure_to_its_complaints(new_page, fixture, lang):
    page = new_page()
    login(page, "senior")
    if lang == "en":
        page.click("#switch-language")
        page.wait_for_load_state()
    page.click("#nav-reports")
    page.wait_for_load_state()
    page.goto(f"/reports?{urlencode({**OCTOBER, 'place_id': fixture.places['lockers']})}")
    heading = page.locator("#report-counts-title").inner_text()
    assert heading == ("Complaint counts" if lang == "en" else "投诉数量")
    _drawn(page, "chart-counts-totals")
    _drawn(page, "chart-counts-by_hour")
    _drawn(page, "chart-counts-grid")
    received = page.locator('table[data-section="counts-totals"] tr[data-key="received"]')
    assert received.locator("th").inner_text() == ("Received" if lang == "en" else "受理")
    assert received.locator("td.current").inner_text() == "2"
    received.locator("a.figure-link").click()
    page.wait_for_url("**/complaints?**")
    text = page.locator("main").inner_text()
    for number in fixture.numbers("A", "B"):
        assert number in text
    assert not fixture.numbers("D") & set(text.split())


def test_a_click_on_a_bar_opens_its_complaints(new_page, fixture):
    page = new_page()
    login(page, "manager")
    page.goto(f"/reports?{urlencode(OCTOBER)}")
    _drawn(page, "chart-counts-by_channel")
    _drawn(page, "chart-counts-by_type")
    page.locator("#chart-counts-by_type").scroll_into_view_if_needed()
    # the bar of this period's quality complaints, where ECharts placed it
    x, y = page.evaluate("""() => {
        const box = document.getElementById('chart-counts-by_type');
        const data = JSON.parse(box.dataset.chart);
        const chart = window.echarts.getInstanceByDom(box);
        const index = data.links.findIndex((link) => link && link.includes('type=quality'));
        const bar = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(index);
        const [px, py] = [bar.x + bar.width / 2, bar.y + bar.height / 2];
        const rect = box.getBoundingClientRect();
        return [rect.left + px, rect.top + py];
    }""")
    page.mouse.click(x, y)
    page.wait_for_url("**/complaints?**type=quality**")
    text = page.locator("main").inner_text()
    assert all(number in text for number in fixture.numbers("D"))


def test_the_heat_map_overlays_a_known_step(app, new_page, fixture):
    with app.app_context():
        complaint = db.session.get(Complaint, fixture.ids["D"])
        db.session.add(HumanTask(
            id=str(uuid.uuid4()), complaint_id=complaint.id, complaint_number=complaint.number,
            complaint_type="quality", complaint_created_at=complaint.created_at, process_id="quality",
            element_id="verify_purchase", name="verify_purchase", role="service_desk", form_key="x",
            state="completed", due_order=complaint.created_at, created_at=complaint.created_at,
            completed_at=complaint.created_at + timedelta(hours=3)))
        db.session.commit()
        db.session.remove()
    page = new_page()
    login(page, "owner")
    page.goto("/reports/paths/quality?from=2023-10-01&to=2023-10-31")
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
    overlay = page.locator('.heat-overlay[data-element="verify_purchase"]')
    assert overlay.inner_text().startswith("1")
    assert "3.0" in overlay.inner_text()
    assert page.locator('g[data-element-id="verify_purchase"].heat-4').count() == 1
    row = page.locator('#paths-table tr[data-element="verify_purchase"]')
    assert row.locator("td.current").inner_text() == "1"
