"""The satisfaction report from real journeys: the desk's follow-up form and a customer's online answer, counted
for today in the mall's zone, narrowed to a place of this test's own."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from tests import bpmn_samples as s
from tests.conftest import intake
from tests.test_reports import listed


def test_answers_levels_acceptance_and_masked_comments(as_user, swap_process):
    swap_process("quality", s.process("quality", "service_desk", [
        s.call_activity(key) for key in ("lifecycle_feedback", "lifecycle_archive", "lifecycle_review")]))
    place = as_user("admin").post("/places", {"code": f"S-{uuid.uuid4().hex[:8]}", "name_zh": "二楼",
                                              "name_en": "Floor 2", "kind": "floor"}).body
    by_desk = as_user("desk").post("/complaints", intake("quality", place_id=place["id"])).body
    online = as_user("desk").post("/complaints", intake("quality", place_id=place["id"])).body
    [follow_up] = by_desk["open_tasks"]
    done = as_user("desk").post(f"/tasks/{follow_up['id']}/complete", {
        "reached_customer": True, "satisfied": True, "satisfaction": "very_satisfied",
        "comments": "处理很快，回电13812345678"})
    assert done.status == 200, done.body
    answered = as_user("desk").post(f"/complaints/{online['id']}/messages/satisfaction_survey", {
        "satisfied": False, "satisfaction": "dissatisfied", "comments": "太慢"})
    assert answered.status == 200, answered.body

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    report = as_user("senior").get("/reports/satisfaction", period="custom", to=today, place_id=place["id"],
                                   **{"from": today})
    assert report.status == 200, report.body
    sections = {section["key"]: {row["key"]: row["current"] for row in section["rows"]}
                for section in report["sections"]}
    assert sections["totals"] == {"answers": 2, "share_satisfied": 0.5, "accepted": 1, "not_accepted": 1}
    assert sections["by_level"] == {"very_satisfied": 1, "satisfied": 0, "neutral": 0, "dissatisfied": 1}
    comments = {c["complaint_number"]: (c["satisfaction"], c["text"]) for c in report["comments"]}
    # an online answer's words are read from its message's row (the audit trail holds only a reference to it)
    assert comments == {by_desk["number"]: ("very_satisfied", "处理很快，回电138********"),
                        online["number"]: ("dissatisfied", "太慢")}
    assert "王" not in str(report.body)
    # each figure of answers lists the complaints answered so, in the period and at the place
    figures = {row["key"]: row["complaints"] for section in report["sections"] for row in section["rows"]}
    assert figures["share_satisfied"] is None  # a share, not a set of complaints
    expected = {"answers": {by_desk["number"], online["number"]}, "accepted": {by_desk["number"]},
                "not_accepted": {online["number"]}, "very_satisfied": {by_desk["number"]},
                "dissatisfied": {online["number"]}, "satisfied": set(), "neutral": set()}
    assert {key: listed(as_user, figures[key]) for key in expected} == expected
