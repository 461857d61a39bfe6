"""Notifications speak the reader's language: a shipped diagram's notify step reaches an English page, an
English-speaking customer and a staff mailbox in English (the mailbox in Chinese too) and a Chinese reader in
Chinese; reminders and escalations name the task as the catalogue does in the language shown; every notify step
of every shipped diagram has its words in both languages, and a deploy refuses one without them."""

from __future__ import annotations

import ast
import itertools
import re
from datetime import timedelta

import pytest
from lxml import etree
from sqlalchemy import select

from app.definitions import catalogues
from app.engine import expressions, notice_templates
from app.extensions import db
from app.notifications import step_texts
from app.notifications.models import Notification
from app.records.operators import notify
from app.runtime.environment import StepContext
from app.timers import service as timer_service
from tests import bpmn_samples as s
from tests import notify_servers as servers
from tests.conftest import ROOT, intake, logged_in_client
from tests.paths import acknowledge, take
from tests.signoff_helpers import approve

pytestmark = pytest.mark.usefixtures("cancel_registered")

PROCESSES = ROOT / "processes"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
SENIOR_MAILBOX = "senior@mall.example"


def _notify_steps() -> list[tuple[str, str, dict[str, str]]]:
    """(process key, element id, parameters as written) of every notify step of the shipped diagrams."""
    found = []
    for path in sorted(PROCESSES.glob("*.bpmn")):
        for process in etree.parse(str(path)).getroot().iterfind("bpmn:process", NS):
            for task in process.iter(f"{{{NS['bpmn']}}}serviceTask"):
                operator = task.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
                if operator is not None and operator.get("id") == "notify":
                    found.append((process.get("id"), task.get("id"), {
                        p.get("id"): p.get("value") for p in operator.iterfind(".//spiffworkflow:parameter", NS)}))
    return found


NOTIFY_STEPS = _notify_steps()


def _cases(params: dict[str, str]) -> list[dict[str, object]]:
    """Task data for a step's expressions: each name it reads as a sample, or as each word it is compared with."""
    trees = [ast.parse(expression, mode="eval") for expression in params.values()]
    names = sorted({n.id for tree in trees for n in ast.walk(tree) if isinstance(n, ast.Name)} - {"str", "complaint"})
    words = sorted({n.value for tree in trees for n in ast.walk(tree)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.isascii()
                    and n.value.isidentifier()})
    complaint = {"number": "TS-20261201-0001", "demand": "refund", "location": "B1"}
    return [{"complaint": complaint, **dict(zip(names, values, strict=True))}
            for values in itertools.product(["sample text", *words], repeat=len(names))]


def test_every_shipped_diagram_has_notify_steps_to_check():
    assert len(NOTIFY_STEPS) >= 26


@pytest.mark.parametrize(("process_key", "element_id", "params"), NOTIFY_STEPS, ids=lambda v: v if isinstance(v, str)
                         else "")
def test_every_shipped_notify_step_has_its_words_in_both_languages(app, process_key, element_id, params):
    """Its catalogue message fills in both languages from the step's parameters; the Chinese is what the step's
    own subject and body say (what an older version falls back to), and the English has no Chinese but the data."""
    with app.app_context():
        templates = notice_templates.message(catalogues.shipped(process_key), element_id)
        assert templates is not None, (process_key, element_id)
        assert notice_templates.message_problem(templates, frozenset(params) - {"recipient", "subject", "body"}) is None
        for data in _cases(params):
            values = {name: expressions.evaluate(expression, data) for name, expression in params.items()}
            values["number"] = data["complaint"]["number"]
            filled = step_texts.fill_message(templates, values)
            assert filled is not None, (process_key, element_id, data)
            assert (filled["zh"]["subject"], filled["zh"]["body"]) == (values["subject"], values["body"]), data
            assert filled["en"]["subject"] and not CJK.search(filled["en"]["subject"] + filled["en"]["body"]), data


@pytest.fixture
def mail(app, monkeypatch):
    """SMTP and the customer's SMS endpoint configured; a mailbox for senior management."""
    with servers.smtp_server() as (mailbox, port), servers.http_endpoint("/sms") as gateway:
        for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port,
                           "NOTIFY_ROLE_EMAILS": f"senior_management={SENIOR_MAILBOX}",
                           "CUSTOMER_MESSAGE_PROVIDER": "webhook", "CUSTOMER_MESSAGE_URL": gateway.url,
                           "CUSTOMER_MESSAGE_TOKEN": "gateway-secret", "NOTIFY_TIMEOUT_SECONDS": 5}.items():
            monkeypatch.setitem(app.config, key, value)
        yield mailbox, gateway
        servers.deliver(app)  # nothing of the test is left for the next one to send


def _page(app, username: str, lang: str) -> str:
    client = logged_in_client(app, username)
    client.set_cookie("lang", lang)
    return client.get("/notifications?unread=1").get_data(as_text=True)


