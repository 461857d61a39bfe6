"""A diagram's `notify` names its message template: deploying one that names a template that does not
exist is refused with the element and line, like the other lint problems; a name that exists deploys."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.notifications import outbox
from tests import bpmn_samples as s

XML = "application/xml"


def _deploy(as_user, xml: str):
    return as_user("owner").post("/process-definitions", data=xml.encode(), content_type=XML)


def _notifying(pid: str, template: str) -> str:
    return s.process(pid, "service_desk", [
        s.service_task("notify", recipient="'customer'", subject="'您的投诉已受理'", template=template),
        s.user_task("lifecycle.acknowledge", "安抚顾客"),
    ])


@pytest.mark.parametrize(("template", "fragment"), [
    ("'no_such_text'", "names 'no_such_text', which does not exist"),
    ("'customer_notice ' if True else 'x'", "must be a quoted name"),
])
def test_a_template_that_does_not_exist_is_refused_at_deploy(as_user, template, fragment):
    refused = _deploy(as_user, _notifying("t_template_missing", template))
    assert refused.status == 422, refused.body
    [problem] = refused["errors"]
    assert fragment in problem["message"] and "customer_notice" in problem["message"]
    assert problem["element_id"] == "step0"
    assert isinstance(problem["line"], int) and problem["line"] > 0
    assert as_user("owner").get("/process-definitions/t_template_missing").status == 404  # nothing was stored


def test_a_template_that_exists_deploys(as_user):
    deployed = _deploy(as_user, _notifying("t_template_known", "'customer_notice'"))
    assert deployed.status == 201, deployed.body


def test_a_template_missing_when_the_step_runs_still_fails_it(app, complaint):
    """Deploy checks the names shipped then; a template removed since is refused when queued, not sent."""
    with app.app_context(), pytest.raises(ValueError, match="no_such_text"):
        outbox.enqueue(complaint["id"], "customer", "x", template="no_such_text")
    with app.app_context():
        db.session.rollback()
        db.session.remove()
