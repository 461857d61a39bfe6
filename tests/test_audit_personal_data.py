"""The audit trail holds personal data only as references or salted hashes: the customer's address on the status
page, cancel and withdrawal reasons; the words stay readable where they are kept (the complaint page, the case
file) until the purge empties them (tests/test_retention.py purges)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from app.casefile import contents
from app.complaints.customer_models import PublicLookup
from app.extensions import db
from app.users.service import find_user
from tests import bpmn_samples as s
from tests.conftest import intake, logged_in_client

pytestmark = pytest.mark.usefixtures("cancel_registered")

PHONE, SURNAME = "13955506789", "慕容测"
ADDRESS = "203.0.113.58"


def _status_client(app):
    client = app.test_client()
    html = client.get("/status", environ_base={"REMOTE_ADDR": ADDRESS}).get_data(as_text=True)
    return client, re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _trail(as_user, complaint_id: int) -> list[dict]:
    return as_user("legal").get(f"/complaints/{complaint_id}/audit")["items"]


def _lookups(app, client: str) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(PublicLookup).where(PublicLookup.client == client))
        db.session.remove()
    return count


def test_the_status_page_keeps_the_customers_address_only_as_a_salted_hash(app, as_user, swap_process):
    swap_process("quality", s.process("quality", "service_desk", [s.call_activity(key) for key in (
        "lifecycle_feedback", "lifecycle_archive", "lifecycle_review")]))
    created = as_user("desk").post("/complaints", intake(
        "quality", customer={"surname": SURNAME, "phone": PHONE, "consent_to_contact": True}))
    assert created.status == 201, created.body
    client, token = _status_client(app)
    answered = client.post("/status/survey", data={
        "number": created["number"], "phone_last4": PHONE[-4:], "satisfied": "yes", "satisfaction": "satisfied",
        "comments": f"{SURNAME}很满意", "csrf_token": token}, environ_base={"REMOTE_ADDR": ADDRESS})
    assert answered.status_code == 200, answered.get_data(as_text=True)
    [event] = [e for e in _trail(as_user, created["id"]) if e["action"] == "message_received"]
    tag = event["detail"]["client"]
    assert re.fullmatch(r"[0-9a-f]{64}", tag) and event["detail"]["by"] == "customer"
    assert ADDRESS not in json.dumps(event, ensure_ascii=False) and SURNAME not in json.dumps(event, ensure_ascii=False)
    # The lookups the rate limit counts carry the same tag, never the address.
    assert _lookups(app, ADDRESS) == 0 and _lookups(app, tag) >= 1
    before = _lookups(app, tag)
    looked = client.post("/status", data={"number": created["number"], "phone_last4": PHONE[-4:],
                                          "csrf_token": token}, environ_base={"REMOTE_ADDR": ADDRESS})
    assert looked.status_code == 200 and _lookups(app, tag) == before + 1


@pytest.mark.parametrize(("who", "action", "closing", "label"), [
    ("manager", "cancel", "cancelled", "撤销原因"),
    ("desk", "withdraw", "withdrawn", "顾客撤回的原因"),
])
def test_a_closing_reason_is_kept_on_the_complaint_and_the_trail_refers_to_it(app, as_user, who, action, closing,
                                                                             label):
    created = as_user("desk").post("/complaints", intake(
        "quality", customer={"surname": SURNAME, "phone": PHONE, "consent_to_contact": True}))
    reason = f"{SURNAME}（{PHONE}）来电说明"
    assert as_user(who).post(f"/complaints/{created['id']}/{action}", {"reason": reason}).status == 200
    [event] = [e for e in _trail(as_user, created["id"]) if e["action"] == closing]
    assert event["detail"] == {"reason": {"ref": f"complaint:{created['id']}/cancel_reason"}}
    assert as_user("legal").get(f"/complaints/{created['id']}")["cancel_reason"] == reason
    page = logged_in_client(app, "legal")
    page.set_cookie("lang", "zh")
    html = page.get(f"/complaints/{created['id']}").get_data(as_text=True)
    assert f">{label}</dt>" in html and f'id="cancel-reason-text">{reason}</dd>' in html
    with app.app_context():
        intake_items = contents.gather(created["id"], find_user("legal")).intake
        db.session.remove()
    [shown] = [i for i in intake_items if i["name"] == "cancel_reason"]
    assert shown["value"] == reason and shown["label"]["zh"] == label
