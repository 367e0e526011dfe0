"""Which roles may do what: one table, consulted by every view and service.

Roles are held per property (a person can be a floor manager at one property and a supervisor at
another), so a permission is always checked against the property the record belongs to. A
company administrator (``User.is_admin``) may do everything in the company's properties.
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import Forbidden
from .tenancy import Actor

ROLES = (
    "floor_manager",
    "front_desk",
    "engineer",
    "supervisor",
    "manager",
    "night_duty",
    "guard",
    "admin",
)
ROLE_NAMES_ZH = {
    "floor_manager": "楼管员",
    "front_desk": "前台",
    "engineer": "工程维修",
    "supervisor": "客服主管",
    "manager": "管理处经理",
    "night_duty": "夜班值班",
    "guard": "护卫员",
    "admin": "系统管理员",
}

EVERYONE = frozenset(ROLES)
ADMIN = frozenset({"admin"})
LEADS = frozenset({"supervisor", "manager", "admin"})

# action -> roles allowed (at the record's property). Add a line here for every new action.
PERMISSIONS: dict[str, frozenset[str]] = {
    "org.read": EVERYONE,
    "org.property.create": ADMIN,
    "org.property.update": ADMIN,
    "org.structure.write": ADMIN,
    "org.calendar.write": frozenset({"manager", "admin"}),
    "users.read": frozenset({"supervisor", "manager", "admin", "front_desk"}),
    "users.write": ADMIN,
    "audit.read": LEADS,
    # --- evidence (issue 3) ---
    "evidence.upload": EVERYONE,
    "evidence.read": EVERYONE,
    "evidence.review": LEADS,
    "devices.read": LEADS | {"night_duty"},
    "loans.read": LEADS | {"night_duty", "front_desk"},
    "loans.write": LEADS | {"night_duty", "front_desk"},
    # --- patrol (issue 4) ---
    "patrol.read": EVERYONE,
    "patrol.setup": LEADS,  # checkpoints, routes, QR labels
    "patrol.run": frozenset({"floor_manager", "night_duty", "guard", "supervisor"}),
    "patrol.review": LEADS,  # day board, completion, missed-run alerts
    "patrol.finding.forward": LEADS | {"floor_manager", "front_desk", "night_duty"},
    "spotcheck.read": LEADS | {"night_duty"},
    "spotcheck.write": frozenset({"night_duty", "supervisor", "manager", "admin"}),
    "handover.write": EVERYONE,
    # names and duty roles of the staff, for the spot check's guard and the handover's incoming
    "patrol.duty_staff.read": frozenset({"night_duty", "guard", "supervisor", "manager", "admin"}),
    # --- renovation (issue 5) ---
    "renovation.read": EVERYONE,
    "renovation.register": frozenset(
        {"front_desk", "floor_manager", "supervisor", "manager", "admin"}
    ),
    "renovation.inspect": frozenset({"floor_manager", "supervisor"}),
    "renovation.notice": frozenset({"floor_manager", "supervisor", "manager"}),
    "renovation.approve": frozenset({"manager", "admin"}),  # M5–M7, deposits, applications
    "renovation.checklist.edit": ADMIN,
    "renovation.deposit": frozenset({"manager", "admin", "front_desk"}),
    # --- work orders (issue 6) ---
    "requests.read": EVERYONE - {"guard"},
    "requests.write": frozenset({"front_desk", "floor_manager", "supervisor", "manager", "admin"}),
    "workorders.read": EVERYONE - {"guard"},
    "workorders.dispatch": frozenset({"front_desk", "supervisor", "manager", "admin"}),
    "workorders.work": frozenset({"engineer"}),
    "workorders.verify": frozenset({"front_desk", "supervisor"}),
    "workorders.close_unresolvable": frozenset({"manager"}),
    "escalations.read": LEADS | {"front_desk"},
    "visits.write": frozenset({"front_desk", "supervisor"}),
    "metrics.read": LEADS | {"front_desk"},
    "webhooks.admin": ADMIN,
}


def allowed_roles(action: str) -> frozenset[str]:
    try:
        return PERMISSIONS[action]
    except KeyError:  # a typo must fail loudly in tests, not grant or deny silently
        raise KeyError(f"unknown permission {action!r}") from None


def can(actor: Actor, action: str, property_id: int) -> bool:
    if property_id not in actor.property_ids:
        return False
    return actor.is_admin or actor.has_any_role(property_id, allowed_roles(action))


def require(actor: Actor, action: str, property_id: int) -> None:
    if not can(actor, action, property_id):
        raise Forbidden(
            f"Your role at this property does not allow this ({action}).",
            message_zh=f"您在该项目的岗位无权执行此操作（{action}）。",
            details={"action": action, "allowed_roles": sorted(allowed_roles(action))},
        )


def require_anywhere(actor: Actor, action: str) -> None:
    """For company-level actions (e.g. creating a property): the role anywhere suffices."""
    if actor.is_admin:
        return
    if not any(can(actor, action, pid) for pid in actor.property_ids):
        raise Forbidden(
            f"Your role does not allow this ({action}).",
            message_zh=f"您的岗位无权执行此操作（{action}）。",
            details={"action": action, "allowed_roles": sorted(allowed_roles(action))},
        )


def properties_where(actor: Actor, action: str) -> frozenset[int]:
    """The actor's properties where ``action`` is allowed (for list endpoints)."""
    return frozenset(pid for pid in actor.property_ids if can(actor, action, pid))


def roles_label(roles: Iterable[str]) -> str:
    return "、".join(ROLE_NAMES_ZH.get(r, r) for r in roles)
