"""Every page, as every role, in both languages: what a page shows is words, and axe-core finds nothing serious.

A few complaints are seeded through the API (several types; one waiting for the customer's answer, one closed,
one cancelled, one withdrawn, one escalated, one with a payment request, a decision and a regulator liaison).
Each role logs in and the crawler visits what that role reaches: the header's links, and from its pages the
links to the seeded complaints and tasks (one task of each open form), the processes and the paged lists; plus
what no link leads to (searches with filters, a wrong date, a form sent with errors, a task of another lane,
pages that do not exist, the customer's lookup and status page). On every page, in what it shows (text, and
the labels a screen reader or a narrow screen shows: aria-label, title, placeholder, alt, data-label):

- no raw key: no snake_case identifier (`payment_requests`, `duty_manager`, `end_resolved`), no form key;
- no ISO timestamp, no Python `True` / `False` / `None`;
- in Chinese, no English sentence of the pages' catalogue and no run of English words, and no enum value;
- in English, no lower-case enum value standing alone as a value (`refund` where "Refund" is meant).

Text marked `translate="no"` (a process key, a file name) is an identifier shown on purpose and is skipped.
These checks read the HTML through Flask's test client; Chromium then opens each kind of page once per
language, checks the same on the text it renders (the diagram's labels are drawn by script) and runs axe-core
(vendored under app/web/static/vendor/axe-core, injected by the test: no page links it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import pytest
from babel.messages.pofile import read_po
from sqlalchemy import delete

from app import forms
from app.complaints.customer_models import PublicLookup
from app.extensions import db
from tests.conftest import PASSWORD, ROOT, STAFF, Api, intake, logged_in_client
from tests.paths import ACKNOWLEDGED, Task, acknowledge, fire_timers_later, remedy, take

pytestmark = pytest.mark.usefixtures("cancel_registered")

LANGS = ("zh", "en")
# One user for each role (tests/conftest.py STAFF); `buyer`, `desk2` and `manager2` repeat roles.
USERS = ("desk", "qc", "manager", "finance", "legal", "owner", "admin", "senior", "purchaser", "risk", "guard")
AXE = ROOT / "app" / "web" / "static" / "vendor" / "axe-core" / "axe.min.js"
PUBLIC_PHONE = "13912340007"

# --- seeding -------------------------------------------------------------------------------------------------


def _verify(sold_here: bool = True) -> Task:
    return Task("desk", "核实购买凭证", "service_desk", {
        "sold_here": sold_here, "receipt_number": "R-20261120-0042", "receipt_date": "2026-11-20",
        "account_credible": True})


SITUATION = Task("manager", "了解现场情况并指定跟踪专人", "duty_manager", {
    "dispute_may_turn_violent": False, "customer_unwell": False, "situation_note": "", "case_tracker": "赵主管"})
ASSESS = Task("qc", "品控部质量鉴定", "quality_control", {
    "product": "鲜牛奶 1L", "issue": "product_defect", "facts_confirmed": True, "department_agrees": True,
    "finding": "该批次已过保质期", "defect_cause": "供应商标签错误", "injury_claim": False})
SUPPLIER = Task("purchaser", "采购部与供应商对接", "purchasing", {
    "supplier": "光明乳业", "supplier_cause": "批次标签印错保质期", "supplier_action": "return_and_claim"})
FEEDBACK = Task("desk", "回访顾客", "service_desk", {"reached_customer": True, "satisfied": True,
                                                     "satisfaction": "satisfied"})
REVIEW = [Task("desk", "受理部门复盘", "service_desk", {"handled_properly": True, "lessons": "加强培训"}),
          Task("manager", "被投诉部门复盘", "duty_manager", {"handled_properly": True, "lessons": "加强培训"})]
DESIGNATE = Task("senior", "指定对接部门", "senior_management", {
    "referring_body": "consumer_association", "body_name": "区消费者协会", "referral_reference": "转办 2026-117",
    "designated_department": "duty_manager", "instructions": "按期答复"})
LIAISE = Task("manager", "对接部门处理并报告结论", "duty_manager", {
    "evidence_submitted": True, "regulator_outcome": "mediated", "regulator_conclusion": "转办机构的结论",
    "conclusion_date": "2026-11-26"})


@dataclass
class Site:
    """The seeded complaints and what the crawler may follow."""

    complaints: dict[str, int] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)  # one open task per form key
    completed_task: str = ""
    race: dict[str, str] = field(default_factory=dict)  # language → an open task the browser finds completed

    @property
    def complaint_ids(self) -> set[int]:
        return set(self.complaints.values())


@pytest.fixture(scope="module")
def site(app, tokens) -> Site:
    def as_user(name: str) -> Api:
        return Api(app.test_client(), tokens[name])

    seeded = Site()

    def register(label: str, complaint_type: str, steps: list, **changes: Any) -> dict[str, Any]:
        created = as_user("desk").post("/complaints", intake(complaint_type, **changes))
        assert created.status == 201, created.body
        seeded.complaints[label] = created["id"]
        seeded.numbers[label] = created["number"]
        take(as_user, created["id"], created["open_tasks"], steps)
        return created.body

    # First, so that firing the timers touches no other seeded complaint: late enough to reach the duty
    # manager and senior management.
    register("escalated", "quality", [])
    fire_timers_later(app, timedelta(minutes=11))

    register("fresh", "quality", [])
    for complaint_type in ("vehicle", "lost_property", "conflict", "security_gate"):
        register(complaint_type, complaint_type, acknowledge())
    register("situation", "quality", acknowledge())
    register("verify", "quality", [*acknowledge(), SITUATION])
    register("assess", "quality", [*acknowledge(), SITUATION, _verify()])
    # Waiting for the customer's answer to an offer, with a payment request and a decision on file.
    register("waiting", "quality", [*acknowledge(), SITUATION, _verify(), ASSESS, SUPPLIER, *remedy("refund", 100)])
    register("liaison", "regulator_referral", [*acknowledge(), DESIGNATE, LIAISE])
    register("designate", "regulator_referral", acknowledge())
    register("closed", "quality", [*acknowledge(), SITUATION, _verify(sold_here=False), FEEDBACK, *REVIEW])
    register("cancelled", "vehicle", [])
    assert as_user("manager").post(f"/complaints/{seeded.complaints['cancelled']}/cancel",
                                   {"reason": "重复登记"}).status == 200
    register("withdrawn", "lost_property", [])
    assert as_user("desk").post(f"/complaints/{seeded.complaints['withdrawn']}/withdraw",
                                {"reason": "顾客已找到物品"}).status == 200
    register("public", "conflict", [], customer={"surname": "赵", "phone": PUBLIC_PHONE, "consent_to_contact": True})

    for lang in LANGS:  # a task completed behind the browser's back, for the conflict page
        created = as_user("desk").post("/complaints", intake("quality")).body
        seeded.race[lang] = created["open_tasks"][0]["id"]

    done = as_user("legal").get(f"/complaints/{seeded.complaints['situation']}")
    seeded.completed_task = next(h["id"] for h in done["history"] if h["state"] == "completed")
    for complaint_id in seeded.complaint_ids:
        for task in as_user("legal").get(f"/complaints/{complaint_id}")["open_tasks"]:
            detail = as_user("legal").get(f"/tasks/{task['id']}").body
            seeded.tasks.setdefault(detail["form_key"] or task["name"], detail)
    return seeded


# --- what a page shows -----------------------------------------------------------------------------------------

SHOWN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "data-label")
SKIPPED = {"script", "style", "template", "noscript"}


def shown_texts(html: str) -> list[tuple[str, bool]]:
    """The texts a page shows, one per text node or shown attribute, each saying whether it is in a drawing (SVG);
    `translate="no"` parts left out."""
    root = lxml.html.document_fromstring(html)
    texts: list[tuple[str, bool]] = []

    def walk(element: Any, drawn: bool) -> None:
        if (not isinstance(element.tag, str) or element.tag in SKIPPED or element.get("translate") == "no"
                or "bjs-powered-by" in (element.get("class") or "")):  # bpmn-js's attribution, which its licence keeps
            return
        drawn = drawn or element.tag.endswith("svg")
        for name in SHOWN_ATTRIBUTES:
            if element.get(name):
                texts.append((element.get(name), drawn))
        if element.tag == "input" and element.get("type") in ("submit", "button") and element.get("value"):
            texts.append((element.get("value"), drawn))
        if element.text and element.text.strip():
            texts.append((element.text.strip(), drawn))
        for child in element:
            walk(child, drawn)
            if child.tail and child.tail.strip():
                texts.append((child.tail.strip(), drawn))

    head = root.find("head")
    if head is not None and head.find("title") is not None:
        texts.append((head.find("title").text_content().strip(), False))
    body = root.find("body")
    walk(body if body is not None else root, False)
    return texts


SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
ISO_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
LITERAL = re.compile(r"\b(True|False|None)\b")
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z']*(?:[ ,]+[A-Za-z][a-z']*){2,}\b")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
SEPARATORS = re.compile(r"\s*[·,，:：;；()（）|/—]\s*|\s{2,}")


@cache
def _catalogue() -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """(every catalogue text, either language; the English texts with a Chinese of their own; the fragments of
    English a Chinese page must not show)."""
    with open(ROOT / "app" / "translations" / "zh" / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalogue = read_po(po)
    texts: set[str] = set()
    translated: set[str] = set()
    fragments: set[str] = set()
    for message in catalogue:
        if not message.id or not message.string:
            continue
        english = message.id if isinstance(message.id, str) else message.id[0]
        chinese = message.string if isinstance(message.string, str) else message.string[0]
        texts.update((english, chinese))
        if english != chinese:
            translated.add(english)
            fragments.update(part.strip(" .,:;") for part in PLACEHOLDER.split(english)
                             if len(part.split()) >= 2 and len(part.strip()) >= 8)
    return frozenset(texts), frozenset(translated), tuple(sorted(fragments, key=len, reverse=True))


@cache
def _form_keys() -> re.Pattern[str]:
    keys = sorted(forms.form_keys(), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(k) for k in keys) + r")\b")


@cache
def _enum_values() -> frozenset[str]:
    """The values the forms choose from (`refund`, `mediated`, `cctv`), and the states the service records."""
    values: set[str] = {"open", "closed", "cancelled", "withdrawn", "ready", "completed", "requested", "approved",
                        "paid", "refused", "pending", "sending", "sent", "failed"}

    def collect(schema: Any) -> None:
        if isinstance(schema, dict):
            values.update(v for v in schema.get("enum") or [] if isinstance(v, str))
            for value in schema.values():
                collect(value)
        elif isinstance(schema, list):
            for value in schema:
                collect(value)

    for key in forms.form_keys():
        collect(forms.json_schema(key))
    return frozenset(v for v in values if re.fullmatch(r"[a-z]+", v) and len(v) > 2)


def problems(html: str, lang: str) -> list[str]:
    """What a page shows that is not words in its language."""
    known, translated, english_fragments = _catalogue()
    enums = _enum_values() - set(STAFF)  # the test's user names (`legal`) are names, not values
    found: list[str] = []
    for text, drawn in shown_texts(html):
        found += [f"raw key {m!r} in {text!r}" for m in SNAKE.findall(text)]
        found += [f"form key {m!r} in {text!r}" for m in _form_keys().findall(text)]
        found += [f"ISO time in {text!r}" for m in ISO_TIME.findall(text)]
        if text not in known:
            found += [f"{m} in {text!r}" for m in LITERAL.findall(text)]
        if lang == "zh":
            english = ENGLISH_RUN.findall(text)
            found += [f"English {m!r}" for m in english]
            if not english:  # a word or two the catalogue has in Chinese, alone or between separators
                found += [f"catalogue English {piece!r} in {text!r}" for piece in SEPARATORS.split(text)
                          if piece in translated]
            if not english:  # a value among Chinese words
                found += [f"enum value {w!r} in {text!r}" for w in re.findall(r"[a-z]+", SNAKE.sub("", text))
                          if w in enums]
        elif text in enums and not drawn:  # a diagram labels its branches in lower case: "refused", "compensation"
            found.append(f"enum value {text!r}")
    if lang == "zh":
        shown = "\n".join(text for text, _drawn in shown_texts(html))
        found += [f"catalogue English {f!r}" for f in english_fragments if f in shown]
    return found


def test_the_checks_catch_what_they_are_for():
    page = ('<html><head><title>x</title></head><body><p>payment_requests</p><p>lifecycle.acknowledge</p>'
            '<p>2026-11-29T10:30:00+00:00</p><td>False</td><span title="end_resolved">已解决</span>'
            '<code translate="no">lifecycle_pay</code><p>refund</p></body></html>')
    english = problems(page, "en")
    assert [p.split()[0] for p in english] == ["raw", "form", "ISO", "False", "raw", "enum"], english
    chinese = problems('<html><body><p>There is no such page, complaint or task.</p><p>退款 refund</p>'
                       '<p>顾客 TS-20261120-0001 · desk</p><th>Task</th><li>已登记 · system</li></body></html>', "zh")
    assert "catalogue English 'Task' in 'Task'" in chinese, chinese
    assert "catalogue English 'system' in '已登记 · system'" in chinese, chinese
    assert any(p.startswith("catalogue English") for p in chinese), chinese
    assert any(p.startswith("English") for p in chinese) and any(p.startswith("enum") for p in chinese), chinese
    assert not [p for p in chinese if "desk" in p or "TS-" in p], chinese  # a user name, a complaint number


# --- the crawl -------------------------------------------------------------------------------------------------
# Pages cost tens of milliseconds each, so what is the same for every role is read once per language: every
# seeded complaint and task as legal (who reads every lane and the audit trail), every process as the process
# owner, the forms sent with errors and the searches as the service desk. Each role then reads what its own
# start page leads to (its header and inbox), one complaint, its own lanes' tasks and pages it may not open.

# Files, JSON and form targets: not pages.
NOT_PAGES = re.compile(r"/(web-static|static|attachments|lang)/.*|/inbox\.json|/healthz|/logout"
                       r"|/processes/[^/]+/versions/.*")
ALLOWED_STATUS = {200, 403, 404, 409, 422}
# The processes this project ships (other test modules deploy diagrams of their own, named by key alone).
SHIPPED = {path.stem for path in (ROOT / "processes").glob("*.bpmn")}


def links(html: str) -> list[str]:
    root = lxml.html.document_fromstring(html)
    return [a.get("href") for a in root.iter("a") if a.get("href")]


def _page(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and parts.path.startswith("/") and not NOT_PAGES.fullmatch(parts.path)


def pattern(url: str) -> str:
    """A page's kind: its path with ids and keys left out, and the names of its query's fields."""
    parts = urlsplit(url)
    path = re.sub(r"/(\d+|[0-9a-f-]{36})(?=/|$)", "/N", parts.path)
    path = re.sub(r"^/processes/[^/]+$", "/processes/K", path)
    if path in ("/tasks/N", "/complaints/N"):  # the inbox's links carry its filters along
        return path
    return path + "?" + ",".join(sorted({field.split("=")[0] for field in parts.query.split("&") if field}))


def visit(client: Any, urls: Iterable[str], depth: int = 0, seen: set[str] | None = None,
          skipped: Iterable[str] = ()) -> dict[str, tuple[int, str]]:
    """GET each URL (redirects followed), and `depth` links deep one page of each kind (`pattern`) they lead to,
    leaving out the kinds `skipped` and the URLs in `seen` (read already in this language, by another role)."""
    pages: dict[str, tuple[int, str]] = {}
    kinds: set[str] = set(skipped)
    queue = [(url, 0, True) for url in urls]
    while queue:
        url, level, asked = queue.pop(0)
        if url in pages or (not asked and (pattern(url) in kinds or (seen is not None and url in seen))):
            continue
        response = client.get(url)
        if response.status_code in (301, 302, 303):
            queue.insert(0, (response.headers["Location"], level, asked))
            continue
        html = response.get_data(as_text=True)
        pages[url] = (response.status_code, html)
        kinds.add(pattern(url))
        if seen is not None:
            seen.add(url)
        if level < depth:
            queue += [(link, level + 1, False) for link in links(html) if _page(link)]
    return pages


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post(client: Any, url: str, data: dict[str, Any]) -> tuple[int, str]:
    token = _token(client.get("/account/password").get_data(as_text=True))
    response = client.post(url, data={**data, "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def own_tasks(seeded: Site, user: str) -> list[str]:
    roles = set(STAFF[user])
    return [f"/tasks/{t['id']}" for t in seeded.tasks.values() if t["role"] in roles]


def role_pages(client: Any, seeded: Site, user: str, seen: set[str]) -> dict[str, tuple[int, str]]:
    """The user's start page and, two links deep, one page of each kind it leads to (the header's links, the
    inbox's, theirs; leaving out what another role read already in this language, the inbox of one role, read by
    the service desk, and the processes, read by the process owner: the header, which differs, is read on every
    page), one complaint, the user's own tasks, and a page the role may not see (another lane's task; the
    deliveries, which are the administrator's)."""
    roles = set(STAFF[user])
    foreign = next(t for t in seeded.tasks.values() if t["role"] not in roles)
    home = client.get("/")
    start = home.headers["Location"] if home.status_code == 302 else "/"  # the inbox, for the roles that have one
    pages = visit(client, [start], depth=2, seen=seen,
                  skipped=("/tasks/N", "/complaints/N", "/inbox?role", "/processes/K?"))
    pages.update(visit(client, [f"/complaints/{seeded.complaints['waiting']}", *own_tasks(seeded, user),
                                f"/tasks/{foreign['id']}", "/notifications/deliveries"]))
    return pages


