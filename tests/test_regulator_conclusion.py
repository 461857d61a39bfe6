"""A referral's outcome is recorded: the body's conclusion reported by the designated department (or legal) is
written on the liaison opened with the body, shown under the complaint's records in the API and on its page;
a conclusion dated after today is refused and nothing is recorded."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.extensions import db
from app.records.models import RegulatorLiaison
from tests.conftest import logged_in_client
from tests.paths import acknowledge, drive, feedback, review
from tests.test_process_regulator_referral import designate, liaise, liaise_legal
from tests.test_process_vehicle import PATHS as VEHICLE_PATHS
from tests.test_process_vehicle import drive_vehicle

pytestmark = pytest.mark.usefixtures("cancel_registered")


def _liaison_row(app, liaison_id: int) -> RegulatorLiaison:
    with app.app_context():
        row = db.session.get(RegulatorLiaison, liaison_id)
        db.session.expunge(row)
        db.session.remove()
    return row


def test_a_department_s_report_is_recorded_on_the_liaison_and_shown_with_the_complaint(app, as_user):
    detail = drive(as_user, "regulator_referral", [
        *acknowledge(), *designate("government", "quality_control"), *liaise("not_upheld", "quality_control"),
        *feedback(True), *review()])
    assert (detail["status"], detail["outcome"]) == ("closed", "end_no_remedy")
    [liaison] = detail["records"]["regulator_liaisons"]
    assert (liaison["outcome"], liaison["conclusion"], liaison["concluded_on"]) == (
        "not_upheld", "转办机构的结论", "2026-11-26")
    assert liaison["concluded_at"].endswith("Z")
    row = _liaison_row(app, liaison["id"])
    assert (row.outcome, row.conclusion, row.concluded_on) == ("not_upheld", "转办机构的结论", date(2026, 11, 26))
    assert row.concluded_at is not None

    page = logged_in_client(app, "legal").get(f"/complaints/{detail['id']}").get_data(as_text=True)
    assert "转办机构的结论" in page and "2026-11-26" in page


def test_legal_s_report_of_a_court_s_conclusion_is_recorded_too(as_user):
    detail = drive(as_user, "regulator_referral", [
        *acknowledge(), *designate("court", "legal", "区人民法院"), *liaise_legal("withdrawn"), *feedback(True),
        *review()])
    [liaison] = detail["records"]["regulator_liaisons"]
    assert (liaison["body"], liaison["outcome"], liaison["concluded_on"]) == ("court", "withdrawn", "2026-11-27")


def test_the_consumer_association_s_outcome_on_a_vehicle_claim_is_recorded(as_user):
    steps, _end, _records = VEHICLE_PATHS["association_dealt_with_by_risk_control"]
    detail = drive_vehicle(as_user, [*acknowledge(), *steps])
    [liaison] = detail["records"]["regulator_liaisons"]
    assert (liaison["body"], liaison["designated_department"]) == ("consumer_association", "risk_control")
    assert (liaison["outcome"], liaison["conclusion"], liaison["concluded_on"]) == (
        "mediated", "消协调解，顾客撤回投诉", "2026-11-25")


def test_a_conclusion_dated_after_today_is_refused_and_nothing_is_recorded(as_user):
    detail = drive(as_user, "regulator_referral", [*acknowledge(), *designate("government", "duty_manager")])
    [task] = detail["open_tasks"]
    [report] = liaise("not_upheld")
    tomorrow = (date.today() + timedelta(days=2)).isoformat()  # after today in any zone
    refused = as_user("manager").post(f"/tasks/{task['id']}/complete", {**report.data, "conclusion_date": tomorrow})
    assert refused.status == 422 and "conclusion_date" in refused["errors"]
    [liaison] = as_user("legal").get(f"/complaints/{detail['id']}")["records"]["regulator_liaisons"]
    assert (liaison["outcome"], liaison["conclusion"], liaison["concluded_on"], liaison["concluded_at"]) == (
        None, None, None, None)
