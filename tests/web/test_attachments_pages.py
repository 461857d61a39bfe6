"""Attachments on the complaint and task pages: upload with CSRF, list, download, refusals, roles; in a browser."""

from __future__ import annotations

import io
import re
from pathlib import Path

from tests.conftest import PASSWORD

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x42" * 2000
HTML = b"<html><script>alert(1)</script></html>"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def logged_in(app, username: str):
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token}).status_code \
        == 302
    return client


def post_file(client, page: str, complaint_id: int, data: bytes = JPEG, filename: str = "小票.jpg",
              kind: str = "receipt", **extra):
    html = client.get(page).get_data(as_text=True)
    form = {"csrf_token": csrf_of(html), "kind": kind, "next": page,
            "file": (io.BytesIO(data), filename, "image/jpeg"), **extra}
    return client.post(f"/complaints/{complaint_id}/attachments", data=form, content_type="multipart/form-data")


def stored(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_upload_on_the_complaint_page(app, complaint, files_dir):
    client = logged_in(app, "desk")
    page = f"/complaints/{complaint['id']}"
    html = client.get(page).get_data(as_text=True)
    assert 'id="attachment-form"' in html and "暂无附件" in html and "顾客索赔单" in html
    response = post_file(client, page, complaint["id"])
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{page}#attachments")
    html = client.get(page).get_data(as_text=True)
    assert "已上传：小票.jpg" in html and "小票.jpg" in html and "购物小票" in html
    link = re.search(r'href="(/attachments/\d+)"', html).group(1)
    # another complaint reader opens it
    other = logged_in(app, "qc")
    file = other.get(link)
    assert file.status_code == 200 and file.data == JPEG and file.mimetype == "image/jpeg"
    assert file.headers["X-Content-Type-Options"] == "nosniff"
    assert len(stored(files_dir)) == 1


def test_upload_on_the_task_page_belongs_to_the_task(app, as_user, complaint, files_dir):
    task_id = complaint["open_tasks"][0]["id"]
    client = logged_in(app, "desk")
    page = f"/tasks/{task_id}"
    assert post_file(client, page, complaint["id"], kind="claim_form", task_id=task_id).status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert "本任务" in html and "小票.jpg" in html
    assert as_user("desk").get(f"/complaints/{complaint['id']}/attachments")["items"][0]["task_id"] == task_id


def test_without_the_csrf_token_nothing_is_stored(app, complaint, files_dir):
    client = logged_in(app, "desk")
    response = client.post(f"/complaints/{complaint['id']}/attachments", content_type="multipart/form-data",
                           data={"kind": "receipt", "file": (io.BytesIO(JPEG), "a.jpg", "image/jpeg")})
    assert response.status_code == 303 and stored(files_dir) == []  # back to the page, nothing kept


def test_a_refused_file_is_explained_in_the_pages_language(app, complaint, files_dir, monkeypatch):
    client = logged_in(app, "desk")
    page = f"/complaints/{complaint['id']}"
    assert post_file(client, page, complaint["id"], HTML, filename="receipt.jpg").status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert "不支持此文件格式" in html and "暂无附件" in html
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 1024)
    post_file(client, page, complaint["id"])
    assert "文件超过 1 KB" in client.get(page).get_data(as_text=True)
    client.post("/lang/en", data={"csrf_token": csrf_of(client.get(page).get_data(as_text=True))})
    post_file(client, page, complaint["id"])
    assert "The file is larger than 1 KB" in client.get(page).get_data(as_text=True)
    assert stored(files_dir) == []


def test_a_body_too_large_gets_a_page_not_a_trace(app, complaint, files_dir, monkeypatch):
    client = logged_in(app, "desk")
    page = f"/complaints/{complaint['id']}"
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    response = post_file(client, page, complaint["id"])
    assert response.status_code == 413 and "文件太大" in response.get_data(as_text=True)
    assert stored(files_dir) == []


def test_roles_on_the_pages(app, as_user, complaint, files_dir):
    added = as_user("desk").post(f"/complaints/{complaint['id']}/attachments", content_type="multipart/form-data",
                                 data={"kind": "receipt", "file": (io.BytesIO(JPEG), "a.jpg", "image/jpeg")})
    assert added.status == 201
    owner = logged_in(app, "owner")  # process owners do not read complaints
    response = owner.get(f"/attachments/{added['id']}")
    assert response.status_code == 403 and "无权访问" in response.get_data(as_text=True)
    admin = logged_in(app, "admin")  # admin reads the case file, adds nothing to it
    html = admin.get(f"/complaints/{complaint['id']}").get_data(as_text=True)
    assert "a.jpg" in html and 'id="attachment-form"' not in html
    assert admin.get(f"/attachments/{added['id']}").status_code == 200
    anonymous = app.test_client().get(f"/attachments/{added['id']}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_upload_in_the_browser(new_page, as_user, complaint, files_dir, tmp_path):
    from tests.web.conftest import login, shoot

    photo = tmp_path / "索赔单.jpg"
    photo.write_bytes(JPEG)
    page = new_page(390, 844)
    login(page, "desk")
    page.goto(f"/complaints/{complaint['id']}")
    page.select_option("#attachment-kind", "claim_form")
    page.set_input_files("#attachment-file", str(photo))
    page.click("#attachment-submit")
    page.wait_for_selector("#attachment-list a.attachment-link")
    assert page.inner_text("#attachment-list a.attachment-link") == "索赔单.jpg"
    assert "顾客索赔单" in page.inner_text("#attachment-list")
    page.locator("#attachments").scroll_into_view_if_needed()
    shoot(page, "attachments")
