"""The working loop without a browser: completing a task leads to the inbox's next task (its filters kept), a
form whose session ended leads to the log-in and back instead of a 400 page, a background upload answers in
JSON, and every form marks its invalid fields alike."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from app.extensions import db
from app.users import service as users
from tests.conftest import PASSWORD, intake, logged_in_client

pytestmark = pytest.mark.usefixtures("cancel_registered")
ACKNOWLEDGED = {"next_steps_explained": "true", "customer_calm": "true"}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x42" * 2000


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture(scope="module")
def loop_clerk(app) -> str:
    """A clerk of their own, so that only this module's tasks are theirs to take up."""
    with app.app_context():
        if users.find_user("loopclerk") is None:
            users.create_user("loopclerk", ["service_desk"], PASSWORD)
        db.session.remove()
    return "loopclerk"


def test_completing_a_task_opens_the_next_task_of_the_inbox_with_its_filters(app, as_user, quiet_inboxes,
                                                                              loop_clerk):
    first, second, third = (as_user("desk").post("/complaints", intake(kind)).body
                            for kind in ("quality", "quality", "vehicle"))
    claimed_by_other = as_user("desk2").post(f"/tasks/{second['open_tasks'][0]['id']}/claim")
    assert claimed_by_other.status == 200
    clerk = logged_in_client(app, loop_clerk)
    inbox = clerk.get("/inbox?role=service_desk&type=quality").get_data(as_text=True)
    first_task = first["open_tasks"][0]["id"]
    link = re.search(rf'href="(/tasks/{first_task}\?[^"]+)"', inbox).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(link).query) == {"from": ["inbox"], "role": ["service_desk"], "type": ["quality"]}

    page = clerk.get(link).get_data(as_text=True)
    done = clerk.post(link, data={"csrf_token": csrf_of(page), **ACKNOWLEDGED})
    # the second quality task is claimed by someone else and the vehicle one is filtered out: the inbox is next
    assert done.status_code == 303 and done.headers["Location"] == "/inbox?role=service_desk&type=quality"
    assert "任务已完成" in clerk.get(done.headers["Location"]).get_data(as_text=True)

    as_user("desk2").post(f"/tasks/{second['open_tasks'][0]['id']}/unclaim")
    unfiltered = f"/tasks/{second['open_tasks'][0]['id']}?from=inbox"
    done = clerk.post(unfiltered, data={"csrf_token": csrf_of(clerk.get(unfiltered).get_data(as_text=True)),
                                        **ACKNOWLEDGED})
    assert done.headers["Location"] == f"/tasks/{third['open_tasks'][0]['id']}?from=inbox"
    assert "任务已完成" in clerk.get(done.headers["Location"]).get_data(as_text=True)


def test_a_form_sent_after_the_session_ended_leads_to_the_log_in_and_back(app, complaint):
    clerk = logged_in_client(app, "desk")
    page = f"/tasks/{complaint['open_tasks'][0]['id']}?from=inbox"
    token = csrf_of(clerk.get(page).get_data(as_text=True))
    clerk.post("/logout", data={"csrf_token": token})  # the session ends (here: logged out in another tab)

    sent = clerk.post(page, data={"csrf_token": token, **ACKNOWLEDGED}, headers={"Referer": f"http://localhost{page}"})
    assert sent.status_code == 303
    login = sent.headers["Location"]
    assert urlsplit(login).path == "/login" and parse_qs(urlsplit(login).query)["next"] == [f"{page}#draft"]
    html = clerk.get(login).get_data(as_text=True)
    assert "请重新登录" in html and "会放回表单" in html
    back = clerk.post(login, data={"username": "desk", "password": PASSWORD, "csrf_token": csrf_of(html)})
    assert back.status_code == 302 and back.headers["Location"] == f"{page}#draft"


def test_a_stale_form_of_a_live_session_returns_to_its_page_not_to_a_400(app, complaint):
    clerk = logged_in_client(app, "manager")
    page = f"/complaints/{complaint['id']}"
    sent = clerk.post(f"{page}/cancel", data={"csrf_token": "stale", "reason": "x"},
                      headers={"Referer": f"http://localhost{page}"})
    assert sent.status_code == 303 and sent.headers["Location"] == f"{page}#draft"
    assert "表单已过期" in clerk.get(page).get_data(as_text=True)
    english = clerk.post("/lang/en", data={"csrf_token": "stale", "next": "/inbox"})
    assert english.headers["Location"] == "/inbox#draft"


def test_the_log_in_form_itself_expired_asks_to_log_in_again(app):
    client = app.test_client()
    sent = client.post("/login?next=/inbox", data={"username": "desk", "password": PASSWORD})
    assert sent.status_code == 303 and sent.headers["Location"] == "/login?next=/inbox"
    assert "登录表单已过期" in client.get(sent.headers["Location"]).get_data(as_text=True)


