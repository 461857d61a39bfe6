"""A diagram's heat map in a real browser, drilled into a call activity: the overlay on the call activity carries
its complaints and a link that opens the called process's heat map for those complaints only (the hand-counted
tasks of tests/test_report_paths_calls.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.report_fixtures import module_fixture
from tests.test_report_paths_calls import Fixture
from tests.web.conftest import login

fixture = module_fixture(Fixture)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_call_activity_opens_the_called_process_s_heat_map(new_page, fixture, lang):
    page = new_page()
    login(page, "senior")
    if lang == "en":
        page.click("#switch-language")
        page.wait_for_load_state()
    page.goto("/reports/paths/lost_property?from=2017-05-01&to=2017-05-31")
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
    call = page.locator('.heat-overlay[data-element="acknowledge"]')
    assert call.locator("strong").inner_text() == "3"
    assert page.locator('g[data-element-id="acknowledge"].heat-4').count() == 1
    remedy = page.locator('.heat-overlay[data-element="discretion_remedy"]')
    assert remedy.locator("strong").inner_text() == "2"
    drill = call.locator("a.drill-down")
    assert drill.inner_text() == ("Open its heat map" if lang == "en" else "打开子流程热力图")
    drill.click()
    page.wait_for_url("**/reports/paths/lifecycle_acknowledge?**")
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
    assert "via=acknowledge" in page.url and "type=lost_property" in page.url
    overlay = page.locator('.heat-overlay[data-element="calm_customer"]')
    assert overlay.inner_text().startswith("3")
    assert "1.0" in overlay.inner_text()
    assert page.locator("#paths-total").inner_text() == "3"
    assert page.locator("#paths-via").inner_text() == ("Acknowledge" if lang == "en" else "受理告知")
    row = page.locator('#paths-table tr[data-element="calm_customer"]')
    assert row.locator("td.current").inner_text() == "3"
    # back up to the diagram the complaints belong to
    page.click("#paths-caller")
    page.wait_for_url("**/reports/paths/lost_property?**")
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
