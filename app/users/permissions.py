"""Who may do what: every service function asks here before it acts."""

from __future__ import annotations

from app.errors import Forbidden
from app.users.models import User
from app.users.roles import CASE_ROLES, CONTACT_ROLES, FULL_CASE_READERS, INTAKE_ROLES

COMPLAINT_READERS = CASE_ROLES | {"admin"}
DEFINITION_READERS = frozenset({"process_owner", "legal", "admin"}) | CASE_ROLES


def require(user: User, roles: frozenset[str] | set[str], doing: str) -> None:
    if not user.has_role(*roles):
        raise Forbidden(f"Your roles do not allow you to {doing}.")


def may_read_complaints(user: User) -> bool:
    return user.has_role(*COMPLAINT_READERS)


def may_read_definitions(user: User) -> bool:
    return user.has_role(*DEFINITION_READERS)


def works_on_cases(user: User) -> bool:
    """Whether the user has a case role (an inbox of tasks)."""
    return user.has_role(*CASE_ROLES)


def require_complaint_reader(user: User) -> None:
    require(user, COMPLAINT_READERS, "read complaints")


def require_intake(user: User) -> None:
    require(user, INTAKE_ROLES, "register complaints")


def reads_every_lane(user: User) -> bool:
    return user.has_role(*FULL_CASE_READERS)


def reads_answers_of_lane(user: User, role: str) -> bool:
    """Whether the user may read the answers given in a task of the lane `role`."""
    return user.has_role(role) or reads_every_lane(user)


def require_audit_reader(user: User) -> None:
    require(user, FULL_CASE_READERS, "read the audit trail")


def sees_contact_details(user: User) -> bool:
    return user.has_role(*CONTACT_ROLES)


def mask_phone(phone: str) -> str:
    digits = phone.replace(" ", "").replace("-", "")
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_email(email: str | None) -> str | None:
    """The first character of the name and the whole domain (w***@example.com); None stays None."""
    if not email:
        return email
    name, _, domain = email.rpartition("@")
    return f"{name[:1]}***@{domain}"