def shared_pages(app: Any, seeded: Site, lang: str) -> dict[str, tuple[int, str]]:
    """The pages whose words do not depend on who reads them, once in `lang`."""
    legal, owner, desk = (_client(app, name, lang) for name in ("legal", "owner", "desk"))
    pages = visit(legal, [*(f"/complaints/{c}" for c in sorted(seeded.complaint_ids)),
                          *(f"/tasks/{t['id']}" for t in seeded.tasks.values()), f"/tasks/{seeded.completed_task}"])
    listed = visit(owner, ["/processes"])
    pages.update(listed)
    pages.update(visit(owner, [link for link in links(listed["/processes"][1])
                               if link.startswith("/processes/") and link.split("/")[2] in SHIPPED]))
    pages.update(visit(desk, [
        "/complaints?type=quality&status=open&overdue=1", "/complaints?status=closed", "/complaints?case_overdue=1",
        "/complaints?status=cancelled&created_from=2020-01-01&created_to=2099-12-31",
        "/complaints?created_from=not-a-date", f"/complaints/{seeded.complaints['waiting']}/registered",
        "/inbox?mine=1", "/inbox?unassigned=1&type=quality", "/inbox?role=service_desk", "/notifications?unread=1",
        "/complaints/999999999", "/tasks/no-such-task", "/no-such-page"]))
    pages["POST /complaints/new"] = post(desk, "/complaints/new", {"type": "quality"})
    pages["POST /account/password"] = post(desk, "/account/password", {
        "current_password": "x", "new_password": "a", "confirm_password": "b"})
    pages["POST completed task"] = post(desk, f"/tasks/{seeded.completed_task}", ACKNOWLEDGED)
    return pages


