"""How a complaint ended, in the few categories the monthly review counts: each closing end event of each complaint
type's diagram is given one, the customer's withdrawal and a cancellation theirs, and an accepted result is split
by whether the first offer stood or a re-review or a revised offer came first (a flag read in SQL from the stored
task and decision rows, the category given here).

A diagram's end event that closes a case is reached through the archive; the other end events close a side branch
(an escalation notice) and are never a complaint's outcome. A test checks that every end event of every shipped
diagram is one or the other, so that a new end event cannot be left out of the review.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, or_, select

from app.records.models import Decision
from app.runtime.models import Complaint, HumanTask

ACCEPTED = "accepted"  # split by the rows below into the first offer or after a re-review
CATEGORIES: dict[str, tuple[str, str]] = {
    "accepted_first_offer": ("接受首次处理方案", "Accepted the first offer"),
    "accepted_after_re_review": ("复核或调整方案后接受", "Accepted after a re-review or a revised offer"),
    "no_agreement": ("协商不成", "No agreement"),
    "regulator_or_court": ("转政府部门、消协或法院", "Referred to a regulator, the consumer association or a court"),
    "no_offer": ("未提出补偿即结案", "Closed without an offer (not liable, nothing claimed, or handled by others)"),
    "withdrawn": ("顾客撤诉", "Withdrawn by the customer"),
    "cancelled": ("取消", "Cancelled"),
    "other": ("其他结果", "Another outcome"),  # an end event of a newer diagram that this table does not know
}
# (complaint type = process key, closing end event) -> ACCEPTED or a category
CLOSING_ENDS: dict[tuple[str, str], str] = {
    ("quality", "end_resolved"): ACCEPTED,
    ("quality", "end_no_agreement"): "no_agreement",
    ("quality", "end_not_sold_here"): "no_offer",
    ("quality", "end_not_liable"): "no_offer",
    ("lost_property", "end_settled"): ACCEPTED,
    ("lost_property", "end_no_agreement"): "no_agreement",
    ("lost_property", "end_returned"): "no_offer",
    ("lost_property", "end_registered"): "no_offer",
    ("lost_property", "end_refused"): "no_offer",
    ("vehicle", "end_resolved"): ACCEPTED,
    ("vehicle", "end_no_agreement"): "no_agreement",
    ("vehicle", "end_consumer_association"): "regulator_or_court",
    ("vehicle", "end_no_claim"): "no_offer",
    ("vehicle", "end_referred"): "no_offer",
    ("conflict", "end"): ACCEPTED,
    ("conflict", "end_no_agreement"): "no_agreement",
    ("conflict", "end_calmed"): "no_offer",
    ("security_gate", "end_resolved"): ACCEPTED,
    ("security_gate", "end_no_agreement"): "no_agreement",
    ("security_gate", "end_police"): "no_offer",
    ("security_gate", "end_stop_justified"): "no_offer",
    ("regulator_referral", "end_resolved"): "regulator_or_court",
    ("regulator_referral", "end_no_remedy"): "regulator_or_court",
    ("regulator_referral", "end_no_agreement"): "regulator_or_court",
}
# End events of a side branch (a time limit's escalation notice): the case goes on, so they are no outcome.
BRANCH_ENDS: frozenset[tuple[str, str]] = frozenset({
    ("quality", "end_advance_escalated"), ("quality", "end_assessment_escalated"),
    ("lost_property", "end_exit_escalated"),
    ("vehicle", "end_on_site_escalated"), ("vehicle", "end_cover_escalated"),
    ("vehicle", "end_designation_escalated"), ("vehicle", "end_third_party_escalated"),
    ("conflict", "end_station_report_escalated"),
    ("security_gate", "end_footage_escalated"),
    ("regulator_referral", "end_designation_escalated"),
})
WITHDRAWN_OUTCOME = "withdrawn"  # app.complaints.service.WITHDRAWN: the outcome a customer's withdrawal records
RE_REVIEW_FORM = "lifecycle.re_review"


def revisited() -> Any:
    """A SQL expression, 1 for a closed complaint whose accepted result was re-reviewed after the customer rejected
    it or for which a second remedy was decided, else 0. The re-reviewed and the revised complaints are each read
    once per query and looked up by id (a probe for each complaint closed in a year took longer), and only for an
    accepted result."""
    accepted = or_(*(and_(Complaint.type == kind, Complaint.outcome == end)
                     for (kind, end), found in CLOSING_ENDS.items() if found == ACCEPTED))
    re_reviewed = select(HumanTask.complaint_id).where(HumanTask.form_key == RE_REVIEW_FORM,
                                                       HumanTask.state == "completed")
    revised = select(Decision.complaint_id).group_by(Decision.complaint_id).having(func.count() > 1)
    return case((and_(Complaint.status == "closed", accepted,
                      or_(Complaint.id.in_(re_reviewed), Complaint.id.in_(revised))), 1), else_=0)


def category(status: str, complaint_type: str, outcome: str | None, was_revisited: bool) -> str:
    """The category of a closed or cancelled complaint, from its status, type, outcome and `revisited` flag."""
    if status == "cancelled":
        return "cancelled"
    if outcome == WITHDRAWN_OUTCOME:
        return "withdrawn"
    found = CLOSING_ENDS.get((complaint_type, outcome or ""), "other")
    if found == ACCEPTED:
        return "accepted_after_re_review" if was_revisited else "accepted_first_offer"
    return found
