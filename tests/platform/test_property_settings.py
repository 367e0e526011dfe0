"""Property settings: the keys the code reads are checked when they are written (422 naming the
key, in English and Chinese); unknown keys pass; rows saved before the check still work."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from xunjian.org import settings as property_settings
from xunjian.org.models import Property
from xunjian.renovation.models.vocabulary import SEVERITIES
from xunjian.workorders.requests import DEFAULT_REPLY_WORKING_DAYS
from xunjian.workorders.sla import DEFAULT_SLA_HOURS

P = "/api/v1/properties"

GOOD: dict[str, Any] = {
    "renovation_hours": {"weekday": [["07:30", "11:30"], ["13:30", "18:00"]], "weekend": []},
    "renovation_deadline_days": {"critical": 0, "major": 2, "minor": 10},
    "spot_check_quota": 6,
    "spot_check_night_hours": {"start": "20:00", "end": "05:30"},
    "finding_photo_required": False,
    "patrol_max_gps_accuracy_m": 50.5,
    "loan_return_time": "18:00",
    "upload_deadline": "20:30",
    "clock_skew_minutes": 5,
    "complaint_reply_working_days": {"oral": 1, "written": 2},
    "workorder_sla": {"urgent": {"response_hours": 0.25, "completion_hours": 2}},
    "workorder_escalation": {"supervisor_working_days": 2, "manager_working_days": 5},
    "some_future_key": {"anything": ["goes"]},  # unknown keys stay allowed
}

BAD: list[tuple[str, Any]] = [
    ("renovation_hours", "08:00-18:00"),
    ("renovation_hours", {"weekday": [["8am", "noon"]]}),
    ("renovation_hours", {"weekday": [["12:00", "08:00"]]}),
    ("renovation_hours", {"weekday": [["08:00"]]}),
    ("renovation_hours", {"holiday": [["08:00", "12:00"]]}),
    ("renovation_deadline_days", {"minor": "three"}),
    ("renovation_deadline_days", {"minor": -1}),
    ("renovation_deadline_days", {"minor": 366}),
    ("renovation_deadline_days", {"minor": 2.5}),
    ("renovation_deadline_days", {"minor": True}),
    ("renovation_deadline_days", {"trivial": 3}),
    ("renovation_deadline_days", [7]),
    ("spot_check_quota", "4"),
    ("spot_check_quota", 101),
    ("spot_check_quota", False),
    ("spot_check_night_hours", "22:00-06:00"),
    ("spot_check_night_hours", {"start": "22:00"}),
    ("spot_check_night_hours", {"start": "22:00", "end": "22:00"}),
    ("spot_check_night_hours", {"start": "10pm", "end": "6am"}),
    ("finding_photo_required", "no"),
    ("patrol_max_gps_accuracy_m", 0),
    ("loan_return_time", "5:30pm"),
    ("upload_deadline", 1800),
    ("clock_skew_minutes", -1),
    ("complaint_reply_working_days", {"oral": -1}),
    ("complaint_reply_working_days", {"email": 1}),
    ("workorder_sla", {"urgent": {"response_hours": 0}}),
    ("workorder_sla", {"asap": {"response_hours": 1}}),
    ("workorder_sla", {"urgent": 4}),
    ("workorder_escalation", {"supervisor_working_days": 0}),
    ("workorder_escalation", {"director_working_days": 3}),
]


def _assert_names(r: Any, key: str) -> None:
    assert r.status_code == 422, r.json
    body = r.json
    assert body["code"] == "invalid_setting"
    assert body["details"]["setting"] == key
    assert list(body["details"]["fields"]["json"]) == [f"settings.{key}"]
    assert key in body["message"] and "must be" in body["message"]
    assert key in body["details"]["message_zh"] and "须为" in body["details"]["message_zh"]


def test_create_with_good_settings_keeps_them(as_user):
    r = as_user("admin").post(
        P,
        json={
            "code": "SET1",
            "name_zh": "设置项目",
            "client_id": str(uuid.uuid4()),
            "settings": GOOD,
        },
    )
    assert r.status_code == 201, r.json
    assert r.json["settings"] == GOOD


@pytest.mark.parametrize(("key", "value"), BAD)
def test_create_with_a_bad_known_setting_is_refused(as_user, key, value):
    body = {"code": "SET2", "name_zh": "设置项目", "client_id": str(uuid.uuid4())}
    r = as_user("admin").post(P, json={**body, "settings": {"some_future_key": 1, key: value}})
    _assert_names(r, key)
    # nothing was created: the same create with good settings succeeds
    assert as_user("admin").post(P, json={**body, "settings": {}}).status_code == 201


def test_patching_settings_is_checked_but_other_fields_ignore_old_bad_rows(as_user, session, demo):
    admin = as_user("admin")
    url = f"{P}/{demo.cuihu}"

    def patch(body: dict[str, Any]) -> Any:
        return admin.patch(url, json=body, headers={"If-Match": admin.get(url).headers["ETag"]})

    _assert_names(
        patch({"settings": {"renovation_deadline_days": {"major": 0.5}}}),
        "renovation_deadline_days",
    )
    _assert_names(
        patch({"settings": {"renovation_hours": {"weekday": "all day"}}}), "renovation_hours"
    )
    r = patch({"settings": {"renovation_deadline_days": {"minor": 10}, "x_later": True}})
    assert r.status_code == 200, r.json
    assert r.json["settings"] == {"renovation_deadline_days": {"minor": 10}, "x_later": True}

    # A row saved before the check may hold a bad value: renaming the property still works.
    prop = session.scalar(select(Property).where(Property.id == demo.cuihu))
    prop.settings = {"spot_check_quota": "lots"}
    session.commit()
    r = patch({"name_en": "Cuihu Garden"})
    assert r.status_code == 200, r.json
    assert r.json["settings"] == {"spot_check_quota": "lots"}


def test_the_checks_know_the_readers_vocabularies():
    # The check keeps its own copies (org does not import the areas); they must not drift.
    assert property_settings.SEVERITIES == SEVERITIES
    assert set(property_settings.PRIORITIES) == set(DEFAULT_SLA_HOURS)
    assert set(property_settings.REPLY_FORMS) == set(DEFAULT_REPLY_WORKING_DAYS)