def _client(app: Any, user: str, lang: str) -> Any:
    client = logged_in_client(app, user)
    client.set_cookie("lang", lang)
    return client


def report(pages: dict[str, tuple[int, str]], lang: str) -> list[str]:
    found = []
    for url, (status, html) in pages.items():
        if status not in ALLOWED_STATUS:
            found.append(f"{url}: status {status}")
        if "axe-core" in html or "axe.min.js" in html:
            found.append(f"{url}: links axe-core")
        found += [f"{url}: {p}" for p in problems(html, lang)]
    return sorted(set(found))


@pytest.mark.parametrize("lang", LANGS)
def test_the_pages_every_role_shares_show_words(app, site, lang):
    pages = shared_pages(app, site, lang)
    assert {status for status, _html in pages.values()} == {200, 404, 409, 422}
    assert not (found := report(pages, lang)), "\n".join(found)


@pytest.fixture(scope="module")
def general_pages_seen() -> dict[str, set[str]]:
    return {lang: set() for lang in LANGS}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("user", USERS)
def test_the_pages_each_role_reaches_show_words(app, site, general_pages_seen, user, lang):
    pages = role_pages(_client(app, user, lang), site, user, general_pages_seen[lang])
    assert 403 in {status for status, _html in pages.values()}, sorted(pages)  # the task of another lane
    assert not (found := report(pages, lang)), "\n".join(found)


