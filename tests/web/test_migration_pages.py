"""The process owner's migration pages in Chromium: the dry run's report by reason, starting the migration, the
job's progress after the worker's turns; legal reads without the button; other roles are refused."""

from __future__ import annotations

from app.case_migration import service as migrations
from app.extensions import db
from tests.conftest import intake
from tests.test_migration_service import KEY, PAID
from tests.test_migration_service import V1 as SERVICE_V1
from tests.test_migration_service import V2 as SERVICE_V2
from tests.web.conftest import login, shoot


def _own(xml: str) -> str:
    """The same diagram as a version of this module's own: deployed after any other module's versions of the
    process, it is the latest, which the report opens on."""
    return xml.replace("<bpmn:process ", "<!-- migration pages --><bpmn:process ", 1)


V1, V2 = _own(SERVICE_V1), _own(SERVICE_V2)


def test_the_owner_dry_runs_starts_and_follows_a_migration(app, new_page, as_user, swap_process):
    swap_process(KEY, V1)
    waiting = as_user("desk").post("/complaints", intake(KEY)).body
    on_b = as_user("desk").post("/complaints", intake(KEY)).body
    assert as_user("desk").post(f"/tasks/{on_b['open_tasks'][0]['id']}/complete", PAID).status == 200
    target = swap_process(KEY, V2)

    page = new_page()
    login(page, "owner")
    page.goto(f"/processes/{KEY}")
    page.click("#migration-link")  # the latest version is the target first
    assert "迁移进行中的投诉" in page.inner_text("#migration-title")
    assert f"v{target}" in page.inner_text("#migration-title")
    movable = page.inner_text("#migration-groups tr[data-reason='movable']")
    assert "可以迁移" in movable and waiting["number"] in movable
    refused = page.inner_text("#migration-groups tr[data-reason='on_removed_element']")
    assert "新版本已删除" in refused and on_b["number"] in refused
    shoot(page, "migration-dry-run")
    page.click("#migration-start")
    page.wait_for_selector("#migration-job-title")
    assert "迁移" in page.inner_text("#migration-job-title")

    with app.app_context():
        while migrations.run_due_jobs(10):
            pass
        migrations.run_due_jobs(10)
        db.session.remove()
    page.click("#migration-refresh")
    page.wait_for_selector("#migration-results")
    row = page.locator(f"#migration-results tr[data-number='{waiting['number']}']")
    assert row.get_attribute("data-state") == "migrated" and "已迁移" in row.inner_text()
    assert page.get_attribute("#migration-progress", "value") == page.get_attribute("#migration-progress", "max")
    assert as_user("desk").get(f"/complaints/{waiting['id']}")["process"]["version"] == target

    page.click("#switch-language")
    assert "Moved" in page.inner_text("#migration-counts")

    legal = new_page()
    login(legal, "legal")
    legal.goto(f"/processes/{KEY}/migrations?to={target}")
    assert legal.locator("#migration-groups").count() == 1 and legal.locator("#migration-start").count() == 0
    desk = new_page()
    login(desk, "desk")
    desk.goto(f"/processes/{KEY}")
    assert desk.locator("#migration-link").count() == 0
    response = desk.goto(f"/processes/{KEY}/migrations?to={target}")
    assert response.status == 403


def test_the_owner_cancels_a_migration_from_its_page(app, new_page, as_user, swap_process):
    swap_process(KEY, V1)
    first = as_user("desk").post("/complaints", intake(KEY)).body
    second = as_user("desk").post("/complaints", intake(KEY)).body
    target = swap_process(KEY, V2)
    job = as_user("owner").post(f"/process-definitions/{KEY}/migrations",
                                {"to_version": target, "numbers": [first["number"], second["number"]]}).body
    with app.app_context():
        assert migrations.run_due_jobs(1) == 1  # one complaint moved before the owner changes their mind
        db.session.remove()

    legal = new_page()
    login(legal, "legal")
    legal.goto(f"/migrations/{job['id']}")
    assert legal.locator("#migration-cancel").count() == 0

    page = new_page()
    login(page, "owner")
    page.goto(f"/migrations/{job['id']}")
    page.focus("#migration-cancel")
    page.keyboard.press("Enter")
    page.wait_for_selector("#migration-cancelled")
    assert "owner" in page.inner_text("#migration-cancelled") and "取消" in page.inner_text("#migration-cancelled")
    assert page.locator("#migration-cancel").count() == 0
    skipped = page.locator(f"#migration-results tr[data-number='{second['number']}']")
    assert skipped.get_attribute("data-state") == "skipped" and "取消" in skipped.inner_text()
    moved = page.locator(f"#migration-results tr[data-number='{first['number']}']")
    assert moved.get_attribute("data-state") == "migrated"
    shoot(page, "migration-cancelled")
    page.click("#switch-language")
    assert "Cancelled by owner" in page.inner_text("#migration-cancelled")
    assert as_user("desk").get(f"/complaints/{second['id']}")["process"]["version"] == target - 1
