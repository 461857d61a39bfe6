"""Running complaints keep the version they started on; new ones start on the active version."""

from tests import bpmn_samples as s
from tests.conftest import intake
from tests.signoff_helpers import approve

PAID = {"voucher_number": "V1", "claim_form": "CF-1"}


def test_running_complaints_keep_their_version_and_rollback_restores_the_old_one(as_user, swap_process):
    v1 = swap_process("lost_property", s.process("lost_property", "service_desk", [
        s.user_task("lifecycle.payment", "旧第一步"), s.user_task("lifecycle.payment", "旧第二步")]))
    old = as_user("desk").post("/complaints", intake("lost_property"))
    v2 = swap_process("lost_property", s.process("lost_property", "service_desk", [
        s.user_task("lifecycle.payment", "新步骤")]))
    assert v2 == v1 + 1
    new = as_user("desk").post("/complaints", intake("lost_property"))
    assert [t["name"] for t in new["open_tasks"]] == ["新步骤"]

    moved = as_user("desk").post(f"/tasks/{old['open_tasks'][0]['id']}/complete", PAID)
    assert [t["name"] for t in moved["open_tasks"]] == ["旧第二步"]
    assert as_user("legal").get(f"/complaints/{old['id']}")["process"] == {"key": "lost_property", "version": v1}

    approve(as_user, "lost_property", v1)  # the rollback changes the escalation register back: legal signs it
    assert as_user("owner").post(f"/process-definitions/lost_property/versions/{v1}/activate").status == 200
    rolled_back = as_user("desk").post("/complaints", intake("lost_property"))
    assert [t["name"] for t in rolled_back["open_tasks"]] == ["旧第一步"]
    finished = as_user("desk").post(f"/tasks/{new['open_tasks'][0]['id']}/complete", PAID)
    assert finished["complaint"]["status"] == "closed" and finished["complaint"]["outcome"] == "end"
