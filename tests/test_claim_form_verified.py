"""The signed claim form finance pays against is verified: named as an attachment (#12), it must be a file of the
same complaint; another complaint's file or a number no file has is a 422 naming the field, nothing is paid and no
incident is opened; the complaint's own file, or the paper form's number, pays the request."""

from __future__ import annotations

import re

import pytest

from tests.conftest import intake, logged_in_client
from tests.paths import acknowledge, negotiate, remedy, take
from tests.test_attachments import PDF, upload
from tests.test_process_regulator_referral import designate, liaise

pytestmark = pytest.mark.usefixtures("cancel_registered", "files_dir")

UNTIL_PAYMENT = [*acknowledge(), *designate("consumer_association", "duty_manager", "区消费者协会"),
                 *liaise("mediated"), *remedy("compensation", 300), *negotiate(True)]


def _at_payment(as_user) -> tuple[int, dict]:
    """A referral whose agreed compensation waits for finance: the complaint and finance's task."""
    created = as_user("desk").post("/complaints", intake("regulator_referral"))
    assert created.status == 201, created.body
    [pay] = take(as_user, created["id"], created["open_tasks"], UNTIL_PAYMENT)
    assert (pay["name"], pay["role"]) == ("财务付款", "finance")
    return created["id"], pay


def _claim_form(as_user, complaint_id: int) -> int:
    added = upload(as_user("desk"), complaint_id, PDF, "顾客索赔单.pdf", "claim_form", "application/pdf")
    assert added.status == 201, added.body
    return added["id"]


def _payment(as_user, complaint_id: int) -> dict:
    detail = as_user("legal").get(f"/complaints/{complaint_id}")
    assert detail["incidents"] == []
    [request] = detail["records"]["payment_requests"]
    return request


@pytest.mark.parametrize("whose", ["another complaint's", "made up"])
def test_a_claim_form_that_is_not_a_file_of_this_complaint_is_refused(as_user, whose):
    complaint_id, pay = _at_payment(as_user)
    _claim_form(as_user, complaint_id)  # the right file exists, but another is named
    other = as_user("desk").post("/complaints", intake("quality"))
    named = _claim_form(as_user, other["id"]) if whose == "another complaint's" else 2_000_000_000
    refused = as_user("finance").post(f"/tasks/{pay['id']}/complete",
                                      {"voucher_number": "V-77", "claim_form": f"#{named} 顾客索赔单.pdf"})
    assert refused.status == 422, refused.body
    assert list(refused["errors"]) == ["claim_form"]
    assert "claim form must be a file of this complaint" in refused["errors"]["claim_form"][0]
    request = _payment(as_user, complaint_id)
    assert (request["status"], request["voucher_number"], request["claim_form"]) == ("approved", None, None)


def test_the_complaint_s_own_claim_form_or_the_paper_form_s_number_pays_the_request(as_user):
    complaint_id, pay = _at_payment(as_user)
    own = _claim_form(as_user, complaint_id)
    paid = as_user("finance").post(f"/tasks/{pay['id']}/complete",
                                   {"voucher_number": "V-78", "claim_form": f"#{own} 顾客索赔单.pdf"})
    assert paid.status == 200, paid.body
    request = _payment(as_user, complaint_id)
    assert (request["status"], request["claim_form"]) == ("paid", f"#{own} 顾客索赔单.pdf")

    complaint_id, pay = _at_payment(as_user)
    paid = as_user("finance").post(f"/tasks/{pay['id']}/complete", {"voucher_number": "V-79", "claim_form": "CF-0815"})
    assert paid.status == 200, paid.body
    assert _payment(as_user, complaint_id)["claim_form"] == "CF-0815"


def test_the_task_page_shows_the_refusal_by_the_field_in_chinese(app, as_user):
    complaint_id, pay = _at_payment(as_user)
    client = logged_in_client(app, "finance")
    html = client.get(f"/tasks/{pay['id']}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post(f"/tasks/{pay['id']}", data={"csrf_token": token, "voucher_number": "V-80",
                                                        "claim_form": "#2000000000"})
    assert response.status_code == 422
    assert "顾客索赔单必须是本投诉的附件" in response.get_data(as_text=True)
    assert _payment(as_user, complaint_id)["status"] == "approved"
