"""Retention: at its end the purge removes the customer's personal data from every place it lives (a dump of the
whole database and the attachment folder no longer hold the phone number or the surname), keeps the statistics
and the audit chains, skips a held complaint and never touches an open one; legal holds; the retention setting.

Runs on a database of its own (tests/isolated_app.py): the purge purges every due complaint it finds.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, make_url, select

from app.extensions import db
from app.forms import messages
from app.records.retention import add_years, subtract_years
from app.runtime import audit
from app.runtime.models import Complaint
from app.tasks import answers
from app.timers import service as timer_service
from app.users import second_factor_policy
from tests.conftest import Api, intake, logged_in_client
from tests.isolated_app import dispose, drop_database, new_database, ready_app

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 4
PHONE, SURNAME = "13987654321", "欧阳测"
OTHER_PHONE, OTHER_SURNAME = "13911112222", "司马留"
RETENTION = timedelta(days=3 * 366 + 2)
ADDRESS = "198.51.100.23"  # the customer's address when they look at the status page


@pytest.fixture(scope="module")
def iso(database_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("retention")
    url = new_database(database_url, "retention", folder)
    application, tokens = ready_app(url, folder / "attachments")
    with application.app_context():  # the pages' users log in with their password alone, as in tests/conftest.py
        second_factor_policy.set_policy(None, {"roles": []})
        db.session.remove()
    yield application, tokens, url, folder / "attachments"
    dispose(application)
    drop_database(url)


def api(iso, name: str) -> Api:
    application, tokens, _url, _files = iso
    return Api(application.test_client(), tokens[name])


def register(iso, phone: str, surname: str) -> dict:
    body = intake(customer={"surname": surname, "phone": phone, "consent_to_contact": True},
                  demand=f"请回电 {phone}，{surname}", description=f"{surname}女士的牛奶过期")
    created = api(iso, "desk").post("/complaints", body)
    assert created.status == 201, created.body
    return created.body


def attach(iso, complaint_id: int, surname: str, phone: str) -> None:
    body = {"file": (io.BytesIO(JPEG + phone.encode()), f"{surname}的小票.jpg", "image/jpeg"), "kind": "receipt"}
    added = api(iso, "desk").post(f"/complaints/{complaint_id}/attachments", data=body,
                                  content_type="multipart/form-data")
    assert added.status == 201, added.body


def dump(iso) -> str:
    """Every row of every table, as text."""
    _app, _tokens, url, _files = iso
    if url.startswith("sqlite"):
        with sqlite3.connect(make_url(url).database) as connection:
            return "\n".join(connection.iterdump())
    parsed = make_url(url)
    return subprocess.run(["pg_dump", "--data-only", "-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432),
                           "-U", parsed.username or "postgres", parsed.database], check=True, capture_output=True,
                          text=True).stdout


def files_holding(folder, needle: bytes) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and (needle in p.read_bytes()
                                                                  or needle.decode() in p.name)]


def statistics(application) -> list[tuple]:
    with application.app_context():
        dimensions = (Complaint.type, Complaint.status, Complaint.outcome, Complaint.location,
                      Complaint.involved_party, Complaint.channel, Complaint.place_id)
        rows = db.session.execute(select(*dimensions, func.count()).group_by(*dimensions)
                                  .order_by(Complaint.type, Complaint.status)).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def chains_broken(application) -> list:
    with application.app_context():
        checked, broken = audit.verify()
        db.session.remove()
    assert checked
    return broken


def cli(iso, *args: str) -> str:
    application = iso[0]
    result = application.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def look_up_on_the_status_page(iso, number: str, last4: str) -> None:
    """The customer's status page, asked from ADDRESS."""
    client = iso[0].test_client()
    html = client.get("/status", environ_base={"REMOTE_ADDR": ADDRESS}).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    shown = client.post("/status", data={"number": number, "phone_last4": last4, "csrf_token": token},
                        environ_base={"REMOTE_ADDR": ADDRESS})
    assert shown.status_code == 200 and number in shown.get_data(as_text=True)


def note_the_escalation(iso, clock, complaint: dict, text: str) -> None:
    """Let the complaint's first task miss its limit, then note the duty manager's escalation."""
    clock(timedelta(minutes=5, seconds=30))
    with iso[0].app_context():  # the timers alone: the worker would also run (and pace) the purge
        timer_service.fire_due()
        db.session.remove()
    listed = api(iso, "manager").get("/escalations", per_page=100)["items"]
    [item] = [i for i in listed if i["complaint"]["number"] == complaint["number"]]
    assert api(iso, "manager").post(f"/escalations/{item['id']}/notes", {"text": text}).status == 200


