"""Import and export a property's patrol routes as YAML or JSON (schemas/patrol_route.schema.json).

Routes are matched by code, checkpoints referred to by code and runners by username, so a file
moves between systems and importing it twice changes nothing. Errors name the line and column.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..auth.models import RoleAssignment, User
from ..errors import InvalidInput
from ..org.models import Property
from ..structured_files import validate_document
from ..tenancy import Actor, unscoped
from .models import Checkpoint, Route
from .planning import create_route, grouped_windows, pairs, update_route

SCHEMA = "patrol_route.schema.json"


def _time(value: str | int) -> dt.time:
    if isinstance(value, int):  # YAML 1.1 reads an unquoted 12:00 as 720 (sexagesimal)
        return dt.time(value // 60, value % 60)
    return dt.time.fromisoformat(value)


def export_routes(session: Session, prop: Property) -> dict[str, Any]:
    routes = list(
        session.scalars(
            select(Route)
            .where(Route.property_id == prop.id)
            .options(selectinload(Route.stops), selectinload(Route.windows))
            .order_by(Route.code)
        )
    )
    codes = pairs(
        session.execute(
            select(Checkpoint.id, Checkpoint.code).where(Checkpoint.property_id == prop.id)
        )
    )
    user_ids = {u for r in routes for u in r.allowed_user_ids}
    usernames = (
        pairs(
            session.execute(unscoped(select(User.id, User.username).where(User.id.in_(user_ids))))
        )
        if user_ids
        else {}
    )
    out = []
    for route in routes:
        item: dict[str, Any] = {"code": route.code, "name_zh": route.name_zh}
        if route.name_en:
            item["name_en"] = route.name_en
        if not route.active:
            item["active"] = False
        if route.allowed_roles:
            item["allowed_roles"] = list(route.allowed_roles)
        if route.allowed_user_ids:
            item["allowed_users"] = sorted(usernames[u] for u in route.allowed_user_ids)
        item["stops"] = [
            {"checkpoint": codes[s.checkpoint_id], "expected_minutes": s.expected_minutes}
            for s in route.stops
        ]
        item["windows"] = [
            {
                "weekdays": w["weekdays"],
                "start": w["start"].strftime("%H:%M"),
                "end": w["end"].strftime("%H:%M"),
                "start_tolerance_minutes": w["start_tolerance_minutes"],
            }
            for w in grouped_windows(route)
        ]
        out.append(item)
    return {"version": 1, "property": prop.code, "routes": out}


def dump(document: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def _problem(path: str, message: str) -> dict[str, Any]:
    return {"path": path, "line": None, "column": None, "message": message}


def import_routes(
    session: Session, actor: Actor, now: dt.datetime, prop: Property, text: str, filename: str
) -> dict[str, Any]:
    try:
        data = validate_document(text, filename, SCHEMA)
    except InvalidInput as exc:  # syntax errors come without a Chinese message
        exc.message_zh = exc.message_zh or f"{filename} 不是有效的 YAML/JSON 文件，请检查格式。"
        raise
    problems = []
    if data.get("property") not in (None, prop.code):
        problems.append(
            _problem("property", f"the file is for property {data['property']}, not {prop.code}")
        )
    codes = pairs(
        session.execute(
            select(Checkpoint.code, Checkpoint.id).where(Checkpoint.property_id == prop.id)
        )
    )
    staff = pairs(
        session.execute(
            select(User.username, User.id)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.property_id == prop.id)
        )
    )
    seen: set[str] = set()
    plans = []
    for i, item in enumerate(data["routes"]):
        if item["code"] in seen:
            problems.append(_problem(f"routes[{i}].code", f"route {item['code']} appears twice"))
        seen.add(item["code"])
        stops = []
        for j, stop in enumerate(item["stops"]):
            if stop["checkpoint"] not in codes:
                problems.append(
                    _problem(
                        f"routes[{i}].stops[{j}].checkpoint",
                        f"no checkpoint with code {stop['checkpoint']} at this property",
                    )
                )
                continue
            stops.append(
                {
                    "checkpoint_id": codes[stop["checkpoint"]],
                    "expected_minutes": stop.get("expected_minutes", 0),
                }
            )
        users = []
        for name in item.get("allowed_users", []):
            if name not in staff:
                problems.append(
                    _problem(f"routes[{i}].allowed_users", f"{name} holds no role at this property")
                )
            else:
                users.append(staff[name])
        values = {
            "name_zh": item["name_zh"],
            "name_en": item.get("name_en", ""),
            "active": item.get("active", True),
            "allowed_roles": item.get("allowed_roles", []),
            "allowed_user_ids": users,
            "stops": stops,
            "windows": [
                {
                    "weekdays": w["weekdays"],
                    "start": _time(w["start"]),
                    "end": _time(w["end"]),
                    "start_tolerance_minutes": w.get("start_tolerance_minutes", 15),
                }
                for w in item.get("windows", [])
            ],
        }
        plans.append((item["code"], values))
    if problems:
        raise InvalidInput(
            f"{filename} refers to things this property does not have:\n"
            + "\n".join(f"  {p['path']}: {p['message']}" for p in problems),
            message_zh=f"{filename} 引用了本项目不存在的内容，共 {len(problems)} 处。",
            code="schema_mismatch",
            details={"problems": problems},
        )
    existing = {
        r.code: r for r in session.scalars(select(Route).where(Route.property_id == prop.id))
    }
    created, updated, unchanged = [], [], []
    for code, values in plans:
        route = existing.get(code)
        if route is None:
            create_route(session, actor, now, prop.id, code=code, **values)
            created.append(code)
        elif _differs(route, values):
            update_route(session, actor, now, route, dict(values))
            updated.append(code)
        else:
            unchanged.append(code)
    session.flush()
    return {"created": created, "updated": updated, "unchanged": unchanged}


def _differs(route: Route, values: dict[str, Any]) -> bool:
    current = {
        "name_zh": route.name_zh,
        "name_en": route.name_en,
        "active": route.active,
        "allowed_roles": sorted(route.allowed_roles),
        "allowed_user_ids": sorted(route.allowed_user_ids),
        "stops": [
            {"checkpoint_id": s.checkpoint_id, "expected_minutes": s.expected_minutes}
            for s in route.stops
        ],
        "windows": grouped_windows(route),
    }
    wanted = {
        **values,
        "allowed_roles": sorted(values["allowed_roles"]),
        "allowed_user_ids": sorted(values["allowed_user_ids"]),
        "windows": sorted(
            [{**w, "weekdays": sorted(w["weekdays"])} for w in values["windows"]],
            key=lambda w: (w["start"], w["end"]),
        ),
    }
    return current != wanted
