"""The process owners' editor in Chromium: lint while editing, a form picked from the list, drafts that survive
a reload and a stale tab, deploy and activate. One browser context for the module, logged in once."""

from __future__ import annotations

import pytest

from tests.conftest import Response, http, intake
from tests.web.conftest import login, shoot
from tests.web.test_every_page import AXE_RUN, _axe_source

FORM = "lifecycle.investigate"


@pytest.fixture(scope="module")
def owner_context(browser, live_server, app, tokens):
    """The owner's browser context; afterwards quality's active version is restored and the draft dropped."""
    api = lambda method, path, body=None: http(method, f"{live_server}/api/v1{path}", tokens["owner"], body)  # noqa: E731
    active = next(v["version"] for v in api("GET", "/process-definitions/quality")["versions"] if v["active"])
    api("DELETE", "/process-definitions/quality/drafts/mine")
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, base_url=live_server)
    context.set_default_timeout(20_000)
    violations: list[str] = []
    context.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page = context.new_page()
    login(page, "owner")
    yield context, page, api, active
    context.close()
    api("POST", f"/process-definitions/quality/versions/{active}/activate")
    api("DELETE", "/process-definitions/quality/drafts/mine")
    assert violations == [], "the editor broke the pages' Content-Security-Policy"


def open_editor(page, key: str = "quality") -> None:
    page.goto(f"/processes/{key}/edit")
    page.wait_for_selector("#workbench[data-ready='true']")


def saved(page) -> None:
    page.wait_for_selector("#save-status[data-state='saved']")


def test_an_owner_adds_a_user_task_sees_its_lint_problem_and_picks_a_form(owner_context):
    _context, page, _api, _active = owner_context
    open_editor(page)
    page.wait_for_selector("#problems-summary[data-errors='0']")
    # A flow between two tasks with the longest straight stretch, brought into view at full size.
    x, y = page.evaluate("""() => {
      const { modeler } = window.workbench;
      const canvas = modeler.get('canvas');
      let best = null;
      for (const flow of modeler.get('elementRegistry').filter((e) => e.type === 'bpmn:SequenceFlow')) {
        const w = flow.waypoints;
        for (let i = 1; i < w.length; i += 1) {
          const length = Math.abs(w[i].x - w[i - 1].x);
          if (w[i].y === w[i - 1].y && (!best || length > best.length)) {
            best = { length, x: (w[i].x + w[i - 1].x) / 2, y: w[i].y };
          }
        }
      }
      canvas.zoom(1);
      const box = canvas.viewbox();
      canvas.scroll({ dx: box.x + box.width / 2 - best.x, dy: box.y + box.height / 2 - best.y });
      const after = canvas.viewbox();
      const rect = canvas.getContainer().getBoundingClientRect();
      return [rect.left + (best.x - after.x) * after.scale, rect.top + (best.y - after.y) * after.scale];
    }""")
    page.click(".djs-palette .entry[data-action='create.task']")
    page.mouse.move(x - 40, y)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.click(".djs-context-pad .entry[data-action='replace']")
    page.wait_for_selector(".djs-popup [data-id='replace-with-service-task']")
    assert page.query_selector(".djs-popup [data-id*='script']") is None  # scripts are not offered
    page.click(".djs-popup [data-id='replace-with-user-task']")
    task_id = page.evaluate("window.workbench.modeler.get('selection').get()[0].id")
    assert page.evaluate(f"window.workbench.modeler.get('elementRegistry').get('{task_id}').type") == "bpmn:UserTask"
    # The lint, called as the owner edits, lists the missing form and marks the task on the canvas.
    problem = page.wait_for_selector(f"#problems-list li.problem-error[data-element='{task_id}']")
    assert page.is_visible(f".djs-element.lint-error[data-element-id='{task_id}']")
    assert page.is_visible(".djs-overlay .lint-badge-error")
    page.evaluate("window.workbench.modeler.get('selection').select(null)")  # then choosing the problem selects it
    problem.query_selector("button").click()
    assert page.evaluate("window.workbench.modeler.get('selection').get().map((e) => e.id)") == [task_id]
    # The form is picked from the server's list; its preview shows; the problem goes.
    page.select_option("#bio-properties-panel-service-form-key", FORM)
    page.wait_for_selector(f"#problems-list li.problem-error[data-element='{task_id}']", state="detached")
    assert not page.is_visible(f".djs-element.lint-error[data-element-id='{task_id}']")
    page.wait_for_selector("#form-preview:not([hidden]) fieldset[disabled] .field")
    saved(page)
    shoot(page, "modeler")
    page.evaluate(f"window.addedTask = '{task_id}'")