def free_text_of_the_trail(iso, complaint_id: int) -> str:
    return json.dumps([e["detail"] for e in api(iso, "legal").get(f"/complaints/{complaint_id}/audit")["items"]],
                      ensure_ascii=False)


def test_the_purge_at_the_end_of_retention_leaves_no_personal_data(iso, clock):
    application, _tokens, _url, files = iso
    due = register(iso, PHONE, SURNAME)
    attach(iso, due["id"], SURNAME, PHONE)
    # Staff write the customer's name and phone into every free text the trail refers to.
    named = f"{SURNAME}（{PHONE}）"
    note_the_escalation(iso, clock, due, f"已致电{named}")
    look_up_on_the_status_page(iso, due["number"], PHONE[-4:])
    assert api(iso, "manager").post(f"/complaints/{due['id']}/cancel", {"reason": f"{named}重复登记"}).status == 200
    hold = f"/complaints/{due['id']}/hold"
    assert api(iso, "legal").post(hold, {"reason": f"{named}曾威胁起诉"}).status == 200
    assert api(iso, "legal").client.delete(f"/api/v1{hold}", json={"reason": f"{named}已撤诉"}, headers={
        "Authorization": f"Bearer {iso[1]['legal']}"}).status_code == 200
    # The words are kept where they were written, shown from there, and the trail only refers to them.
    assert api(iso, "legal").get(f"/complaints/{due['id']}")["cancel_reason"] == f"{named}重复登记"
    trail = free_text_of_the_trail(iso, due["id"])
    assert PHONE not in trail and SURNAME not in trail and ADDRESS not in trail
    assert f'"complaint:{due["id"]}/cancel_reason"' in trail and '"legal_hold:' in trail and '"escalation:' in trail
    assert ADDRESS not in dump(iso)  # the status page counts lookups by a salted hash of the address
    held = register(iso, OTHER_PHONE, OTHER_SURNAME)
    assert api(iso, "manager").post(f"/complaints/{held['id']}/cancel", {"reason": "重复登记"}).status == 200
    assert api(iso, "legal").post(f"/complaints/{held['id']}/hold", {"reason": "顾客已起诉"}).status == 200
    still_open = register(iso, OTHER_PHONE, OTHER_SURNAME)
    assert PHONE in dump(iso) and files_holding(files, PHONE.encode())
    before = statistics(application)

    assert "would purge 0 complaints" in cli(iso, "purge", "--dry-run")  # not yet due
    clock(RETENTION)
    assert "would purge 1 complaints" in cli(iso, "purge", "--dry-run")
    assert PHONE in dump(iso)  # a dry run changes nothing
    assert "purged 1 complaints" in cli(iso, "purge") and "1 held" in cli(iso, "purge", "--dry-run")

    everything = dump(iso)
    assert PHONE not in everything and SURNAME not in everything and ADDRESS not in everything
    assert files_holding(files, PHONE.encode()) == [] and files_holding(files, SURNAME.encode()) == []
    assert statistics(application) == before
    assert chains_broken(application) == []
    detail = api(iso, "legal").get(f"/complaints/{due['id']}").body
    assert detail["customer"]["phone"] == "" and detail["attachments"] == [] and detail["status"] == "cancelled"
    trail = api(iso, "legal").get(f"/complaints/{due['id']}/audit")["items"]
    assert trail[-1]["action"] == "personal_data_purged" and trail[-1]["actor"] == "system"
    assert set(trail[-1]["detail"]) == {"cause", "fields", "files"} and trail[-1]["detail"]["files"] == 1
    runs = api(iso, "legal").get("/retention/purge-runs")
    assert runs.status == 200 and runs["items"][1]["complaints"] == 1 and runs["items"][1]["files"] == 1
    assert runs["items"][0]["dry_run"] is True and runs["items"][0]["held"] == 1

    # The held complaint keeps its data until legal lifts the hold; the worker's loop then purges it.
    assert OTHER_SURNAME in api(iso, "legal").get(f"/complaints/{held['id']}")["customer"]["surname"]
    lifted = api(iso, "legal").client.delete(f"/api/v1/complaints/{held['id']}/hold", json={"reason": "已结案"},
                                             headers={"Authorization": f"Bearer {iso[1]['legal']}"})
    assert lifted.status_code == 200 and lifted.get_json()["hold"] is None
    cli(iso, "worker", "--once")
    assert api(iso, "legal").get(f"/complaints/{held['id']}")["customer"]["phone"] == ""
    # The open complaint is never purged, however old.
    assert api(iso, "legal").get(f"/complaints/{still_open['id']}")["customer"]["phone"] == OTHER_PHONE
    assert chains_broken(application) == []


