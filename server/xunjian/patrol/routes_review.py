"""Patrol review API: the day board, completion rates, missed-run alerts, the Patrol Register."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response

from ..org import localtime
from ..web.access import load_for, property_for
from ..web.conditional import check_if_match, set_etag
from ..web.context import commit, current_actor, db, now
from ..web.downloads import file_response
from ..web.pagination import paginate_request
from ..web.smorest import Blueprint
from . import queries, register, schedule
from .models import Alert
from .planning import user_names
from .schemas_review import (
    AlertPageSchema,
    AlertQueryArgsSchema,
    AlertSchema,
    BoardArgsSchema,
    CompletionArgsSchema,
    CompletionSchema,
    DayBoardSchema,
    RegisterArgsSchema,
    RegisterSchema,
)

blp = Blueprint(
    "patrol_review",
    __name__,
    url_prefix="/patrol",
    description="Supervising patrols: schedules, alerts, the Patrol Register (巡查登记表)",
)


@blp.route("/properties/<int:property_id>/board", methods=["GET"])
@blp.arguments(BoardArgsSchema, location="query")
@blp.response(200, DayBoardSchema)
def board(args: dict[str, Any], property_id: int) -> dict[str, Any]:
    """The day's scheduled runs (property time zone): done, in_progress, late, missed, upcoming."""
    prop = property_for(property_id, "patrol.review")
    day = args.get("date") or localtime.local_day(prop, now())
    return schedule.day_board(db(), prop, day, now())


@blp.route("/properties/<int:property_id>/completion", methods=["GET"])
@blp.arguments(CompletionArgsSchema, location="query")
@blp.response(200, CompletionSchema)
def completion(args: dict[str, Any], property_id: int) -> dict[str, Any]:
    """Per person over a period (default: the last 30 days up to today)."""
    prop = property_for(property_id, "patrol.review")
    to = args.get("to") or localtime.local_day(prop, now())
    date_from = args.get("from_") or to - dt.timedelta(days=29)
    result = schedule.completion(db(), prop, date_from, to, now())
    names = user_names(db(), [p["user_id"] for p in result["people"]])
    for person in result["people"]:
        person["name"] = names.get(person["user_id"], "")
    return result


@blp.route("/properties/<int:property_id>/alerts", methods=["GET"])
@blp.arguments(AlertQueryArgsSchema, location="query")
@blp.response(200, AlertPageSchema)
def alerts(args: dict[str, Any], property_id: int) -> dict[str, Any]:
    """Missed-run alerts, newest first."""
    prop = property_for(property_id, "patrol.review")
    stmt = queries.alerts(prop.id, args.get("state"))
    return paginate_request(stmt, Alert.id, args, descending=True).out()


@blp.route("/alerts/<int:alert_id>/acknowledge", methods=["POST"])
@blp.response(200, AlertSchema)
def acknowledge(alert_id: int) -> Alert:
    alert: Alert = load_for(Alert, alert_id, "patrol.review")
    check_if_match(alert)
    schedule.acknowledge_alert(db(), current_actor(), now(), alert)
    commit()
    set_etag(alert)
    return alert


def _register_data(args: dict[str, Any], property_id: int) -> tuple[Any, dict[str, Any]]:
    prop = property_for(property_id, "patrol.read")
    day = args.get("date") or localtime.local_day(prop, now())
    return prop, register.register_day(db(), prop, day)


@blp.route("/properties/<int:property_id>/register", methods=["GET"])
@blp.arguments(RegisterArgsSchema, location="query")
@blp.response(200, RegisterSchema)
def register_json(args: dict[str, Any], property_id: int) -> dict[str, Any]:
    """The Patrol Register of a day: every run, check-in and finding."""
    return _register_data(args, property_id)[1]


@blp.route("/properties/<int:property_id>/register.csv", methods=["GET"])
@blp.arguments(RegisterArgsSchema, location="query")
@blp.response(200, description="UTF-8 CSV (with BOM, for Excel)", content_type="text/csv")
def register_csv(args: dict[str, Any], property_id: int) -> Response:
    prop, data = _register_data(args, property_id)
    return file_response(
        register.register_csv(data, args["lang"]),
        "text/csv",
        f"patrol-register-{prop.code}-{data['day']}.csv",
    )


@blp.route("/properties/<int:property_id>/register.pdf", methods=["GET"])
@blp.arguments(RegisterArgsSchema, location="query")
@blp.response(200, description="printable register (Chinese)", content_type="application/pdf")
def register_pdf(args: dict[str, Any], property_id: int) -> Response:
    prop, data = _register_data(args, property_id)
    return file_response(
        register.register_pdf(data, prop),
        "application/pdf",
        f"patrol-register-{prop.code}-{data['day']}.pdf",
    )
