"""The header's open-task counts per role on the inbox page: taken from the inbox's own counting when the
inbox lists every task of the user's roles, counted afresh when it is filtered."""

from __future__ import annotations

import re

from tests.conftest import intake, logged_in_client


def _numbers(html: str) -> tuple[int, int]:
    """The inbox's total and the header's service-desk count on a page."""
    total = int(re.search(r'id="inbox-total">\((\d+)\)', html).group(1))
    header = int(re.search(r'data-count="service_desk">(\d+)<', html).group(1))
    return total, header


def test_the_header_counts_every_open_task_of_a_role_whatever_the_inbox_shows(app, as_user):
    for complaint_type in ("quality", "vehicle", "vehicle"):
        assert as_user("desk").post("/complaints", intake(complaint_type)).status == 201
    api = as_user("desk")
    everything = api.get("/tasks", role="service_desk")["total"]
    only_quality = api.get("/tasks", role="service_desk", type="quality")["total"]
    assert everything - only_quality >= 2
    page = logged_in_client(app, "desk")
    assert _numbers(page.get("/inbox").get_data(as_text=True)) == (everything, everything)
    assert _numbers(page.get("/inbox?type=quality").get_data(as_text=True)) == (only_quality, everything)
    refreshed = page.get("/inbox.json?type=quality").get_json()
    assert refreshed["total"] == only_quality and refreshed["counts"]["service_desk"] == everything
