"""A data subject's request served by legal: the export of what is held about a phone number (each read logged)
and its erasure with the retention purge, refused with the reason while a complaint is open or held."""

from __future__ import annotations

import io
import random

from tests.conftest import intake
from tests.paths import Message, drive
from tests.test_process_quality import PATHS

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 4


def unique_phone() -> str:
    return "139" + "".join(random.choices("0123456789", k=8))  # noqa: S311 (a test's phone number)


def test_legal_exports_and_erases_what_is_held_about_a_phone_number(as_user, files_dir):
    phone, surname = unique_phone(), "上官"
    customer = {"surname": surname, "phone": phone, "consent_to_contact": True}
    first = as_user("desk").post("/complaints", intake(customer=customer)).body
    second = as_user("desk").post("/complaints", intake(customer=customer)).body
    body = {"file": (io.BytesIO(JPEG), "receipt.jpg", "image/jpeg"), "kind": "receipt"}
    assert as_user("desk").post(f"/complaints/{first['id']}/attachments", data=body,
                                content_type="multipart/form-data").status == 201
    assert as_user("manager").post(f"/complaints/{first['id']}/cancel", {"reason": "顾客撤诉"}).status == 200

    assert as_user("desk").get("/legal/subject-data", phone=phone).status == 403
    bad = as_user("legal").get("/legal/subject-data", phone="12ab")
    assert bad.status == 422 and "phone" in bad["errors"]
    held = as_user("legal").get("/legal/subject-data", phone=phone)
    assert held.status == 200 and held["total"] == 2
    assert {i["number"] for i in held["items"]} == {first["number"], second["number"]}
    item = next(i for i in held["items"] if i["id"] == first["id"])
    assert item["customer"]["phone"] == phone and item["customer"]["surname"] == surname
    assert len(item["attachments"]) == 1 and item["erasable"] is True
    assert next(i for i in held["items"] if i["id"] == second["id"])["erasable"] is False
    log = as_user("legal").get("/personal-data-reads", complaint_id=first["id"])
    assert log.status == 200 and log["items"][0]["user"] == "legal"

    # One complaint is still open: nothing is erased, and the answer names it with the reason.
    refused = as_user("legal").post("/legal/subject-data/erasure", {"phone": phone})
    assert refused.status == 409 and second["number"] in refused["refused"] and " / " in refused["message"]
    assert as_user("desk").post("/legal/subject-data/erasure", {"phone": phone}).status == 403
    assert as_user("manager").post(f"/complaints/{second['id']}/cancel", {"reason": "顾客撤诉"}).status == 200
    assert as_user("legal").post(f"/complaints/{second['id']}/hold", {"reason": "诉讼中"}).status == 200
    still_held = as_user("legal").post("/legal/subject-data/erasure", {"phone": phone})
    assert still_held.status == 409 and "hold" in still_held["refused"][second["number"]]
    assert as_user("legal").get(f"/complaints/{first['id']}")["customer"]["phone"] == phone

    lift = as_user("legal").client.delete(f"/api/v1/complaints/{second['id']}/hold", json={"reason": "已和解"},
                                          headers={"Authorization": f"Bearer {as_user('legal').token}"})
    assert lift.status_code == 200
    erased = as_user("legal").post("/legal/subject-data/erasure", {"phone": phone})
    assert erased.status == 200 and erased["total"] == 2 and sum(i["files"] for i in erased["items"]) == 1
    for complaint in (first, second):
        detail = as_user("legal").get(f"/complaints/{complaint['id']}").body
        assert detail["customer"]["phone"] == "" and surname not in detail["customer"]["surname"]
        trail = as_user("legal").get(f"/complaints/{complaint['id']}/audit")["items"]
        assert trail[-1]["action"] == "personal_data_purged" and trail[-1]["detail"]["cause"] == "erasure"
    assert not [p for p in files_dir.rglob("*") if p.is_file()]
    assert as_user("legal").get("/legal/subject-data", phone=phone)["total"] == 0
    nothing = as_user("legal").post("/legal/subject-data/erasure", {"phone": phone})
    assert nothing.status == 422


def test_the_export_holds_the_messages_a_complaint_received(as_user):
    """The customer's answer to an offer (a message, with a personal note) is part of what is held about them."""
    phone = unique_phone()
    steps = [Message(s.name, {**s.payload, "note": "顾客说下午三点后方便接电话"}) if isinstance(s, Message) else s
             for s in PATHS["service_failure_apology"][0]]
    detail = drive(as_user, "quality", steps, customer={"surname": "欧阳", "phone": phone, "consent_to_contact": True})
    held = as_user("legal").get("/legal/subject-data", phone=phone)
    item = next(i for i in held["items"] if i["id"] == detail["id"])
    assert [(m["message"], m["by"]) for m in item["messages"]] == [("customer_response", "desk")]
    assert item["messages"][0]["answers"]["note"] == "顾客说下午三点后方便接电话"