def test_a_task_shows_its_instructions_in_the_pages_language(app, site):
    task = next(t for t in site.tasks.values() if t["element_id"] == "calm_customer")
    catalogue = json.loads((ROOT / "processes" / "translations" / "lifecycle_acknowledge.json").read_text())
    for lang in LANGS:
        html = _client(app, "desk", lang).get(f"/tasks/{task['id']}").get_data(as_text=True)
        shown = lxml.html.document_fromstring(html).get_element_by_id("instructions").text_content()
        assert shown == catalogue["calm_customer"]["instructions"][lang], lang


@pytest.mark.parametrize("lang", LANGS)
def test_the_customers_pages_show_words(app, site, lang):
    client = app.test_client()
    client.set_cookie("lang", lang)
    lookup = client.get("/status").get_data(as_text=True)
    pages = {"/status": (200, lookup)}
    for label, data in (("not found", {"number": "TS-20000101-0001", "phone_last4": "0000"}),
                        ("wrong input", {"number": "", "phone_last4": "12"}),
                        ("status", {"number": site.numbers["public"], "phone_last4": PUBLIC_PHONE[-4:]})):
        response = client.post("/status", data={**data, "csrf_token": _token(lookup)},
                               environ_base={"REMOTE_ADDR": f"10.7.{LANGS.index(lang)}.{len(pages)}"})
        pages[label] = (response.status_code, response.get_data(as_text=True))
    response = client.get("/status/no-such-page")
    pages["no such page"] = (response.status_code, response.get_data(as_text=True))
    assert site.numbers["public"] in pages["status"][1]
    assert not (found := report(pages, lang)), "\n".join(found)


