"""In Chromium: a process owner changes a time limit and adds a holiday on the settings page, and the list of
changes names both with who made them."""

from __future__ import annotations

from tests.test_settings import kept_settings  # noqa: F401  (a fixture)
from tests.web.conftest import login, shoot


def test_an_owner_changes_a_limit_and_a_holiday(new_page, kept_settings):  # noqa: F811
    page = new_page()
    login(page, "owner")
    page.click("#nav-settings")
    page.fill("#limit-feedback-amount", "36")
    page.click("#save-time-limits")
    page.wait_for_url("**/settings#time-limits")
    assert page.input_value("#limit-feedback-amount") == "36.0"

    page.check("#closed-sun")
    assert page.is_disabled("#opens-sun")
    holidays = page.input_value("#holidays")
    page.fill("#holidays", holidays + "\n2027-12-24")
    page.click("#save-calendar")
    page.wait_for_url("**/settings#calendar")
    assert "2027-12-24" in page.input_value("#holidays").split()
    assert page.is_checked("#closed-sun")

    calendar_change = page.locator('#change-list tr[data-key="business_calendar"]').first
    assert "owner" in calendar_change.text_content() and "2027-12-24" in calendar_change.text_content()
    assert "36" in page.locator('#change-list tr[data-key="time_limits"]').first.text_content()
    shoot(page, "settings")