def test_the_draft_survives_a_reload(owner_context):
    _context, page, api, active = owner_context
    task_id = page.evaluate("window.addedTask")
    page.fill("#bio-properties-panel-name", "顾客补充说明")  # the base panel's name field of the selected task
    page.wait_for_selector("#save-status[data-state='unsaved']")
    saved(page)
    page.reload()
    page.wait_for_selector("#workbench[data-ready='true']")
    assert page.evaluate(f"window.workbench.modeler.get('elementRegistry').get('{task_id}').businessObject.name") \
        == "顾客补充说明"
    assert "draft" in page.text_content("#workbench-notice").lower() or "草稿" in page.text_content("#workbench-notice")
    draft = api("GET", "/process-definitions/quality/drafts/mine")
    assert draft.status == 200 and draft["base_version"] == active and task_id in draft["xml"]
    page.evaluate(f"window.addedTask = '{task_id}'")


def test_a_second_tabs_stale_save_gets_the_conflict_and_keeps_its_copy_on_request(owner_context):
    context, page, api, _active = owner_context
    task_id = page.evaluate("window.addedTask")
    other = context.new_page()
    open_editor(other)
    page.evaluate(f"() => {{ const m = window.workbench.modeler; m.get('modeling').updateLabel("
                  f"m.get('elementRegistry').get('{task_id}'), '第一个标签页改的'); }}")
    saved(page)
    other.evaluate(f"() => {{ const m = window.workbench.modeler; m.get('modeling').updateLabel("
                   f"m.get('elementRegistry').get('{task_id}'), '第二个标签页改的'); }}")
    other.wait_for_selector("#conflict:not([hidden])")
    assert other.get_attribute("#conflict", "data-reason") == "draft_changed"
    assert "第一个标签页改的" in other.text_content("#conflict [data-conflict-changes]")
    assert "第一个标签页改的" in api("GET", "/process-definitions/quality/drafts/mine")["xml"]  # nothing overwritten
    other.click("#conflict-mine")
    saved(other)
    assert "第二个标签页改的" in api("GET", "/process-definitions/quality/drafts/mine")["xml"]
    other.close()


def test_deploy_then_activate_from_the_editor_and_new_complaints_run_the_new_version(owner_context, tokens,
                                                                                    live_server):
    _context, page, api, active = owner_context
    before = http("POST", f"{live_server}/api/v1/complaints", tokens["desk"], intake())
    open_editor(page)  # the draft as the other tab left it
    page.click("#deploy")
    page.wait_for_selector("#activation:not([hidden]) #activate:not([hidden])")
    version = int(page.get_attribute("#activation", "data-version"))
    assert version > active
    deployed = next(v for v in api("GET", "/process-definitions/quality")["versions"] if v["version"] == version)
    assert not deployed["active"]
    page.click("#activate")
    page.wait_for_selector("#activate", state="hidden")
    assert str(version) in page.text_content("#activation-text")
    versions = api("GET", "/process-definitions/quality")["versions"]
    assert next(v for v in versions if v["active"])["version"] == version
    after: Response = http("POST", f"{live_server}/api/v1/complaints", tokens["desk"], intake())
    read = lambda c: http("GET", f"{live_server}/api/v1/complaints/{c['id']}", tokens["desk"])  # noqa: E731
    assert read(after)["process"]["version"] == version
    assert read(before)["process"]["version"] == active
    assert api("GET", "/process-definitions/quality/drafts/mine").status == 404  # deployed: no draft left


def test_axe_finds_nothing_serious_in_the_editor(owner_context):
    _context, page, _api, _active = owner_context
    open_editor(page)
    page.wait_for_selector("#problems-summary[data-errors]")
    page.evaluate("() => { const m = window.workbench.modeler; m.get('selection').select(m.get('elementRegistry')"
                  ".get('assess_quality')); }")
    page.wait_for_selector("#form-preview:not([hidden]) .field")
    page.evaluate(_axe_source())
    assert page.evaluate(AXE_RUN) == []
