"""The versions page: process owners upload, activate and roll back; every other role reads only (403 on a POST)."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from sqlalchemy import func, select

from app.definitions.models import ProcessDefinition
from app.extensions import db
from tests.conftest import STAFF, logged_in_client
from tests.signoff_helpers import approve
from tests.test_compare import version
from tests.web.test_admin_pages import csrf_of, english

OTHERS = sorted(name for name, roles in STAFF.items() if "process_owner" not in roles)


def count_versions(app, key: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(func.count()).select_from(ProcessDefinition)
                                  .where(ProcessDefinition.key == key))
        db.session.remove()
    return found


def upload(client, key: str, *files: tuple[str, str], activate: bool = False):
    page = client.get(f"/processes/{key}").get_data(as_text=True)
    data = {"csrf_token": csrf_of(page), "files": [(BytesIO(xml.encode()), name) for name, xml in files]}
    if activate:
        data["activate"] = "yes"
    return client.post(f"/processes/{key}/upload", data=data, content_type="multipart/form-data")


def row(html: str, number: int) -> str:
    return re.search(rf'<tr data-version="{number}".*?</tr>', html, re.S).group(0)


@pytest.fixture
def owner(app):
    return logged_in_client(app, "owner")


def test_the_owner_uploads_activates_and_rolls_back_and_the_page_says_who(app, owner, as_user):
    key = "page_versions"
    assert upload(owner, key, (f"{key}.bpmn", version(key)), activate=True).status_code == 303
    approve(as_user, key, 1)  # a new process goes live once legal signed it
    first = owner.get(f"/processes/{key}").get_data(as_text=True)
    assert owner.post(f"/processes/{key}/versions/1/activate", data={"csrf_token": csrf_of(first)}).status_code == 303
    response = upload(owner, key, (f"{key}.bpmn", version(key, check=True)))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/processes/{key}#upload-result")
    html = owner.get(f"/processes/{key}").get_data(as_text=True)
    assert 'id="upload-result"' in html and "a new version was created" not in html  # Chinese by default
    assert "已创建新版本" in html and 'data-activate-uploaded="2"' in html
    assert "inactive" not in row(html, 2) and "未启用" in row(html, 2)
    assert "由 owner 部署" in row(html, 2) and "由 owner 启用" in row(html, 1)
    assert 'id="upload-result"' not in owner.get(f"/processes/{key}").get_data(as_text=True)  # said once

    english(owner)
    html = owner.get(f"/processes/{key}").get_data(as_text=True)
    assert f'href="/processes/{key}/compare?from=1&amp;to=2"' in row(html, 2)
    assert "Activate v2" in row(html, 2) and "Roll back" not in row(html, 2)
    approve(as_user, key, 2)
    activated = owner.post(f"/processes/{key}/versions/2/activate", data={"csrf_token": csrf_of(html)},
                           follow_redirects=True).get_data(as_text=True)
    assert "Version 2 is active: new complaints start on it" in activated
    assert 'id="active-version"' in row(activated, 2) and "activated by owner" in row(activated, 2)
    rollback = row(activated, 1)
    assert "Roll back to v1…" in rollback
    assert ("New complaints will start on version 1 instead of version 2. Running complaints keep the version they "
            "started on.") in rollback
    rolled = owner.post(f"/processes/{key}/versions/1/activate", data={"csrf_token": csrf_of(activated)},
                        follow_redirects=True).get_data(as_text=True)
    assert "Rolled back to version 1" in rolled and 'id="active-version"' in row(rolled, 1)


def test_an_upload_with_errors_lists_them_in_the_pages_language_and_deploys_nothing(app, owner):
    key = "page_refused"
    broken = version(key).replace('value="lifecycle.payment"', 'value="no.such_form"')
    before = count_versions(app, "quality")
    response = upload(owner, "quality", (f"{key}.bpmn", broken), ("notes.txt", "hello"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="upload-errors"' in html and "只能部署 .bpmn 和 .dmn 文件" in html and "notes.txt" in html
    response = upload(owner, "quality", (f"{key}.bpmn", broken))
    html = response.get_data(as_text=True)
    errors = re.search(r'<section class="card notice" id="upload-errors".*?</section>', html, re.S).group(0)
    assert response.status_code == 422 and "no.such_form" in errors and "pay" in errors
    assert count_versions(app, key) == 0 and count_versions(app, "quality") == before
    english(owner)
    html = upload(owner, "quality", (f"{key}.bpmn", broken)).get_data(as_text=True)
    assert "Nothing was deployed" in html and "no.such_form" in html


def test_a_version_downloads_with_a_file_name(owner):
    response = owner.get("/processes/quality/versions/1/download")
    assert response.status_code == 200 and response.headers["Content-Disposition"] == \
        'attachment; filename="quality-v1.bpmn"'
    assert b'<bpmn:process id="quality"' in response.data
    table = owner.get("/processes/quality/versions/1/decisions/authority_limits/download")
    assert table.status_code == 200 and 'filename="authority_limits-v1.dmn"' in table.headers["Content-Disposition"]
    assert owner.get("/processes/quality/versions/999/download").status_code == 404
    assert owner.get("/processes/quality/versions/1/decisions/quality/download").status_code == 404


def test_the_compare_page_lists_the_changes_in_words(app, owner):
    key = "page_compare"
    upload(owner, key, (f"{key}.bpmn", version(key)))
    upload(owner, key, (f"{key}.bpmn", version(key, check=True, limit='sla("resolution")')))
    english(owner)
    html = owner.get(f"/processes/{key}/compare?from=1&to=2").get_data(as_text=True)
    assert 'data-marks=\'{"added": ["check", "f_check"], "changed":' in html
    assert re.search(r'<li class="diff-item diff-item-added" data-element="check">', html)
    assert "Time limit: the feedback limit" in html and "the resolution limit" in html
    assert owner.get(f"/processes/{key}/compare?from=a&to=2").status_code == 422


@pytest.mark.parametrize("name", OTHERS)
def test_every_other_role_reads_without_buttons_and_gets_403_on_every_post(app, name):
    client = logged_in_client(app, name)
    page = client.get("/processes/quality")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="upload-form"' not in html and "activate-submit" not in html and "rollback-submit" not in html
    before = count_versions(app, "quality")
    token = csrf_of(html)
    assert client.post("/processes/quality/versions/1/activate", data={"csrf_token": token}).status_code == 403
    sent = client.post("/processes/quality/upload", content_type="multipart/form-data",
                       data={"csrf_token": token, "files": [(BytesIO(version("quality").encode()), "quality.bpmn")]})
    assert sent.status_code == 403
    assert client.post("/processes/quality/upload", data={"csrf_token": token}).status_code == 403
    assert count_versions(app, "quality") == before
    assert client.get("/processes/quality/compare?from=1&to=1").status_code == 200
