"""The intake page offers the mall's places as a select, in the page's language, and stores the one chosen."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.places.models import Place
from app.runtime.models import Complaint
from tests.conftest import OCCURRED
from tests.web.conftest import login


def test_the_desk_chooses_a_place_at_intake(app, new_page):
    code = f"W-{uuid.uuid4().hex[:6]}"
    with app.app_context():
        place = Place(code=code, name_zh="北门", name_en="North entrance", kind="entrance")
        db.session.add(place)
        db.session.commit()
        place_id = place.id
        db.session.remove()
    page = new_page()
    login(page, "desk")
    page.goto("/complaints/new")
    expect(page.get_by_label("商场地点（可选）")).to_be_visible()
    page.select_option("#i-type", "lost_property")
    page.select_option("#i-channel", "desk")
    page.fill("#i-surname", "王")
    page.fill("#i-phone", "13812345678")
    page.fill("#i-occurred_at", OCCURRED.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#i-location", "北门外的长椅")
    chooser = page.get_by_label("商场地点（可选）")
    expect(chooser.locator(f"option[value='{place_id}']")).to_have_text("北门")
    chooser.select_option(str(place_id))
    page.fill("#i-description", "包落在长椅上")
    page.fill("#i-demand", "找回")
    page.click("#register-submit")
    number = page.locator("#complaint-number")
    expect(number).to_have_text(re.compile(r"\d"))
    with app.app_context():
        stored = db.session.scalar(select(Complaint).where(Complaint.number == number.inner_text().strip()))
        assert (stored.place_id, stored.location) == (place_id, "北门外的长椅")
        db.session.remove()