# --- in Chromium: the rendered pages, and axe-core ---------------------------------------------------------------

# The diagram's drawing is bpmn-js's own SVG, nine nodes in ten of a page that shows one: its labels are read by
# the text checks before axe-core runs, and it is taken out of the page first, so that axe-core checks our markup
# around it without walking the drawing.
AXE_RUN = """async () => {
  for (const drawing of document.querySelectorAll(".djs-container")) drawing.remove();
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}"""


# axe-core checks the markup, which is the same in both languages but for the words: every kind of page is checked
# in Chinese (the default), and in English the kinds whose words could change what it finds (labels, names, the
# page's language). The words of every page were read in both languages through the test client above; in English
# the browser adds only those kinds and the pages whose words a script draws (the diagrams). This keeps the module
# quick: a page load costs the browser more than the checks.
AXE_IN_ENGLISH = {"/login", "/status", "/inbox", "/tasks/N", "/complaints/N", "/complaints/new"}
IN_ENGLISH = AXE_IN_ENGLISH | {"/processes/K"}


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


class Checker:
    """Checks each kind of page once, in one language (the `lang` cookie), in one browser page whose user changes
    with the session cookie (a context each would cost more than the checks). axe-core is evaluated into the page
    by the test when it runs (no page links it, and the pages keep their Content-Security-Policy)."""

    def __init__(self, browser: Any, live_server: str, lang: str, sessions: dict[str, str]):
        self.live_server, self.lang, self.sessions = live_server, lang, sessions
        self.kinds: set[str] = set()
        self.axed: set[str] = set()
        self.found: list[str] = []
        self.context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                           user_agent=BROWSER)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()

    def __enter__(self) -> Checker:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.context.close()

    def as_user(self, user: str | None) -> Any:
        """The page, as `user` (None: nobody logged in), on the user's start page."""
        self.context.clear_cookies()
        cookies = {"lang": self.lang, **({"session": self.sessions[user]} if user else {})}
        self.context.add_cookies([{"name": k, "value": v, "url": self.live_server} for k, v in cookies.items()])
        if user:
            self.page.goto("/")
        return self.page

    def check(self, page: Any, name: str) -> None:
        """The page as shown now: its words (the diagram's labels included, drawn by script) and axe-core."""
        page.wait_for_load_state()
        if page.locator("#diagram").count():
            page.wait_for_selector("#diagram[data-ready]")
        kind = _kind(page.url)
        self.kinds.add(kind)
        self.found += [f"{name}: {p}" for p in problems(page.content(), self.lang)]
        if self.lang == "zh" or kind in AXE_IN_ENGLISH:
            page.evaluate(_axe_source())
            self.found += [f"{name}: axe {v}" for v in page.evaluate(AXE_RUN)]
            self.axed.add(kind)

    def wanted(self, url: str) -> bool:
        return self.lang == "zh" or _kind(url) in IN_ENGLISH

    def visit(self, page: Any, path: str) -> None:
        if self.wanted(path):
            self.kinds.add(_kind(path))
            page.goto(path)
            self.check(page, path)

    def header_links(self, page: Any) -> None:
        """Every page the header leads to that is of a kind not checked yet (the start page and the inbox of
        one role are the inbox)."""
        for href in page.eval_on_selector_all("header a[href]", "links => links.map((a) => a.getAttribute('href'))"):
            if _page(href) and _kind(href) not in self.kinds and not (href == "/" and "/inbox" in self.kinds):
                self.visit(page, href)

    def start(self, user: str, name: str) -> Any:
        """The user's start page, checked when it is of a kind this language's browser reads."""
        page = self.as_user(user)
        if self.wanted(page.url):
            self.check(page, name)
        return page