def _read_all(as_user, *usernames: str) -> None:
    for username in usernames:
        assert as_user(username).post("/notifications/read-all").status == 200


@pytest.mark.parametrize(("lang", "subject"), [
    ("en", "Your complaint is registered under number {number}"),
    ("zh", "您的投诉已受理，编号 {number}"),
])
def test_a_shipped_step_tells_the_customer_in_the_customers_language(app, as_user, mail, monkeypatch, lang, subject):
    _mailbox, gateway = mail
    monkeypatch.setitem(app.config, "CUSTOMER_LANGUAGE", lang)
    complaint = as_user("desk").post("/complaints", intake()).body
    servers.deliver(app)
    [sms] = [body for body in gateway.received if complaint["number"] in body["text"]]
    assert sms["subject"] == subject.format(number=complaint["number"])
    english = "We will answer you within the time we promised" in sms["text"]
    assert english is (lang == "en") and ("我们将在承诺的时限内答复您" in sms["text"]) is (lang == "zh")


def test_a_shipped_step_tells_staff_in_the_page_language_and_mails_both(app, as_user, mail):
    """regulator_referral's 立即报告公司高层 after the acknowledgement: its words as the reader reads them."""
    mailbox, _gateway = mail
    _read_all(as_user, "senior")
    created = as_user("desk").post("/complaints", intake("regulator_referral"))
    take(as_user, created["id"], created["open_tasks"], acknowledge())
    number = created["number"]
    english = f"A complaint referred by a government department, the consumer association or a court: please name " \
              f"the department that deals with it: {number}"
    chinese = f"政府部门、消协或法院转办投诉，请指定对接部门：{number}"

    page = _page(app, "senior", "en")
    assert english in page and "The customer&#39;s demand: 退款并赔偿; place: 一楼食品区" in page
    assert chinese not in page
    page = _page(app, "senior", "zh")
    assert chinese in page and "顾客诉求：退款并赔偿；地点：一楼食品区" in page and english not in page

    servers.deliver(app)
    [mail_sent] = [m for m in mailbox.messages if number in str(m["Subject"])]
    assert str(mail_sent["Subject"]) == f"{chinese} / {english}"
    assert "The customer's demand: 退款并赔偿; place: 一楼食品区" in mail_sent.get_content()


def test_a_reminder_and_an_escalation_name_the_task_in_the_page_language(app, as_user, clock):
    """The shared acknowledgement's first task, reminded at 80% of its limit and escalated once it is missed."""
    _read_all(as_user, "desk", "manager")
    number = as_user("desk").post("/complaints", intake()).body["number"]
    for minutes in (4.5, 1):  # 4.5 min: the reminder to the desk; 5.5 min: the escalation to the duty manager
        clock(timedelta(minutes=minutes))
        with app.app_context():
            timer_service.fire_due()
            db.session.remove()
    english_task, chinese_task = "Calm the customer and explain the next steps", "安抚顾客并告知处理流程"

    assert f"Due soon: {english_task} ({number})" in _page(app, "desk", "en")
    assert f"即将超时：{chinese_task}（{number}）" in _page(app, "desk", "zh")
    page = _page(app, "manager", "en")
    assert f"Escalated: {english_task} ({number})" in page and f"The task “{english_task}” is" in page
    assert chinese_task not in page
    assert f"超时上报：{chinese_task}（{number}）" in _page(app, "manager", "zh")


def test_a_step_of_a_version_deployed_before_its_message_keeps_its_own_words(app, as_user, complaint):
    """A version whose step does not give what its catalogue message needs (quality's notify_amount_short before it
    gave `amount`) says what its own expressions say: in Chinese, and in English pages around it."""
    _read_all(as_user, "manager")
    with app.app_context():
        context = StepContext(complaint["id"], complaint["number"], "system", "quality", "notify_amount_short")
        notify(context, "duty_manager", f"方案金额低于人身伤害赔偿合计：{complaint['number']}",
               "人身伤害赔偿合计 300 元。")
        db.session.commit()
        db.session.remove()
    [item] = as_user("manager").get("/notifications", unread="true", lang="en")["items"]
    assert item["subject"] == f"Complaint {complaint['number']}: 方案金额低于人身伤害赔偿合计：{complaint['number']}"
    assert item["body"] == "人身伤害赔偿合计 300 元。"


def test_a_step_given_its_amount_speaks_english(app, as_user, complaint):
    _read_all(as_user, "manager")
    with app.app_context():
        context = StepContext(complaint["id"], complaint["number"], "system", "quality", "notify_amount_short")
        notify(context, "duty_manager", "方案金额低于人身伤害赔偿合计", "", amount="300.00")
        db.session.commit()
        row = db.session.scalars(select(Notification).where(Notification.complaint_id == complaint["id"])
                                 .order_by(Notification.id.desc())).first()
        assert row.subject == "方案金额低于人身伤害赔偿合计"  # the case file keeps the words as the step wrote them
        db.session.remove()
    [item] = as_user("manager").get("/notifications", unread="true", lang="en")["items"]
    assert item["subject"] == f"The proposal is below the injury compensation total: {complaint['number']}"
    assert item["body"] == "The injury compensation totals 300.00 yuan; please propose again."
    [item] = as_user("manager").get("/notifications", unread="true", lang="zh")["items"]
    assert item["body"] == "人身伤害赔偿合计 300.00 元，请重新提出处理方案。"


