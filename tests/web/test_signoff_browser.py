"""Legal's sign-off in Chromium, in Chinese (the default) and in English (the language switch): a process owner
deploys a version that adds a payment; legal opens the queue from the menu, reads the register's changes, follows
the link to the visual compare (both diagrams drawn), and rejects with a reason; the owner reads the reason on the
versions page and is refused the activation; legal approves; the owner activates; the sign-off trail verifies and
lists each step."""

from __future__ import annotations

import pytest

from tests import bpmn_samples as s
from tests.web.conftest import login

XML = "application/xml"
ACK = s.user_task("lifecycle.acknowledge", "了解诉求")
PAY = s.user_task("lifecycle.payment", "付款")
WORDS = {
    "zh": {"queue": "待法务审核的版本", "added": "新增", "pending": "待法务审核", "compare": "比较 v{a} 与 v{b}",
           "rejected": "法务已驳回", "reason": "理由：", "refused": "法务已驳回：{reason}", "approved": "法务已批准",
           "recorded": "您对第 {n} 版的决定已记录。", "trail": "法务审核记录"},
    "en": {"queue": "Versions to sign off", "added": "Adds", "pending": "awaiting legal review",
           "compare": "Compare v{a} and v{b}", "rejected": "rejected by legal", "reason": "Reason:",
           "refused": "legal rejected it: {reason}", "approved": "approved by legal",
           "recorded": "Your decision on version {n} is recorded.", "trail": "Sign-off trail"},
}
REASONS = {"zh": "付款前没有经过值班经理的权限审批。", "en": "The payment skips the duty manager's authority check."}


def _drawn(pid: str, *steps: str) -> str:
    """A linear test process (tests/bpmn_samples.py) with a drawing in a row, so that the compare page can show
    it (a diagram without BPMN DI has nothing to draw)."""
    xml = s.process(pid, "service_desk", list(steps))
    ids = ["start"] + [f"step{i}" for i in range(len(steps))] + ["end"]
    def bounds(n: int) -> str:
        event = n in (0, len(ids) - 1)
        return (f'x="{100 + 160 * n}" y="{122 if event else 100}" width="{36 if event else 100}" '
                f'height="{36 if event else 80}"')

    shapes = "".join(f'<bpmndi:BPMNShape id="{nid}_di" bpmnElement="{nid}"><dc:Bounds {bounds(n)}/>'
                     "</bpmndi:BPMNShape>" for n, nid in enumerate(ids))
    edges = "".join(
        f'<bpmndi:BPMNEdge id="flow{n}_di" bpmnElement="flow{n}"><di:waypoint x="{200 + 160 * n}" y="140"/>'
        f'<di:waypoint x="{260 + 160 * n}" y="140"/></bpmndi:BPMNEdge>' for n in range(len(ids) - 1))
    drawing = ('<bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="' + pid + '">'
               + shapes + edges + "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>")
    xml = xml.replace('id="defs_', 'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
                      'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
                      'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="defs_', 1)
    return xml.replace("</bpmn:definitions>", drawing + "</bpmn:definitions>")


def _in(page, lang: str) -> None:
    """Switch the signed-in user's pages to English when asked (Chinese is the default)."""
    if lang == "en":
        page.click("#switch-language")
        page.wait_for_load_state()
    assert page.get_attribute("html", "lang").startswith("en" if lang == "en" else "zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_legal_rejects_then_approves_a_version_adding_a_payment_and_the_owner_activates_it(
        new_page, as_user, swap_process, lang):
    words = WORDS[lang]
    key = f"signoff_browser_{lang}"
    swap_process(key, _drawn(key, ACK))
    deployed = as_user("owner").post("/process-definitions", data=_drawn(key, ACK, PAY).encode(),
                                     content_type=XML, query={"activate": "true"})
    assert deployed.status == 201 and deployed["active"] is False and deployed["review"]["state"] == "pending"
    version = deployed["version"]
    row = f"tr[data-version='{version}']"

    legal = new_page()
    login(legal, "legal")
    _in(legal, lang)
    legal.click("#nav-reviews")
    assert words["queue"] in legal.inner_text("#reviews-title")
    legal.click(f"tr[data-review-key='{key}'][data-review-version='{version}'] .review-link")
    assert legal.get_attribute("#review-state", "data-review") == "pending"
    assert words["pending"] in legal.inner_text("#review-state")
    added = legal.inner_text("#register-changes [data-kind='added']")
    assert added.startswith(words["added"]) and "_" not in added

    legal.click("#review-compare")
    legal.wait_for_selector("#diagram-old[data-ready='true']")
    legal.wait_for_selector("#diagram-new[data-ready='true']")
    assert words["compare"].format(a=version - 1, b=version) in legal.inner_text("#compare-title")
    assert legal.locator("#diagram-new .djs-element").count() > legal.locator("#diagram-old .djs-element").count()
    legal.go_back()
    legal.wait_for_selector("#decide-form")
    legal.fill("#decide-comment", REASONS[lang])
    legal.click("#reject")
    legal.wait_for_load_state()
    assert legal.get_attribute("#review-state", "data-review") == "rejected"
    assert words["rejected"] in legal.inner_text("#review-state")
    assert words["recorded"].format(n=version) in legal.inner_text("main")
    assert REASONS[lang] in legal.inner_text("#review-decision")

    owner = new_page()
    login(owner, "owner")
    _in(owner, lang)
    owner.goto(f"/processes/{key}")
    assert owner.get_attribute(f"{row} [data-review]", "data-review") == "rejected"
    assert words["rejected"] in owner.inner_text(f"{row} [data-review]")
    assert owner.inner_text(f"{row} .review-reason") == f"{words['reason']} {REASONS[lang]}".replace("： ", "：")
    owner.click(f"{row} .activate-submit")
    owner.wait_for_load_state()
    assert words["refused"].format(reason=REASONS[lang]) in owner.inner_text(".flash.warn")
    assert owner.locator(f"{row} #active-version").count() == 0

    legal.fill("#decide-comment", "")
    legal.click("#approve")
    legal.wait_for_load_state()
    assert legal.get_attribute("#review-state", "data-review") == "approved"
    assert words["approved"] in legal.inner_text("#review-state")

    owner.goto(f"/processes/{key}")
    assert words["approved"] in owner.inner_text(f"{row} [data-review]")
    owner.click(f"{row} .activate-submit")
    owner.wait_for_load_state()
    assert owner.locator(f"{row} #active-version").count() == 1
    assert owner.locator(".flash.warn").count() == 0

    legal.goto("/legal/reviews")
    assert legal.locator(f"tr[data-review-key='{key}']").count() == 0
    legal.click("#trail-link")
    assert words["trail"] in legal.inner_text("#trail-title")
    assert legal.locator("#trail-intact").is_visible() and legal.locator("#trail-broken").count() == 0
    mine = legal.locator("#trail tbody tr", has=legal.locator(f"code:text-is('{key}')"))
    actions = [mine.nth(n).get_attribute("data-action") for n in range(mine.count())]
    assert actions[:3] == ["activated_approved", "approved", "rejected"]
    assert words["rejected"] in mine.nth(2).inner_text() and REASONS[lang] in mine.nth(2).inner_text()
