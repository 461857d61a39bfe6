"""The staff roles: BPMN lane names resolve to these ids."""

from __future__ import annotations

ROLES: dict[str, tuple[str, str]] = {
    "service_desk": ("服务中心", "Service desk"),
    "duty_manager": ("当班管理人员", "Duty manager"),
    "risk_control": ("风险防控部", "Risk control"),
    "quality_control": ("品控部", "Quality control"),
    "purchasing": ("采购部", "Purchasing"),
    "finance": ("财务", "Finance"),
    "senior_management": ("公司高层管理人员", "Senior management"),
    "legal": ("法务", "Legal"),
    "property_security": ("保安", "Property security"),
    "process_owner": ("流程负责人", "Process owner"),
    "admin": ("系统管理员", "Administrator"),
}

# Roles that work on complaints (every role but the two that run the system).
CASE_ROLES = frozenset(ROLES) - {"process_owner", "admin"}
# Roles that see the customer's full contact details.
CONTACT_ROLES = frozenset({"service_desk", "duty_manager", "legal"})
# Roles that read every lane's answers and the audit trail of any complaint (the others read the
# answers given in their own lanes' tasks).
FULL_CASE_READERS = frozenset({"legal", "duty_manager", "senior_management"})
# Roles that may register a complaint.
INTAKE_ROLES = frozenset({"service_desk", "duty_manager"})

# Extra Chinese names staff use for some lanes.
_ALIASES = {"客服": "service_desk", "当班经理": "duty_manager", "财务/现金房": "finance", "现金房": "finance",
            "法律顾问": "legal", "物业公司": "property_security", "高层管理": "senior_management"}


def lane_names() -> dict[str, str]:
    """Every accepted lane name -> role id: the id, the Chinese and English names, and aliases."""
    names: dict[str, str] = dict(_ALIASES)
    for role_id, (zh, en) in ROLES.items():
        names[role_id] = role_id
        names[zh] = role_id
        names[en] = role_id
    return names
