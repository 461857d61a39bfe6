"""The escalation register in Chromium: the register beside the diagram in Chinese and in English; choosing a
path marks its steps and flows on the diagram, choosing it again clears them."""

from __future__ import annotations

from tests.web.conftest import login, shoot


def test_choosing_a_path_highlights_it_on_the_diagram_in_both_languages(new_page):
    page = new_page()
    login(page, "legal")
    page.goto("/processes/quality")
    page.click("tr:has(#active-version) .register-link")  # the shipped diagram (other modules deploy their own)
    page.wait_for_selector("#diagram[data-ready='true']")
    assert "上报登记册" in page.inner_text("#register-title")
    police = page.locator("#register-paths [data-kind='police'] .register-select").first
    police.click()
    assert police.get_attribute("aria-pressed") == "true"
    marked = page.eval_on_selector_all(".register-on-path", "els => els.map(e => e.dataset.elementId)")
    assert "call_police" in marked and "start" in marked and len(marked) >= 3
    shoot(page, "legal-register")
    police.click()
    assert page.locator(".register-on-path").count() == 0

    page.click("#switch-language")
    page.wait_for_selector("#diagram[data-ready='true']")
    assert "Escalation register" in page.inner_text("#register-title")
    assert "Dispute may turn violent?: Yes" in page.inner_text("#register-paths")
    ambulance = page.locator("#register-paths [data-kind='ambulance'] .register-select").first
    ambulance.click()
    marked = page.eval_on_selector_all(".register-on-path", "els => els.map(e => e.dataset.elementId)")
    assert "call_ambulance" in marked
