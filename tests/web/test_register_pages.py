"""The escalation register's pages without a browser: the register beside the diagram, the diff of two versions'
registers, the link from the versions page, and 403 for the roles that do not review escalations."""

from __future__ import annotations

from tests.conftest import logged_in_client


def _active(client, key: str) -> int:
    html = client.get(f"/processes/{key}").get_data(as_text=True)
    assert 'class="register-link"' in html
    return int(html.split('id="active-version"')[0].rsplit('class="version-link">v', 1)[1].split("<")[0])


def test_legal_reads_the_register_of_the_quality_diagram_and_its_diff(app):
    client = logged_in_client(app, "legal")
    version = _active(client, "quality")
    page = client.get(f"/legal/register/quality/{version}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="kind-police"' in html and 'id="kind-ambulance"' in html and "争执可能引发事端?：是" in html
    assert 'data-elements=' in html and "legal_register.js" in html
    diff = client.get(f"/legal/register/quality/diff?from={version}&to={version}")
    assert diff.status_code == 200 and 'id="register-unchanged"' in diff.get_data(as_text=True)


def test_roles_that_do_not_review_escalations_get_403_and_no_link(app):
    client = logged_in_client(app, "desk")
    assert client.get("/legal/register/quality/1").status_code == 403
    assert client.get("/legal/register/quality/diff?from=1&to=1").status_code == 403
    assert 'class="register-link"' not in client.get("/processes/quality").get_data(as_text=True)


def test_a_version_that_does_not_exist_is_404_and_a_bad_diff_422(app):
    client = logged_in_client(app, "owner")
    assert client.get("/legal/register/quality/999").status_code == 404
    assert client.get("/legal/register/quality/diff?from=x&to=1").status_code == 422
