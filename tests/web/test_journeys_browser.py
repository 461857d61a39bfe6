"""One complaint of each type driven from registration to closed through the staff pages alone, in Chromium.

Each person logs in once, through the login form, in a browser context of their own that the module keeps.
The service desk registers the complaint on the register page; every task is opened from the registration's
next steps or from the inbox (which refreshes itself while the clerk waits on it), or is reached by
complete-and-next, and its form is filled in as a person fills it in; the customer's answer is recorded from the
complaint page's waiting banner (reached from the inbox or the desk's task, so that it goes on to the desk's next
task as complete-and-next does), and the signed claim form is uploaded where finance pays against it. Nothing
calls the API or writes the database; the closed complaint is read from the database at the end.

Page loads are the documents the clerks' clicks ask for (a redirect counts with the request that led to it), from
opening the register page to the last task, logins and the language switch aside; an answer recorded from the
banner counts as a task (it closes the desk's task that waits for it). Three types are driven in Chinese, three
in English; `-s` prints the figures.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from app.complaints import service as complaints
from app.extensions import db
from app.runtime.models import Complaint
from app.users import service as users
from tests.conftest import OCCURRED, ROOT, intake
from tests.paths import Message, Task, acknowledge, execute, feedback, investigate, negotiate, remedy, review
from tests.test_attachments import PDF
from tests.test_process_conflict import separate, summary
from tests.test_process_lost_property import EXITS, RETURN, report, search
from tests.test_process_quality import assess, situation, supplier, verify
from tests.test_process_regulator_referral import designate, liaise
from tests.test_process_security_gate import DIGNITY_CLAIM, LAWFUL, dignity, footage, statement
from tests.test_process_vehicle import check_cover, claim_decision, on_site
from tests.web.conftest import login

INBOX_REFRESH_MS = 15_000  # inbox.js polls this often
LOADS_PER_TASK_AT_MOST = 2.5


@dataclass(frozen=True)
class Kept:
    """A field the page filled in from an earlier answer or file: the clerk checks it (`pattern`) and keeps it."""

    pattern: str


@dataclass(frozen=True)
class ClaimForm:
    """`who` uploads the customer's signed claim form in the background, on the page where they need it."""

    who: str


CLAIM_FILE = "顾客索赔单.pdf"
ACCEPTED = Message("customer_response", {"accepted": True})
# finance pays against the signed claim form uploaded to the complaint: the field names it, #12 顾客索赔单.pdf
PAY = Task("finance", "财务付款", "finance", {"voucher_number": "V-2026-0042",
                                             "claim_form": Kept(rf"^#\d+ {CLAIM_FILE}$")})


def quality_verify() -> list[Task]:
    """The receipt number repeats the one taken at intake: the page fills it in, the desk checks it."""
    [step] = verify()
    return [Task(step.who, step.name, step.role, {**step.data, "receipt_number": Kept(r"^R-20261120-0042$")})]


@dataclass(frozen=True)
class Journey:
    lang: str
    intake: dict[str, Any]
    steps: list[Task | Message | ClaimForm]
    outcome: str


# execute(0) after PAY: the remedy carried out once finance has paid
JOURNEYS: dict[str, Journey] = {
    # a defect taken to the supplier and refunded; the desk uploads the claim form the customer signed on accepting,
    # then records the acceptance
    "quality": Journey("zh", intake("quality"), [
        *acknowledge(), *situation(), *quality_verify(), *assess(), *supplier(), *remedy("refund", 58.5),
        ClaimForm("desk"), ACCEPTED, PAY, *execute(0), *feedback(True), *review()], "end_resolved"),
    "lost_property": Journey("en", intake("lost_property", description="顾客的双肩包在试衣间外找不到了",
                                          demand="找回背包", amount_claimed=None), [
        *acknowledge(), report("misplaced"), EXITS, search(True), RETURN, *feedback(True), *review()],
        "end_returned"),
    # the claim refused outright; the desk records that the customer did not go to the consumer association
    "vehicle": Journey("zh", intake("vehicle", location="B2 停车场", description="车内财物被盗", demand="赔偿损失",
                                    amount_claimed=1200, receipt_number=None), [
        *acknowledge(), *on_site("property_stolen", claim=True), *check_cover("none"), *investigate(),
        *claim_decision("refuse"), Message("consumer_association", {"complained": False}), *review()],
        "end_no_agreement"),
    "conflict": Journey("en", intake("conflict", description="两位顾客排队时发生争执", demand="赔礼道歉",
                                     amount_claimed=None, receipt_number=None), [
        *acknowledge(), separate(), summary(), *investigate(), *remedy("apology", 0), *negotiate(True),
        *execute(0), *feedback(True), *review()], "end"),
    # stopped at the gate for goods since paid for, the customer claims their dignity was hurt: legal finds no basis
    "security_gate": Journey("zh", intake("security_gate", description="出口报警被拦下检查", demand="赔礼道歉",
                                          amount_claimed=None), [
        *acknowledge(), *statement(DIGNITY_CLAIM), *footage("unpaid_goods_settled"), *dignity(LAWFUL),
        *feedback(True), *review()], "end_stop_justified"),
    # the consumer association mediates; finance uploads the signed claim form on its own task and pays
    "regulator_referral": Journey("en", intake("regulator_referral", description="顾客向消协投诉，转办商场处理",
                                               demand="赔偿", amount_claimed=300), [
        *acknowledge(), *designate("consumer_association", "duty_manager", "区消费者协会"), *liaise("mediated"),
        *remedy("compensation", 300), ACCEPTED, ClaimForm("finance"), PAY, *execute(0), *feedback(True),
        *review()], "end_resolved"),
}


