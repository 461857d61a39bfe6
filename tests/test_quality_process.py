"""The product-quality process, driven through the API on every path."""

import pytest

from tests.conftest import intake

VERIFY_OK = {"sold_here": True, "receipt_number": "R1", "receipt_date": "2026-11-20", "account_credible": True}
DEFECT = {"product": "鲜牛奶 1L", "defect_confirmed": True, "department_agrees": True, "finding": "批次过期"}
NO_DEFECT = {**DEFECT, "defect_confirmed": False, "finding": "商品无质量问题"}
REFUND = {"remedy": "refund", "amount": 58.5, "explanation": "全额退款"}
APOLOGY = {"remedy": "apology", "amount": 0, "explanation": "书面道歉"}
ACK = ("desk", "安抚顾客并告知处理流程", "service_desk", {"next_steps_explained": True, "customer_calm": True})
PAID = {"paid": True, "voucher_number": "V-001", "claim_form_signed": True}

# Each path: steps of (who, expected task name, role, form data) or ("message", name, payload), then the outcome.
PATHS = {
    "not_sold_here": ([ACK, ("desk", "核实购买凭证", "service_desk", {**VERIFY_OK, "sold_here": False})],
                      "end_not_sold_here", {"notifications": 2}),
    "not_liable": ([ACK, ("desk", "核实购买凭证", "service_desk", VERIFY_OK),
                    ("qc", "品控部质量鉴定", "quality_control", NO_DEFECT)],
                   "end_not_liable", {"notifications": 2}),
    "refund_paid": ([ACK, ("desk", "核实购买凭证", "service_desk", VERIFY_OK),
                     ("qc", "品控部质量鉴定", "quality_control", DEFECT),
                     ("manager", "确定处理方案", "duty_manager", REFUND),
                     ("message", "customer_response", {"accepted": True}),
                     ("finance", "财务付款", "finance", PAID)],
                    "end_resolved_paid", {"notifications": 2, "supplier_actions": 1, "payment_requests": 1}),
    "rejected_then_apology": ([ACK, ("desk", "核实购买凭证", "service_desk", VERIFY_OK),
                               ("qc", "品控部质量鉴定", "quality_control", DEFECT),
                               ("manager", "确定处理方案", "duty_manager", REFUND),
                               ("message", "customer_response", {"accepted": False}),
                               ("manager", "确定处理方案", "duty_manager", APOLOGY),
                               ("message", "customer_response", {"accepted": True})],
                              "end_resolved", {"notifications": 3, "supplier_actions": 2, "payment_requests": 0}),
}


@pytest.mark.parametrize("path", PATHS)
def test_quality_path(as_user, path):
    steps, outcome, record_counts = PATHS[path]
    desk = as_user("desk")
    created = desk.post("/complaints", intake())
    assert created.status == 201, created.body
    complaint_id = created["id"]
    open_tasks = created["open_tasks"]
    for step in steps:
        if step[0] == "message":
            response = desk.post(f"/complaints/{complaint_id}/messages/{step[1]}", step[2])
            assert response.status == 200, response.body
            open_tasks = response["open_tasks"]
            continue
        who, name, role, data = step
        assert [(t["name"], t["role"]) for t in open_tasks] == [(name, role)]
        response = as_user(who).post(f"/tasks/{open_tasks[0]['id']}/complete", data)
        assert response.status == 200, response.body
        open_tasks = response["open_tasks"]
    assert open_tasks == []
    complaint = as_user("legal").get(f"/complaints/{complaint_id}")
    assert complaint["status"] == "closed"
    assert complaint["outcome"] == outcome
    for kind, count in record_counts.items():
        assert len(complaint["records"][kind]) == count, (kind, complaint["records"])
    if record_counts.get("payment_requests"):
        payment = complaint["records"]["payment_requests"][0]
        assert payment["amount"] == "58.50" and payment["purpose"] == "refund"
    assert [h["state"] for h in complaint["history"]] == ["completed"] * sum(1 for st in steps if st[0] != "message")
