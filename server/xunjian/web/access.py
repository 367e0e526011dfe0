"""The one access layer for views: load what the request names, then check the actor's role.

Every view that touches a record or a property goes through these three functions, so the order
of checks is the same everywhere: scope first (a record of another property is simply not found:
404, its existence never revealed), then the role at the record's property (403). Services do not
repeat these checks; they keep only the rules that depend on the record's state or data ("only
the assigned engineer", "the outgoing person confirms first"). See docs/ARCHITECTURE.md,
"Permissions".
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm.interfaces import LoaderOption

from .. import permissions
from ..errors import NotFound
from ..org.models import Property
from .context import current_actor, db

T = TypeVar("T")
S = TypeVar("S", bound=Select[Any])

# What a missing record is called in the 404 message, by table (English, Chinese).
NAMES: dict[str, tuple[str, str]] = {
    "properties": ("property", "项目"),
    "calendar_days": ("calendar day", "日历日"),
    "buildings": ("building", "楼栋"),
    "floors": ("floor", "楼层"),
    "units": ("unit", "房号"),
    "users": ("user", "用户"),
    "role_assignments": ("assignment", "岗位分配"),
    "evidence": ("photo", "照片"),
    "device_status": ("device", "设备"),
    "loans": ("loan", "借用记录"),
    "patrol_checkpoints": ("checkpoint", "巡查点"),
    "patrol_routes": ("route", "巡查路线"),
    "patrol_runs": ("patrol run", "巡查"),
    "patrol_findings": ("finding", "巡查发现"),
    "patrol_alerts": ("alert", "告警"),
    "patrol_spot_checks": ("spot check", "查岗记录"),
    "patrol_storm_days": ("storm day", "台风暴雨日"),
    "patrol_handovers": ("handover", "交接班记录"),
    "renovations": ("renovation", "装修登记"),
    "renovation_inspections": ("inspection", "检查记录"),
    "renovation_notices": ("notice", "整改通知单"),
    "renovation_measures": ("measure", "处理措施"),
    "renovation_settlements": ("settlement", "押金结算单"),
    "service_requests": ("request", "报事记录"),
    "work_orders": ("work order", "派工单"),
    "work_order_completions": ("completion report", "完工报告"),
    "webhook_endpoints": ("webhook", "推送地址"),
}


def not_found(model: type[Any]) -> NotFound:
    what, what_zh = NAMES.get(model.__tablename__, ("record", "记录"))
    return NotFound(f"No such {what}.", message_zh=f"{what_zh}不存在。")


def find(model: type[T], ident: int, *options: LoaderOption) -> T:
    """The record by primary key, within the actor's properties, or 404.

    Always a SELECT (never ``Session.get``, which may answer from the identity map and so skip
    the property scope): a record of another property must look exactly like a missing one.
    """
    stmt: Any = select(model).where(model.id == ident)  # type: ignore[attr-defined]
    item = db().scalar(stmt.options(*options) if options else stmt)
    if item is None:
        raise not_found(model)
    return item


def load_for(model: type[T], ident: int, action: str, *options: LoaderOption) -> T:
    """The record the URL names, if the actor may do ``action`` at its property (404 → 403).

    ``options`` are loader options (e.g. ``selectinload``) for what the view reads next.
    """
    item = find(model, ident, *options)
    permissions.require(current_actor(), action, item.property_id)  # type: ignore[attr-defined]
    return item


def property_for(property_id: int, action: str) -> Property:
    """The property named in a path or body: another property's is a 404, like any record."""
    prop = find(Property, property_id)
    permissions.require(current_actor(), action, prop.id)
    return prop


def require_at(property_id: int, action: str) -> None:
    """403 unless the actor may do ``action`` at ``property_id`` (for a record loaded some other
    way, e.g. the property itself or a row found by another key)."""
    permissions.require(current_actor(), action, property_id)


def require_anywhere(action: str) -> None:
    """For company-level actions (the checklist, creating a property, a list across the
    actor's properties): the role at any one property suffices, else 403."""
    permissions.require_anywhere(current_actor(), action)


def property_ids_where(action: str) -> list[int]:
    """The actor's properties where ``action`` is allowed; possibly none (no error)."""
    return sorted(permissions.properties_where(current_actor(), action))


def property_ids_for(action: str, property_id: int | None = None) -> list[int]:
    """The actor's properties where ``action`` is allowed, narrowed to ``property_id`` if given.

    403 when the actor may do ``action`` nowhere; a ``property_id`` outside the allowed ones
    narrows to nothing (an empty list, not an error), as any other filter does.
    """
    require_anywhere(action)
    allowed = property_ids_where(action)
    return allowed if property_id is None else [p for p in allowed if p == property_id]


def scoped_list(stmt: S, model: type[Any], action: str, property_id: int | None = None) -> S:
    """A list across the actor's properties where ``action`` is allowed (403 if it is nowhere).

    The tenancy hook already hides other properties; this narrows further to the properties
    where the actor's role allows the action (a guard sees patrols but not work orders).
    """
    return stmt.where(model.property_id.in_(property_ids_for(action, property_id)))