def english_task_names() -> dict[str, str]:
    """A user task's Chinese name -> its English name, from the catalogues beside the diagrams."""
    names: dict[str, set[str]] = {}
    for catalogue in (ROOT / "processes" / "translations").glob("*.json"):
        for entry in json.loads(catalogue.read_text(encoding="utf-8")).values():
            if isinstance(entry, dict) and "instructions" in entry:  # the user tasks' entries
                names.setdefault(entry["zh"], set()).add(entry["en"])
    return {zh: en.pop() for zh, en in names.items() if len(en) == 1}


@dataclass
class Clerk:
    """One person at their desk: their own page in their own browser context, and the page loads they asked for."""

    page: Page
    lang: str = "zh"
    counting: bool = False
    loads: int = 0

    def count(self, request) -> None:
        if (self.counting and request.resource_type == "document" and request.frame == self.page.main_frame
                and request.redirected_from is None):
            self.loads += 1


@dataclass
class Staff:
    """The module's people, each logged in once when first needed, and the CSP violations their pages report."""

    browser: Any
    base_url: str
    clerks: dict[str, Clerk] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    def __call__(self, username: str, lang: str) -> Clerk:
        clerk = self.clerks.get(username)
        if clerk is None:
            context = self.browser.new_context(viewport={"width": 1280, "height": 900}, base_url=self.base_url)
            context.set_default_timeout(15_000)
            page = context.new_page()
            page.clock.install()  # time runs as usual; a clerk waiting on the inbox skips ahead to its refresh
            page.on("console", self._watch)
            clerk = self.clerks[username] = Clerk(page)
            page.on("request", clerk.count)
            login(page, username)
        if clerk.lang != lang:
            counting, clerk.counting = clerk.counting, False
            with clerk.page.expect_navigation():
                clerk.page.click("#switch-language")
            clerk.lang, clerk.counting = lang, counting
        return clerk

    def _watch(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(f"{message.location.get('url')}: {message.text}")

    def take_loads(self) -> int:
        """The page loads counted since the last call; counting stops until a clerk is asked for again."""
        loads = sum(clerk.loads for clerk in self.clerks.values())
        for clerk in self.clerks.values():
            clerk.loads, clerk.counting = 0, False
        return loads

    def close(self) -> None:
        for clerk in self.clerks.values():
            clerk.page.context.close()


@pytest.fixture(scope="module")
def staff(browser, live_server):
    people = Staff(browser, live_server)
    yield people
    people.close()


FIGURES: dict[str, tuple[str, int, int]] = {}


@pytest.fixture(scope="module", autouse=True)
def print_figures():
    """The README's table of page loads, printed after the module (`-s`)."""
    yield
    if FIGURES:
        print("\n| type | language | tasks | page loads | per task |\n| --- | --- | --- | --- | --- |")
        for kind, (lang, tasks, loads) in FIGURES.items():
            print(f"| {kind} | {lang} | {tasks} | {loads} | {loads / tasks:.1f} |")


class Driver:
    """Takes a journey's steps on the pages; `tasks` counts the tasks completed and the answers recorded, and
    `trail` the page loads of each."""

    def __init__(self, staff: Staff, journey: Journey):
        self.staff = staff
        self.journey = journey
        self.english = english_task_names() if journey.lang == "en" else {}
        self.number = ""
        self.complaint_id = 0
        self.tasks = 0
        self.trail: list[tuple[str, int]] = []

    def drive(self) -> None:
        self.register()
        for step in self.journey.steps:
            before = sum(clerk.loads for clerk in self.staff.clerks.values())
            if isinstance(step, Task):
                self.task(step)
            elif isinstance(step, Message):
                self.answer(step)
            else:
                self.upload_claim_form(step)
            label = step.name if isinstance(step, Task | Message) else "claim form"
            self.trail.append((label, sum(clerk.loads for clerk in self.staff.clerks.values()) - before))

    def clerk(self, username: str) -> Clerk:
        clerk = self.staff(username, self.journey.lang)
        clerk.counting = True
        return clerk

    def shown(self, name: str) -> str:
        return self.english[name] if self.english else name

    # --- register ---------------------------------------------------------------------------------------------
    def register(self) -> None:
        page = self.clerk("desk").page
        body = self.journey.intake
        follow(page, page.locator("#nav-register"))
        page.select_option("#i-type", body["type"])
        page.select_option("#i-channel", body["channel"])
        page.fill("#i-surname", body["customer"]["surname"])
        page.fill("#i-phone", body["customer"]["phone"])
        page.check("#i-consent_to_contact")
        page.fill("#i-occurred_at", OCCURRED.strftime("%Y-%m-%dT%H:%M"))
        page.fill("#i-location", body["location"])
        page.fill("#i-description", body["description"])
        page.fill("#i-demand", body["demand"])
        if body.get("amount_claimed") is not None:
            page.fill("#i-amount_claimed", f"{body['amount_claimed']:.2f}")
        if body.get("receipt_number"):
            page.fill("#i-receipt_number", body["receipt_number"])
        follow(page, page.locator("#register-submit"))
        number = page.locator("#complaint-number")
        expect(number).to_have_text(re.compile(r"TS-\d{8}-\d{4}"))
        self.number = number.inner_text()
        self.complaint_id = int(re.search(r"/complaints/(\d+)/registered", page.url).group(1))

    # --- finding the work -------------------------------------------------------------------------------------
    def on_task(self, page: Page, title: str | None = None) -> bool:
        """Whether the page is an open task of this complaint (called `title`, when given)."""
        if not re.search(r"/tasks/[^/?#]+", page.url) or page.locator("#task-form").count() != 1:
            return False
        return (page.locator(".meta a", has_text=self.number).count() == 1
                and (title is None or page.locator("#task-title").inner_text() == title))

    def open_task(self, clerk: Clerk, title: str) -> None:
        """Open the task from where the clerk is: already on it (complete-and-next), the registration's next
        steps, or the inbox."""
        page = clerk.page
        if self.on_task(page, title):
            return
        if re.search(rf"/complaints/{self.complaint_id}/registered$", page.url):
            link = page.locator("main a[href^='/tasks/']").get_by_text(title, exact=True)
            if link.count() == 1:
                follow(page, link)
                return
        row = self.inbox_row(clerk, page.locator(".task-link", has_text=re.compile(f"^{re.escape(title)}$")))
        follow(page, row.locator(".task-link"))

    def inbox_row(self, clerk: Clerk, having):
        """This complaint's row of the clerk's inbox that has `having`: on the inbox already, the clerk waits for
        its refresh; elsewhere they open it from the header."""
        page = clerk.page
        on_inbox = re.search(r"/inbox(\?|$)", page.url) is not None
        rows = page.locator("#inbox-rows tr", has=page.locator(f'a:text-is("{self.number}")')).filter(has=having)
        if not on_inbox:
            follow(page, page.locator("#nav-inbox"))
        elif rows.count() == 0:
            page.clock.fast_forward(INBOX_REFRESH_MS)
        expect(rows).to_have_count(1, timeout=20_000)  # the refresh's round trip, on a busy machine
        return rows

    # --- the steps --------------------------------------------------------------------------------------------
    def task(self, step: Task) -> None:
        clerk = self.clerk(step.who)
        page = clerk.page
        self.open_task(clerk, self.shown(step.name))
        fill(page.locator("#task-form"), step.data)
        follow(page, page.locator("#complete"))
        assert page.locator("#form-error").count() == 0, (
            step.name, page.locator("#task-form .has-error").all_inner_texts())
        self.tasks += 1

    def to_complaint(self, clerk: Clerk) -> None:
        """Go to the complaint page from the desk's task that waits for the customer's answer (the inbox row's
        complaint link, or the task page's), unless already there."""
        page = clerk.page
        if re.search(rf"/complaints/{self.complaint_id}(\?|$)", page.url):
            return
        if self.on_task(page):
            follow(page, page.locator(".meta a", has_text=self.number))
        else:
            waiting = self.inbox_row(clerk, page.locator(".chip-wait"))
            follow(page, waiting.locator(f'a:text-is("{self.number}")'))

    def answer(self, step: Message) -> None:
        """The desk records the customer's answer from the banner of the complaint page and goes on to its
        inbox's next task, or the inbox."""
        clerk = self.clerk("desk")
        page = clerk.page
        self.to_complaint(clerk)
        banner = page.locator(f"#wait-{step.name}")
        fill(banner.locator("form"), step.payload)
        follow(page, banner.locator("button[type=submit]"))
        expect(page.locator(".flash.ok")).to_be_visible()
        assert re.fullmatch(r"/tasks/[^/]+|/inbox", urlsplit(page.url).path), page.url
        self.tasks += 1

    def upload_claim_form(self, step: ClaimForm) -> None:
        """Upload the signed claim form in the background: the desk on the complaint page where it records the
        customer's acceptance next, finance on its own task (opened first)."""
        clerk = self.clerk(step.who)
        page = clerk.page
        if step.who == "finance":
            self.open_task(clerk, self.shown(PAY.name))
        else:
            self.to_complaint(clerk)
        before = clerk.loads
        page.select_option("#attachment-kind", "claim_form")
        page.set_input_files("#attachment-file", {"name": CLAIM_FILE, "mimeType": "application/pdf", "buffer": PDF})
        page.click("#attachment-submit")
        expect(page.locator("#attachment-list")).to_contain_text(CLAIM_FILE)
        assert clerk.loads == before, "the upload reloaded the page"


def follow(page: Page, target) -> None:
    """Click a link or a submit button and wait for the page it leads to."""
    with page.expect_navigation(wait_until="domcontentloaded"):
        target.click()


def fill(form, data: dict[str, Any]) -> None:
    """Fill in a form rendered from its JSON Schema as a person does: pick the radio button or the boxes, type the
    rest; a field the page filled in from an earlier answer is checked and kept."""
    kinds = form.evaluate("f => Object.fromEntries([...f.elements].filter(e => e.name).map(e => [e.name, e.type]))")
    for name, value in data.items():
        assert name in kinds, f"the form has no field {name}"
        control = form.locator(f'[name="{name}"]')
        if isinstance(value, Kept):
            expect(control).to_have_value(re.compile(value.pattern))
        elif kinds[name] == "radio":
            form.locator(f'input[name="{name}"][value="{as_text(value)}"]').check()
        elif kinds[name] == "checkbox":
            for box in control.all():
                box.set_checked(box.get_attribute("value") in value)
        elif isinstance(value, list):
            control.fill("\n".join(value))
        else:
            control.fill(as_text(value))


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


@pytest.mark.parametrize("kind", list(JOURNEYS))
def test_a_complaint_of_each_type_is_driven_to_close_through_the_pages(app, staff, quiet_inboxes, kind):
    journey = JOURNEYS[kind]
    driver = Driver(staff, journey)
    staff.take_loads()
    driver.drive()
    loads = staff.take_loads()

    with app.app_context():
        complaint = db.session.get(Complaint, driver.complaint_id)
        assert complaint.number == driver.number
        assert (complaint.status, complaint.outcome) == ("closed", journey.outcome)
        detail = complaints.get(driver.complaint_id, users.find_user("legal"))
        db.session.remove()
    for request in detail["records"].get("payment_requests") or []:
        assert request["status"] == "paid" and re.fullmatch(rf"#\d+ {CLAIM_FILE}", request["claim_form"]), request
    assert [t["name"] for t in detail["open_tasks"]] == []
    FIGURES[kind] = (journey.lang, driver.tasks, loads)
    print(f"\n{kind} ({journey.lang}): {driver.tasks} tasks, {loads} page loads ({loads / driver.tasks:.1f} a task):",
          ", ".join(f"{name} {n}" for name, n in driver.trail))
    assert loads <= LOADS_PER_TASK_AT_MOST * driver.tasks, driver.trail
    assert staff.violations == [], "the pages broke their Content-Security-Policy"