def test_a_background_upload_answers_with_the_refreshed_list_or_the_refusal(app, complaint, files_dir):
    clerk = logged_in_client(app, "desk")
    task_id = complaint["open_tasks"][0]["id"]
    page = f"/tasks/{task_id}"
    token = csrf_of(clerk.get(page).get_data(as_text=True))
    headers = {"Accept": "application/json", "X-CSRFToken": token}
    action = f"/complaints/{complaint['id']}/attachments"
    uploaded = clerk.post(action, headers=headers, content_type="multipart/form-data",
                          data={"kind": "receipt", "task_id": task_id, "file": (io.BytesIO(JPEG), "小票.jpg")})
    assert uploaded.status_code == 201 and uploaded.json["message"] == "已上传：小票.jpg"
    assert "小票.jpg" in uploaded.json["items"] and "本任务" in uploaded.json["items"]
    refused = clerk.post(action, headers=headers, content_type="multipart/form-data",
                         data={"kind": "receipt", "file": (io.BytesIO(b"<html></html>"), "x.html")})
    assert refused.status_code == 422 and "不支持此文件格式" in refused.json["message"] and "items" not in refused.json

    clerk.post("/logout", data={"csrf_token": token})
    lost = clerk.post(action, headers={**headers, "Referer": f"http://localhost{page}"},
                      content_type="multipart/form-data", data={"kind": "receipt", "next": page,
                                                                "file": (io.BytesIO(JPEG), "b.jpg")})
    assert lost.status_code == 401 and urlsplit(lost.json["location"]).path == "/login"
    assert parse_qs(urlsplit(lost.json["location"]).query)["next"] == [f"{page}#draft"]


class Fields(HTMLParser):
    """Each .field wrapper of a page: whether it is marked invalid, its controls' attributes, its error lists."""

    def __init__(self):
        super().__init__()
        self.fields: list[dict] = []
        self.depth = 0
        self.current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "div" and "field" in classes and self.current is None:
            self.current = {"invalid": "has-error" in classes, "controls": [], "errors": [], "depth": self.depth}
        if self.current is not None:
            if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden",):
                self.current["controls"].append(attrs)
            if tag == "ul" and "field-errors" in classes:
                self.current["errors"].append(attrs.get("id"))
        if tag not in ("input", "br", "meta", "link"):
            self.depth += 1

    def handle_endtag(self, tag):
        if tag not in ("input", "br", "meta", "link"):
            self.depth -= 1
        if self.current is not None and tag == "div" and self.depth == self.current["depth"]:
            self.fields.append(self.current)
            self.current = None


def assert_marked_alike(html: str) -> int:
    """Every invalid field: the wrapper's class, aria-invalid on each control, described by its error list,
    which follows in the same wrapper. Returns how many were invalid."""
    parser = Fields()
    parser.feed(html)
    invalid = [f for f in parser.fields if f["invalid"]]
    for field in invalid:
        assert len(field["errors"]) == 1, field
        for control in field["controls"]:
            assert control.get("aria-invalid") == "true", field
            assert field["errors"][0] in (control.get("aria-describedby") or "").split(), field
    for field in parser.fields:
        if not field["invalid"]:
            assert all(control.get("aria-invalid") is None for control in field["controls"]), field
    return len(invalid)


def test_every_form_marks_its_invalid_fields_alike(app, complaint):
    clerk = logged_in_client(app, "desk")
    task = f"/tasks/{complaint['open_tasks'][0]['id']}"
    token = csrf_of(clerk.get(task).get_data(as_text=True))
    refused = clerk.post(task, data={"csrf_token": token, "note": "x" * 2001})
    assert refused.status_code == 422 and assert_marked_alike(refused.get_data(as_text=True)) >= 2

    refused = clerk.post("/complaints/new", data={"csrf_token": token, "type": "", "phone": "12"})
    assert refused.status_code == 422 and assert_marked_alike(refused.get_data(as_text=True)) >= 4

    refused = clerk.post("/account/password", data={"csrf_token": token, "current_password": "wrong",
                                                    "new_password": "short", "confirm_password": "short"})
    assert refused.status_code == 422 and assert_marked_alike(refused.get_data(as_text=True)) == 2

    admin = logged_in_client(app, "admin")
    token = csrf_of(admin.get("/users").get_data(as_text=True))
    refused = admin.post("/users", data={"csrf_token": token, "username": ""})
    assert refused.status_code == 422 and assert_marked_alike(refused.get_data(as_text=True)) >= 2