def _kind(url: str) -> str:
    """The template a URL shows, near enough: its path with ids and keys left out, without its query."""
    return pattern(urlsplit(url).path).rstrip("?")


BROWSER = "every-page-check"  # the browser's User-Agent: a session is bound to it (session_protection "strong")


@pytest.fixture(scope="module")
def sessions(app) -> dict[str, str]:
    """Session cookies of the users the browser checks as, logged in once through the log-in form."""
    cookies = {}
    for user in ("desk", "manager", "owner", "admin"):
        client = app.test_client()
        client.environ_base["HTTP_USER_AGENT"] = BROWSER
        token = _token(client.get("/login").get_data(as_text=True))
        assert client.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token}
                           ).status_code == 302
        cookies[user] = client.get_cookie("session").value
    return cookies


@pytest.mark.parametrize("lang", LANGS)
def test_axe_finds_nothing_serious_on_any_kind_of_page(browser, live_server, app, tokens, site, sessions, lang):
    """One page of each template in each language: its words as the browser shows them, and axe-core."""
    with Checker(browser, live_server, lang, sessions) as checker:
        verify = next(t for t in site.tasks.values() if t["element_id"] == "verify_purchase")

        page = checker.as_user(None)
        checker.visit(page, "/login")
        checker.visit(page, "/status")
        with app.app_context():  # the browser's address starts with a fresh lookup limit, whatever ran before
            db.session.execute(delete(PublicLookup).where(PublicLookup.client == "127.0.0.1"))
            db.session.commit()
        page.fill("#number", site.numbers["public"])
        page.fill("#phone_last4", PUBLIC_PHONE[-4:])
        page.click("#lookup-submit")
        page.wait_for_selector("#customer-status")
        checker.check(page, "status page")
        checker.visit(page, "/status/no-such-page")

        page = checker.start("desk", "inbox")
        waiting = site.complaints["waiting"]
        for path in (f"/tasks/{verify['id']}", f"/complaints/{waiting}", f"/complaints/{waiting}/registered",
                     "/complaints?status=open", "/no-such-page"):
            checker.visit(page, path)
        page.goto("/complaints/new")
        page.click("#register-submit")  # nothing filled in: the errors by their fields
        checker.check(page, "intake with errors")
        page.goto(f"/tasks/{site.race[lang]}")
        Api(app.test_client(), tokens["desk2"]).post(f"/tasks/{site.race[lang]}/complete", ACKNOWLEDGED)
        page.check('input[name="next_steps_explained"][value="true"]')
        page.check('input[name="customer_calm"][value="true"]')
        page.click("#complete")
        checker.check(page, "task completed by someone else")
        checker.header_links(page)

        for user, paths in (("manager", ["/escalations"]), ("owner", ["/processes/quality"]), ("admin", [])):
            page = checker.start(user, f"{user}'s start page")
            for path in paths:
                checker.visit(page, path)
            checker.header_links(page)

    if lang == "zh":
        assert checker.kinds >= {"/status", "/inbox", "/tasks/N", "/complaints/N", "/processes/K", "/escalations", "/"}
        assert checker.axed == checker.kinds
    else:
        assert (checker.kinds, checker.axed) == (IN_ENGLISH, AXE_IN_ENGLISH)
    assert not checker.found, "\n".join(checker.found)
