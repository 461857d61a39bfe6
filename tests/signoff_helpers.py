"""Legal's sign-off in tests: a version whose escalation register differs from the active one's goes live only
once someone in legal (who did not deploy it) approved it. Tests that deploy and activate such versions as a
process owner approve them with `approve` first."""

from __future__ import annotations

from typing import Any


def approve(as_user: Any, key: str, version: int, reviewer: str = "legal") -> dict:
    """Approve version `version` of process `key` through the API as `reviewer` (legal by default)."""
    answer = as_user(reviewer).post(f"/process-definitions/{key}/versions/{version}/review",
                                    {"decision": "approve", "comment": "已审核：路径符合预期。"})
    assert answer.status == 200, answer.body
    return answer.body


def approve_held(as_user: Any, deployed: Any) -> list[tuple[str, int]]:
    """Approve every version a deploy's answer (one process or a list) says was held back for legal."""
    items = deployed if isinstance(deployed, list) else [deployed]
    held = [(item["key"], item["version"]) for item in items if item.get("review")]
    for key, version in held:
        approve(as_user, key, version)
    return held