def test_legal_places_and_lifts_a_hold_with_a_reason(iso):
    complaint = register(iso, "13700001111", "诸葛")
    path = f"/complaints/{complaint['id']}/hold"
    assert api(iso, "desk").post(path, {"reason": "诉讼"}).status == 403
    blank = api(iso, "legal").post(path, {"reason": "  "})
    assert blank.status == 422 and "reason" in blank["errors"]
    assert api(iso, "legal").post("/complaints/999999/hold", {"reason": "诉讼"}).status == 404
    placed = api(iso, "legal").post(path, {"reason": "诉讼"})
    assert placed.status == 200 and placed["hold"]["reason"] == "诉讼" and placed["hold"]["placed_by"] == "legal"
    again = api(iso, "legal").post(path, {"reason": "诉讼"})
    assert again.status == 409 and "/" in again["message"]
    assert api(iso, "legal").get(path)["hold"]["reason"] == "诉讼"
    client, token = api(iso, "legal").client, iso[1]["legal"]
    lift = client.delete(f"/api/v1{path}", json={"reason": "和解"}, headers={"Authorization": f"Bearer {token}"})
    assert lift.status_code == 200 and lift.get_json()["hold"] is None
    twice = client.delete(f"/api/v1{path}", json={"reason": "和解"}, headers={"Authorization": f"Bearer {token}"})
    assert twice.status_code == 409
    actions = [e["action"] for e in api(iso, "legal").get(f"/complaints/{complaint['id']}/audit")["items"]]
    assert actions[-2:] == ["legal_hold_placed", "legal_hold_lifted"]


def test_the_retention_setting(iso):
    assert api(iso, "desk").get("/settings/retention").body == {"years": 3}
    assert api(iso, "desk").put_json("/settings/retention", {"years": 5}).status == 403
    assert api(iso, "legal").put_json("/settings/retention", {"years": 2}).status == 422
    assert api(iso, "legal").put_json("/settings/retention", {"years": 5}).body == {"years": 5}
    assert api(iso, "admin").put_json("/settings/retention", {"years": 3}).body == {"years": 3}
    # The settings page names the change and its values in words, in either language.
    page = logged_in_client(iso[0], "admin")
    for lang, words in (("zh", ("个人信息保存期限", "结案后保存的整年数: 3 年 → 5 年", "5 年 → 3 年")),
                        ("en", ("Retention of personal data", "Whole years kept after a complaint ends: 3 years → 5 "
                                "years", "5 years → 3 years"))):
        page.set_cookie("lang", lang)
        shown = page.get("/settings")
        assert shown.status_code == 200, shown.headers.get("Location")
        changes = shown.get_data(as_text=True).split('id="change-list"')[1]
        assert all(w in changes for w in words), lang
        assert ">retention<" not in changes and "years:" not in changes


def test_legal_reads_the_purge_runs_on_a_page(iso):
    cli(iso, "purge", "--dry-run")
    total = api(iso, "legal").get("/retention/purge-runs")["total"]
    legal = logged_in_client(iso[0], "legal")
    legal.set_cookie("lang", "zh")
    html = legal.get("/legal/purges").get_data(as_text=True)
    assert 'id="nav-purges"' in html and "个人信息清除记录" in html and f"({total})" in html
    assert html.count("data-run=") == total and "试运行（未清除）" in html
    legal.set_cookie("lang", "en")
    html = legal.get("/legal/purges").get_data(as_text=True)
    assert "Purge runs" in html and "Dry run (nothing purged)" in html and "Skipped, held" in html
    desk = logged_in_client(iso[0], "desk")
    assert desk.get("/legal/purges").status_code == 403
    assert 'id="nav-purges"' not in desk.get("/").get_data(as_text=True)


def test_retention_ends_on_the_same_calendar_day_in_the_malls_zone():
    zone = "Asia/Shanghai"
    # 1 January 01:00 in Shanghai is still 31 December in UTC: the years count from the mall's day.
    closed = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert add_years(closed, 3, zone) == datetime(2029, 12, 31, 17, 0, tzinfo=UTC)
    leap = datetime(2028, 2, 29, 2, 0, tzinfo=UTC)
    assert add_years(leap, 3, zone).astimezone(UTC) == datetime(2031, 3, 1, 2, 0, tzinfo=UTC)
    assert subtract_years(add_years(closed, 3, zone), 3, zone) == closed


def test_the_audit_trail_keeps_personal_answers_only_as_references(app):
    with app.app_context():
        submitted = {"injury_description": "欧阳测左手擦伤", "serious_injury": False}
        care = answers.for_audit("conflict.injured_care", submitted, "t-1")
        survey = messages.for_audit("satisfaction_survey", {"satisfied": True, "comments": "欧阳测很满意"}, 7)
    assert care == {"injury_description": {"ref": "task:t-1/injury_description"}, "serious_injury": False}
    assert survey == {"satisfied": True, "comments": {"ref": "message_answer:7/comments"}}
