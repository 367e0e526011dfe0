"""The violation checklist (R01–R32) and the measures ladder (M1–M7), versioned per company.

The manual's items ship as default data (``data/violation_checklist.yaml``) and become a
company's version 1 the first time the company needs a checklist. An edit never changes a
version: it copies the newest version with the changes into the next one, so every inspection
keeps pointing at the items, names and severities it was made with. No Flask imports.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from .. import audit
from ..errors import Conflict, NotFound, field_error
from ..org.models import Property
from ..tenancy import Actor
from .models import SEVERITIES, ChecklistItem, ChecklistVersion

DEFAULT_DEADLINE_DAYS = {"critical": 1, "major": 3, "minor": 7}
MAX_DEADLINE_DAYS = 365  # as the checklist edit schema allows
DEFAULT_STOP_WORK = ["critical"]
HOURS_ITEM = "R24"  # 不按规定时间施工: suggested when inspected outside permitted hours
ITEM_CODE = re.compile(r"^[A-LN-Z][A-Z0-9-]{0,15}$")  # not M…: the ladder is not edited here
EDITABLE = ("name_zh", "name_en", "category", "severity", "retired")


@lru_cache(maxsize=1)
def default_data() -> dict[str, Any]:
    text = (resources.files("xunjian") / "data" / "violation_checklist.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _default_rows() -> list[dict[str, Any]]:
    data = default_data()
    rows = [
        {
            "kind": "item",
            "code": i["code"],
            "seed_no": i.get("seed_no"),
            "category": i.get("category", ""),
            "severity": i["severity"],
            "approval": "none",
            "name_zh": i["zh"],
            "name_en": i.get("en", ""),
        }
        for i in data["items"]
    ]
    rows += [
        {
            "kind": "measure",
            "code": m["code"],
            "seed_no": None,
            "category": "",
            "severity": None,
            "approval": m.get("approval", "none"),
            "name_zh": m["zh"],
            "name_en": m.get("en", ""),
        }
        for m in data["measures"]
    ]
    return rows


def _add_version(
    session: Session, company_id: int, number: int, rows: list[dict[str, Any]], **values: Any
) -> ChecklistVersion:
    version = ChecklistVersion(company_id=company_id, number=number, **values)
    session.add(version)
    session.flush()
    for position, row in enumerate(rows, start=1):
        session.add(ChecklistItem(version_id=version.id, position=position, **row))
    session.flush()
    return version


def _newest(session: Session, company_id: int) -> ChecklistVersion | None:
    return session.scalar(
        select(ChecklistVersion)
        .where(ChecklistVersion.company_id == company_id)
        .order_by(ChecklistVersion.number.desc())
        .limit(1)
    )


def current_version(session: Session, company_id: int) -> ChecklistVersion:
    """The company's newest version; the shipped defaults become version 1 on first use."""
    version = _newest(session, company_id)
    if version is not None:
        return version
    try:
        with session.begin_nested():  # two first uses at once: the unique number settles it
            return _add_version(
                session,
                company_id,
                1,
                _default_rows(),
                source=str(default_data().get("source", "")),
                note="默认清单 default checklist",
                deadline_days=dict(DEFAULT_DEADLINE_DAYS),
                stop_work_severities=list(DEFAULT_STOP_WORK),
            )
    except IntegrityError:
        version = _newest(session, company_id)
        assert version is not None
        return version


def version_by_number(session: Session, company_id: int, number: int) -> ChecklistVersion:
    if number < 1:
        raise NotFound("No such checklist version.", message_zh="没有此检查清单版本。")
    current_version(session, company_id)  # make sure version 1 exists
    version = session.scalar(
        select(ChecklistVersion)
        .where(ChecklistVersion.company_id == company_id, ChecklistVersion.number == number)
        .options(selectinload(ChecklistVersion.items))
    )
    if version is None:
        raise NotFound("No such checklist version.", message_zh="没有此检查清单版本。")
    return version


def list_versions(session: Session, company_id: int) -> list[dict[str, Any]]:
    current_version(session, company_id)
    counts = dict(
        session.execute(
            select(ChecklistItem.version_id, func.count())
            .where(ChecklistItem.kind == "item", ChecklistItem.retired.is_(False))
            .group_by(ChecklistItem.version_id)
        ).all()
    )
    versions = session.scalars(
        select(ChecklistVersion)
        .where(ChecklistVersion.company_id == company_id)
        .order_by(ChecklistVersion.number.desc())
    ).all()
    return [
        {
            "id": v.id,
            "number": v.number,
            "note": v.note,
            "created_at": v.created_at,
            "created_by_id": v.created_by_id,
            "active_items": counts.get(v.id, 0),
        }
        for v in versions
    ]


