"""Waits and escalations on the staff pages: the complaint's banner (both languages, dates in words), the desk
recording the customer's answer from it, the chips in the complaints list and the inbox, the bell on every
page, the inbox's link to the escalated view, and the escalated task's notice."""

from __future__ import annotations

import html as entities
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from app.extensions import db
from app.timers import service as timer_service
from tests.conftest import intake, logged_in_client
from tests.web.offers import waiting_for_answer

pytestmark = pytest.mark.usefixtures("cancel_registered")

ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}")


@pytest.fixture
def offer(as_user, swap_process) -> dict:
    return waiting_for_answer(as_user, swap_process)


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def in_english(client, page: str) -> str:
    client.post("/lang/en", data={"csrf_token": token(client.get(page).get_data(as_text=True)), "next": page})
    return client.get(page).get_data(as_text=True)


def section(html: str, marker: str) -> str:
    found = re.search(rf'<section class="{marker}".*?</section>', html, re.S)
    return found.group(0) if found else ""


def words(html: str) -> str:
    return entities.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def mall_time(app, moment: str, lang: str) -> str:
    from app.web.i18n import local_time

    with app.test_request_context(environ_base={"HTTP_COOKIE": f"lang={lang}"}):
        return local_time(moment)


def test_a_waiting_complaint_says_what_it_waits_for_since_when_and_until_when_in_both_languages(app, offer):
    [wait] = offer["waiting_for"]
    client = logged_in_client(app, "finance")
    banner = section(client.get(f"/complaints/{offer['id']}").get_data(as_text=True), "wait-banner")
    text = words(banner)
    assert "正在等待顾客对处理方案的答复" in text and "请在" in text and "前回电" in text
    assert words(mall_time(app, wait["since"], "zh")) in text and words(mall_time(app, wait["due_at"], "zh")) in text
    assert "customer_response" not in text and not ISO_MOMENT.search(text)
    assert "<form" not in banner  # finance reads the complaint but records no answer

    text = words(section(in_english(client, f"/complaints/{offer['id']}"), "wait-banner"))
    assert "Waiting for the customer's answer to the offer since" in text and "Call back by" in text
    assert words(mall_time(app, wait["since"], "en")) in text and words(mall_time(app, wait["due_at"], "en")) in text
    assert "customer_response" not in text and not ISO_MOMENT.search(text)


