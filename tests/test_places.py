"""The mall's places: kept by admins and process owners, read by whoever registers complaints, chosen at intake."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from app.extensions import db
from app.runtime.models import Complaint
from tests.conftest import intake


def new_place(as_user, user: str = "admin", **overrides) -> dict:
    body = {"code": f"P-{uuid.uuid4().hex[:8]}", "name_zh": "一楼存包处", "name_en": "Floor 1 lockers",
            "kind": "zone", **overrides}
    created = as_user(user).post("/places", body)
    assert created.status == 201, created.body
    return created.body


def count_complaints(app) -> int:
    with app.app_context():
        found = db.session.scalar(select(func.count()).select_from(Complaint))
        db.session.remove()
    return found


def test_admins_and_process_owners_keep_the_list_and_desks_read_it(as_user):
    place = new_place(as_user)
    owned = new_place(as_user, "owner", kind="car_park", name_zh="地下停车场一层", name_en="Car park P1")
    listed = as_user("desk").get("/places", per_page=500)
    assert listed.status == 200
    codes = {item["code"] for item in listed["items"]}
    assert {place["code"], owned["code"]} <= codes
    assert listed["total"] == len(listed["items"])
    assert {item["code"] for item in as_user("desk").get("/places", kind="car_park", per_page=500)["items"]} >= {
        owned["code"]}
    assert owned["code"] not in {item["code"] for item in as_user("desk").get("/places", kind="zone")["items"]}

    assert as_user("desk").post("/places", {"code": "X1", "name_zh": "x", "name_en": "x",
                                            "kind": "zone"}).status == 403


def test_a_place_is_renamed_and_retired_and_stays_for_the_record(app, tokens, as_user):
    place = new_place(as_user)
    client = app.test_client()

    def patch(user: str, body: dict):
        return client.patch(f"/api/v1/places/{place['id']}", json=body,
                            headers={"Authorization": f"Bearer {tokens[user]}"})

    assert patch("desk", {"active": False}).status_code == 403
    changed = patch("owner", {"name_en": "Lockers, floor 1", "active": False})
    assert changed.status_code == 200
    assert changed.get_json()["name_en"] == "Lockers, floor 1" and changed.get_json()["active"] is False
    codes = {item["code"] for item in as_user("desk").get("/places", per_page=500)["items"]}
    assert place["code"] not in codes
    every = as_user("desk").get("/places", per_page=500, include_inactive="true")["items"]
    assert place["code"] in {item["code"] for item in every}
    assert patch("admin", {"kind": "garden"}).status_code == 422
    assert client.patch("/api/v1/places/999999", json={"active": True},
                        headers={"Authorization": f"Bearer {tokens['admin']}"}).status_code == 404


def test_a_code_is_given_once(as_user):
    place = new_place(as_user)
    again = as_user("admin").post("/places", {"code": place["code"], "name_zh": "x", "name_en": "x",
                                              "kind": "floor"})
    assert again.status == 409
    assert " / " in again["message"]
    bad = as_user("admin").post("/places", {"code": "has space", "name_zh": "", "name_en": "x", "kind": "moon"})
    assert bad.status == 422
    assert set(bad["errors"]) == {"code", "name_zh", "kind"}


def test_intake_stores_the_chosen_place_beside_the_words(as_user):
    place = new_place(as_user)
    created = as_user("desk").post("/complaints", intake("lost_property", place_id=place["id"]))
    assert created.status == 201, created.body
    complaint = as_user("desk").get(f"/complaints/{created['id']}").body
    assert complaint["place_id"] == place["id"]
    assert complaint["location"] == "一楼食品区"  # the words stay, as a note
    found = as_user("manager").get("/complaints", place_id=place["id"])
    assert [item["id"] for item in found["items"]] == [created["id"]]
    without = as_user("desk").post("/complaints", intake("lost_property"))
    assert as_user("desk").get(f"/complaints/{without['id']}")["place_id"] is None


def test_a_retired_or_unknown_place_is_refused_and_nothing_is_registered(app, tokens, as_user):
    place = new_place(as_user)
    app.test_client().patch(f"/api/v1/places/{place['id']}", json={"active": False},
                            headers={"Authorization": f"Bearer {tokens['admin']}"})
    before = count_complaints(app)
    for place_id in (place["id"], 999999):
        refused = as_user("desk").post("/complaints", intake(place_id=place_id))
        assert refused.status == 422, refused.body
        assert "place_id" in refused["errors"] and " / " in refused["message"]
    assert as_user("desk").post("/complaints", intake(place_id="F1")).status == 422
    assert count_complaints(app) == before


def test_the_demo_command_adds_the_missing_places_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["places", "demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["places", "demo"])
    assert second.output.strip() == "0 places added"