def items_by_code(version: ChecklistVersion) -> dict[str, ChecklistItem]:
    return {item.code: item for item in version.items}


def deadline_days(version: ChecklistVersion, prop: Property) -> dict[str, int]:
    """Days to rectify by severity: the company's version, overridden per property by
    ``settings["renovation_deadline_days"]``."""
    days = {**DEFAULT_DEADLINE_DAYS, **(version.deadline_days or {})}
    override = (prop.settings or {}).get("renovation_deadline_days")
    if isinstance(override, dict):
        # Property settings are free-form JSON. A value that is not a whole number of days
        # (0–365) is passed over for the company's: a floor manager on site must always be
        # able to issue a notice, whatever an administrator mistyped.
        days.update(
            {
                k: v
                for k, v in override.items()
                if k in SEVERITIES and type(v) is int and 0 <= v <= MAX_DEADLINE_DAYS
            }
        )
    return days


def _check_days(days: dict[str, Any]) -> dict[str, int]:
    unknown = set(days) - set(SEVERITIES)
    if unknown:
        raise field_error(
            "deadline_days",
            f"Unknown severity: {', '.join(sorted(unknown))}.",
            f"未知的严重程度：{'、'.join(sorted(unknown))}。",
        )
    return {k: int(v) for k, v in days.items()}


def new_version(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    *,
    base_version: int,
    items: list[dict[str, Any]],
    note: str = "",
    deadline_days: dict[str, int] | None = None,
    stop_work_severities: list[str] | None = None,
    client_id: uuid.UUID | None = None,
) -> ChecklistVersion:
    """The next version: the newest one with ``items`` edited, added or retired.

    ``base_version`` is the version the editor saw; if someone saved a newer one meanwhile the
    edit is refused (409) rather than silently dropping their changes.
    """
    base = current_version(session, actor.company_id)
    if base.number != base_version:
        raise Conflict(
            f"The checklist was changed meanwhile (now version {base.number}, you edited "
            f"{base_version}). Reload it and make your changes again.",
            message_zh=f"检查清单已被他人修改（当前为第 {base.number} 版），请刷新后重新修改。",
            code="stale_checklist",
            details={"current_version": base.number},
        )
    rows = [
        {
            c: getattr(i, c)
            for c in ("kind", "code", "seed_no", "category", "severity", "approval", "name_zh")
        }
        | {"name_en": i.name_en, "retired": i.retired}
        for i in base.items
    ]
    by_code = {r["code"]: r for r in rows}
    seen: set[str] = set()
    for index, change in enumerate(items):
        code = change["code"].strip().upper()
        where = f"items[{index}]"
        if code in seen:
            raise field_error(where, f"Item {code} is listed twice.", f"检查项 {code} 重复。")
        seen.add(code)
        row = by_code.get(code)
        if row is not None and row["kind"] == "measure":
            raise field_error(
                where,
                f"{code} is a measure of the handling ladder, not a checklist item; the ladder "
                "follows the manual and is not edited here.",
                f"{code} 是违章处理措施，不是检查项，不能在此修改。",
            )
        if row is None:
            if not ITEM_CODE.match(code):
                raise field_error(
                    where,
                    f"{code!r} is not a usable item code (letters and digits, e.g. R33).",
                    f"检查项编号 {code} 不可用（字母和数字，如 R33）。",
                )
            missing = [k for k in ("name_zh", "severity", "category") if not change.get(k)]
            if missing:
                raise field_error(
                    where,
                    f"A new item needs {', '.join(missing)}.",
                    f"新增检查项须填写：{'、'.join(missing)}。",
                )
            row = {
                "kind": "item",
                "code": code,
                "seed_no": None,
                "approval": "none",
                "name_en": "",
                "retired": False,
            }
            rows.append(row)
            by_code[code] = row
        for key in EDITABLE:
            if change.get(key) is not None:
                row[key] = change[key]
    days = {**base.deadline_days, **_check_days(deadline_days or {})}
    stop = stop_work_severities if stop_work_severities is not None else base.stop_work_severities
    version = _add_version(
        session,
        actor.company_id,
        base.number + 1,
        rows,
        client_id=client_id,
        note=note,
        source=base.source,
        deadline_days=days,
        stop_work_severities=list(stop),
        created_by_id=actor.user_id,
        created_at=now,
    )
    audit.record(
        session,
        actor,
        version,
        "create",
        after={"number": version.number, "base": base.number, "changes": items},
    )
    return version
