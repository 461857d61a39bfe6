"""Browser fixtures: Debian's Chromium driven by Playwright (never `playwright install`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
# SCREENSHOT_DIR=docs/screenshots refreshes the README's pictures; without it no screenshot is taken (two
# full-page pictures cost the browser about half a second and check nothing).
SCREENSHOT_DIR = os.environ.get("SCREENSHOT_DIR")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":  # CI installs Chromium (.ci/run): a skip there would hide a failure
            pytest.fail(f"no Chromium at {CHROMIUM} in CI: the browser tests must run there")
        pytest.skip(f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests skipped: playwright not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser, live_server):
    """A page of its own; at the end, no page may have reported a Content-Security-Policy violation."""
    contexts = []
    violations: list[str] = []

    def watch(message) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{message.location.get('url')}: {message.text}")

    def make(width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height}, base_url=live_server)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", watch)
        return page

    yield make
    for context in contexts:
        context.close()
    assert violations == [], "the pages broke their Content-Security-Policy"


def login(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_load_state()


def shoot(page, name: str) -> None:
    """Save the page at 390 px and 1280 px wide under SCREENSHOT_DIR, when it is set."""
    if not SCREENSHOT_DIR:
        return
    folder = Path(SCREENSHOT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(150)
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(size)


@pytest.fixture
def quiet_inboxes(app, tokens):
    """Cancel every complaint still open, so that the inbox page (its first 50 rows) shows the test's own
    tasks whatever the tests before it left behind."""
    from sqlalchemy import select

    from app.extensions import db
    from app.runtime.models import Complaint

    with app.app_context():
        still_open = list(db.session.scalars(select(Complaint.id).where(Complaint.status == "open")))
        db.session.remove()
    client = app.test_client()
    for complaint_id in still_open:
        client.post(f"/api/v1/complaints/{complaint_id}/cancel", json={"reason": "cleared for a browser test"},
                    headers={"Authorization": f"Bearer {tokens['manager']}"})
    # Tasks the cancelling could not close (a complaint left with an open incident, a task row written by a
    # list test) would still fill the inboxes' first pages: set them aside too.
    from sqlalchemy import update

    from app.runtime.models import HumanTask

    with app.app_context():
        db.session.execute(update(HumanTask).where(HumanTask.state == "ready").values(state="cancelled"))
        db.session.commit()
        db.session.remove()
