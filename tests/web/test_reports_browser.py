"""A report's figure followed to the complaints page in a real browser: the page lists the complaints behind it."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from tests.test_reports import OCTOBER, Fixture, section
from tests.web.conftest import login


@pytest.fixture(scope="module")
def fixture(app) -> Iterator[Fixture]:
    made = Fixture(app)
    made.build()
    yield made
    made.remove()


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