def _deploy(as_user, xml: str):
    return as_user("owner").post("/process-definitions", data=xml.encode(), content_type="application/xml")


def test_a_notify_step_without_english_is_refused_at_deploy_in_both_languages(as_user):
    refused = _deploy(as_user, s.process("t_notice_zh_only", "service_desk", [
        s.service_task("notify", recipient="'duty_manager'", subject="'请跟进'", body="'新投诉。'",
                       subject_en="'Please follow up'", body_en=None),
        s.user_task("lifecycle.acknowledge", "安抚顾客")]))
    assert refused.status == 422, refused.body
    [problem] = refused["errors"]
    assert (problem["code"], problem["element_id"]) == ("notify_words_missing", "step0") and problem["line"] > 0
    assert "通知步骤 '服务' (step0) 缺少中英文两种文本" in problem["message"]
    assert "The notify step '服务' (step0) has no words in both Chinese and English" in problem["message"]
    assert "processes/translations/t_notice_zh_only.json" in problem["message"]
    assert as_user("owner").get("/process-definitions/t_notice_zh_only").status == 404


def test_a_notify_step_that_does_not_give_what_its_message_needs_is_refused(as_user):
    source = (PROCESSES / "quality.bpmn").read_text(encoding="utf-8")
    without_amount = source.replace('<spiffworkflow:parameter id="amount" type="any" value="injury_total"/>', "")
    assert without_amount != source
    refused = _deploy(as_user, without_amount)
    assert refused.status == 422, refused.body
    [problem] = refused["errors"]
    assert (problem["code"], problem["element_id"]) == ("notify_message_unusable", "notify_amount_short")
    assert "它用到步骤没有给出的参数 amount" in problem["message"]
    assert "it uses amount, which the step does not give" in problem["message"]


def test_a_notify_step_giving_its_english_itself_deploys(as_user):
    deployed = _deploy(as_user, s.process("t_notice_both", "service_desk", [
        s.service_task("notify", recipient="'duty_manager'", subject="'请跟进'", body="'新投诉。'",
                       subject_en="'Please follow up'", body_en="'A new complaint.'"),
        s.user_task("lifecycle.acknowledge", "安抚顾客")]))
    assert deployed.status == 201, deployed.body


def test_a_version_deployed_with_its_own_catalogue_names_its_task_from_it(app, as_user, clock):
    """A version deployed from a process owner's draft keeps the draft's catalogue: its reminder reads the task's
    English name there (the shipped quality catalogue has no such task)."""
    owner = as_user("owner")
    active = next(v["version"] for v in owner.get("/process-definitions/quality")["versions"] if v["active"])
    reminding = s.escalating_process("quality", [("handle_draft", "处理草稿任务")], on="handle_draft",
                                     timer='<bpmn:timeDate>sla("first_response")</bpmn:timeDate>',
                                     operator_name="remind_task").replace(
        "<spiffworkflow:parameters></spiffworkflow:parameters>",
        "<spiffworkflow:parameters><spiffworkflow:parameter id=\"element_id\" type=\"any\" value=\"'handle_draft'\"/>"
        "</spiffworkflow:parameters>")
    saved = owner.client.put("/api/v1/process-definitions/quality/drafts/mine", headers=owner._headers(), json={
        "xml": reminding, "revision": 0, "base_version": active,
        "catalogue": {"handle_draft": {"zh": "处理草稿任务", "en": "Handle the drafted task"}}})
    assert saved.status_code == 200, saved.get_json()
    deployed = owner.post("/process-definitions/quality/drafts/mine/deploy", {"revision": 1})
    assert deployed.status == 201, deployed.body
    try:
        approve(as_user, "quality", deployed["version"])
        assert owner.post(f"/process-definitions/quality/versions/{deployed['version']}/activate").status == 200
        _read_all(as_user, "desk")
        number = as_user("desk").post("/complaints", intake()).body["number"]
        clock(timedelta(minutes=6))
        with app.app_context():
            timer_service.fire_due()
            db.session.remove()
        subjects = [i["subject"] for i in as_user("desk").get("/notifications", unread="true", lang="en")["items"]]
        assert f"Due soon: Handle the drafted task ({number})" in subjects
    finally:
        approve(as_user, "quality", active)  # going back changes the register back: signed off too
        assert owner.post(f"/process-definitions/quality/versions/{active}/activate").status == 200