def test_the_desk_records_the_customers_answer_from_the_banner_and_the_complaint_moves_on(app, as_user, offer):
    """Reached otherwise than from the inbox or a task (here: directly), the desk stays on the complaint."""
    client = logged_in_client(app, "desk")
    page = client.get(f"/complaints/{offer['id']}").get_data(as_text=True)
    banner = section(page, "wait-banner")
    assert f'action="/complaints/{offer["id"]}/answers/customer_response"' in banner
    assert 'name="accepted" value="true"' in banner and "接受方案" in banner
    response = client.post(f"/complaints/{offer['id']}/answers/customer_response",
                           data={"csrf_token": token(page), "accepted": "true", "note": "电话中表示接受"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/complaints/{offer['id']}")

    detail = as_user("legal").get(f"/complaints/{offer['id']}").body
    assert detail["waiting_for"] == []
    assert [(t["name"], t["role"]) for t in detail["open_tasks"]] == [("财务付款", "finance")]
    [received] = [e for e in as_user("legal").get(f"/complaints/{offer['id']}/audit").body["items"]
                  if e["action"] == "message_received"]
    assert received["actor"] == "desk"
    # The note is free text: the trail keeps it only as a reference to the message's answer row.
    assert received["detail"]["payload"]["accepted"] is True
    assert re.fullmatch(r"message_answer:\d+/note", received["detail"]["payload"]["note"]["ref"])
    after = client.get(f"/complaints/{offer['id']}").get_data(as_text=True)
    assert "答复已记录" in after and section(after, "wait-banner") == ""


def answer_form(html: str, message: str = "customer_response") -> str:
    """The action of the banner's form that records `message`."""
    return entities.unescape(re.search(rf'action="([^"]*/answers/{message}[^"]*)"', html).group(1))


def inbox_rows(html: str) -> list[tuple[str, str]]:
    """(task id, assignee) of each row of an inbox page, in its order."""
    found = []
    for task, row in re.findall(r'<tr data-task="([^"]+)">(.*?)</tr>', html, re.S):
        cells = re.findall(r'<td data-label="[^"]*">(.*?)</td>', row, re.S)  # task, complaint, role, assignee
        found.append((task, words(cells[3]).strip()))
    return found


def where(location: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(location)
    return parts.path, parse_qs(parts.query)


def test_reached_from_the_inbox_the_recorded_answer_leads_to_the_inbox_next_task(app, as_user, swap_process, offer):
    waiting_for_answer(as_user, swap_process)  # another offer: its call waits in the desk's inbox too
    client = logged_in_client(app, "desk")
    [answer_task] = offer["open_tasks"]
    inbox = client.get("/inbox?type=quality").get_data(as_text=True)
    row = re.search(rf'<tr data-task="{answer_task["id"]}">.*?</tr>', inbox, re.S).group(0)
    link = entities.unescape(re.search(rf'href="(/complaints/{offer["id"]}\?[^"]*)"', row).group(1))
    assert where(link) == (f"/complaints/{offer['id']}", {"from": ["inbox"], "type": ["quality"]})
    page = client.get(link).get_data(as_text=True)
    assert where(answer_form(page))[1] == {"from": ["inbox"], "type": ["quality"]}

    response = client.post(answer_form(page), data={"csrf_token": token(page), "accepted": "true"})
    assert response.status_code == 303
    landed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="task-form"' in landed and "答复已记录" in landed
    after = client.get("/inbox?type=quality").get_data(as_text=True)
    following = next(task for task, assignee in inbox_rows(after) if assignee in ("—", "desk"))
    assert following != answer_task["id"]
    assert where(response.headers["Location"]) == (f"/tasks/{following}", {"from": ["inbox"], "type": ["quality"]})
    assert as_user("legal").get(f"/complaints/{offer['id']}").body["waiting_for"] == []


def test_reached_from_a_task_the_recorded_answer_leads_to_the_inbox_when_nothing_is_left(app, as_user, offer):
    client = logged_in_client(app, "desk")
    [answer_task] = offer["open_tasks"]
    task_page = f"/tasks/{answer_task['id']}?from=inbox&type=quality&mine=1"
    assert client.post(f"/tasks/{answer_task['id']}/claim",
                       data={"csrf_token": token(client.get(task_page).get_data(as_text=True))}).status_code == 302
    html = client.get(task_page).get_data(as_text=True)
    link = entities.unescape(re.search(r'<p class="meta">.*?href="([^"]+)"', html, re.S).group(1))
    assert where(link) == (f"/complaints/{offer['id']}", {"from": ["inbox"], "type": ["quality"], "mine": ["1"]})
    page = client.get(link).get_data(as_text=True)

    response = client.post(answer_form(page), data={"csrf_token": token(page), "accepted": "false", "note": "再考虑"})
    assert response.status_code == 303  # the desk's only task of its own was this call
    assert where(response.headers["Location"]) == ("/inbox", {"type": ["quality"], "mine": ["1"]})
    assert "答复已记录" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert as_user("legal").get(f"/complaints/{offer['id']}").body["waiting_for"] == []


def test_a_wrong_answer_shows_the_complaint_page_again_with_the_errors_by_their_fields(app, as_user, offer):
    client = logged_in_client(app, "manager")
    page = client.get(f"/complaints/{offer['id']}?from=inbox&type=quality").get_data(as_text=True)
    response = client.post(answer_form(page), data={"csrf_token": token(page), "note": "x" * 2001})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for part in ('id="open-tasks"', 'id="timeline"', 'id="diagram"', f'<span class="number">{offer["number"]}</span>'):
        assert part in html, part  # the whole complaint page, not a page of its own
    banner = section(html, "wait-banner")
    assert 'id="wait-customer_response-error"' in banner and "部分字段填写有误" in banner
    assert re.search(r'class="field has-error" data-field="accepted"', banner)
    assert re.search(r'id="f-note-error"><li>[^<]*2000', banner)
    assert 'value="' + "x" * 2001 + '"' in banner  # what was typed is kept
    assert where(answer_form(html))[1] == {"from": ["inbox"], "type": ["quality"]}  # and where it leads next
    assert as_user("legal").get(f"/complaints/{offer['id']}").body["waiting_for"] == offer["waiting_for"]

    english = in_english(client, f"/complaints/{offer['id']}")
    assert "Record the answer" in english
    response = client.post(answer_form(english), data={"csrf_token": token(english), "accepted": "maybe"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Open tasks" in html and "Timeline" in html and 'id="diagram"' in html
    banner = section(html, "wait-banner")
    assert "Some fields are not valid" in banner and "Choose yes or no." in banner
    assert re.search(r'class="field has-error" data-field="accepted"', banner)


def test_only_the_service_desk_and_duty_managers_record_an_answer(app, as_user, offer):
    client = logged_in_client(app, "qc")
    page = client.get(f"/complaints/{offer['id']}").get_data(as_text=True)
    assert section(page, "wait-banner") and "answers/customer_response" not in page
    response = client.post(f"/complaints/{offer['id']}/answers/customer_response",
                           data={"csrf_token": token(page), "accepted": "true"})
    assert response.status_code == 403
    assert as_user("legal").get(f"/complaints/{offer['id']}").body["waiting_for"] == offer["waiting_for"]


def test_an_answer_nothing_waits_for_is_refused_politely(app, as_user, offer):
    client = logged_in_client(app, "desk")
    page = client.get(f"/complaints/{offer['id']}").get_data(as_text=True)
    response = client.post(f"/complaints/{offer['id']}/answers/satisfaction_survey",
                           data={"csrf_token": token(page), "satisfied": "true", "satisfaction": "satisfied"})
    assert response.status_code == 303
    assert "不再等待这项答复" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.post(f"/complaints/{offer['id']}/answers/no_such_message",
                       data={"csrf_token": token(page)}).status_code == 404


def test_the_list_and_the_inbox_say_what_a_complaint_waits_for(app, as_user, offer):
    other = as_user("desk").post("/complaints", intake("security_gate")).body
    client = logged_in_client(app, "desk")
    for number, waits in ((offer["number"], True), (other["number"], False)):
        rows = client.get(f"/complaints?number={number}").get_data(as_text=True)
        assert ("等待顾客对处理方案的答复" in rows) is waits, number

    [answer_task] = offer["open_tasks"]
    inbox = client.get("/inbox").get_data(as_text=True)
    row = re.search(rf'<tr data-task="{answer_task["id"]}">.*?</tr>', inbox, re.S).group(0)
    assert 'class="chip chip-wait"' in row and "等待顾客对处理方案的答复" in row
    [first_task] = other["open_tasks"]
    row = re.search(rf'<tr data-task="{first_task["id"]}">.*?</tr>', inbox, re.S).group(0)
    assert "chip-wait" not in row
    assert "等待顾客对处理方案的答复" in client.get("/inbox.json").get_json()["rows"]
    english = in_english(client, f"/complaints?number={offer['number']}")
    assert "waiting for the customer's answer to the offer" in words(english)


def test_the_bell_counts_the_unread_notifications_on_every_page(app, as_user):
    from tests.paths import acknowledge, take
    from tests.test_process_security_gate import statement

    created = as_user("desk").post("/complaints", intake("security_gate")).body
    [footage] = take(as_user, created["id"], created["open_tasks"], [*acknowledge(), *statement()])
    unread = as_user("risk").get("/notifications", unread="true").body["unread"]
    assert unread > 0  # risk control was told to review the footage
    client = logged_in_client(app, "risk")
    pages = ["/inbox", "/complaints", f"/complaints/{created['id']}", f"/tasks/{footage['id']}",
             "/notifications", "/processes", "/processes/security_gate", "/account/password",
             "/escalations", "/no-such-page"]  # the last two: the 403 and 404 pages
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        bell = re.search(r'<a href="/notifications" id="nav-notifications".*?</a>', html, re.S)
        assert bell, path
        assert re.search(rf'id="unread-count">{unread}<', bell.group(0)), path


@pytest.mark.parametrize(("name", "sees"), [("manager", True), ("senior", True), ("desk", False),
                                            ("finance", False)])
def test_the_inbox_leads_the_ladder_to_the_escalated_view(app, name, sees):
    client = logged_in_client(app, name)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert ('href="/escalations" id="inbox-escalated"' in inbox) is sees
    assert client.get("/escalations").status_code == (200 if sees else 403)


def test_an_escalated_task_says_which_limit_ran_out_how_long_ago_and_to_whom(app, as_user, clock):
    created = as_user("desk").post("/complaints", intake("security_gate")).body
    [acknowledge] = created["open_tasks"]
    clock(timedelta(hours=3))  # first response: 5 minutes, escalated at the limit and at twice it
    with app.app_context():
        timer_service.fire_due()
        db.session.remove()

    manager = logged_in_client(app, "manager")
    notice = section(manager.get(f"/tasks/{acknowledge['id']}").get_data(as_text=True), "escalation-notice")
    text = words(notice)
    assert "时限“首次响应”已于 2 小时前超过" in text and "已上报当班管理人员" in text
    assert "公司高层管理人员" not in text  # the rung above is not the duty manager's business
    assert not ISO_MOMENT.search(text) and "first_response" not in text

    senior = logged_in_client(app, "senior")
    text = words(section(in_english(senior, f"/tasks/{acknowledge['id']}"), "escalation-notice"))
    assert "Time limit “first response” passed 2 h ago" in text
    assert "escalated to Duty manager" in text and "escalated to Senior management" in text

    listing = manager.get("/escalations").get_data(as_text=True)
    assert "首次响应" in listing and "first_response" not in words(listing)
    legal = logged_in_client(app, "legal")  # reads the task, but neither works it nor stands on the ladder
    assert "escalation-notice" not in legal.get(f"/tasks/{acknowledge['id']}").get_data(as_text=True)


def test_the_late_tasks_own_role_and_assignee_see_why_it_was_escalated(app, as_user, clock):
    created = as_user("desk").post("/complaints", intake("security_gate")).body
    [acknowledge] = created["open_tasks"]
    clock(timedelta(hours=3))
    with app.app_context():
        timer_service.fire_due()
        db.session.remove()
    page = f"/tasks/{acknowledge['id']}"

    desk = logged_in_client(app, "desk")  # the service desk let the first response pass
    notice = section(desk.get(page).get_data(as_text=True), "escalation-notice")
    text = words(notice)
    assert "时限“首次响应”已于 2 小时前超过" in text
    assert "已上报当班管理人员" in text and "已上报公司高层管理人员" in text
    assert "/escalations" not in notice  # no link to a view that is not theirs
    text = words(section(in_english(desk, page), "escalation-notice"))
    assert "Time limit “first response” passed 2 h ago" in text
    assert "escalated to Duty manager" in text and "escalated to Senior management" in text

    # a duty manager who takes the task over is its assignee: they see the rung above too, linked to their own
    manager = logged_in_client(app, "manager")
    html = manager.get(page).get_data(as_text=True)
    [own_rung] = re.findall(r'data-escalation="(\d+)"', section(html, "escalation-notice"))
    assert manager.post(f"/escalations/{own_rung}/take-over", data={"csrf_token": token(html)}).status_code == 303
    assert as_user("legal").get(f"/tasks/{acknowledge['id']}").body["assignee"] == "manager"
    notice = section(manager.get(page).get_data(as_text=True), "escalation-notice")
    assert "已上报当班管理人员" in words(notice) and "已上报公司高层管理人员" in words(notice)
    assert re.findall(r'href="/escalations[^"]*#escalation-(\d+)"', notice) == [own_rung]
