from __future__ import annotations

import datetime as dt
import textwrap
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from xunjian.cli import main
from xunjian.config import SettingsError, load_settings
from xunjian.org.calendar import WorkingCalendar
from xunjian.tasks import InProcessScheduler


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"XUNJIAN_ENV": "staging"}, "XUNJIAN_ENV"),
        ({"XUNJIAN_MAX_UPLOAD_BYTES": "lots"}, "XUNJIAN_MAX_UPLOAD_BYTES"),
        ({"XUNJIAN_PAGE_SIZE_MAX": "-3"}, "XUNJIAN_PAGE_SIZE_MAX"),
        ({"XUNJIAN_LOG_JSON": "perhaps"}, "XUNJIAN_LOG_JSON"),
        ({"XUNJIAN_DATABASE_URL": "mysql://x"}, "XUNJIAN_DATABASE_URL"),
        ({"XUNJIAN_ENV": "production"}, "XUNJIAN_DATABASE_URL"),
        (
            {"XUNJIAN_ENV": "production", "XUNJIAN_DATABASE_URL": "postgresql+psycopg://db/x"},
            "XUNJIAN_SECRET_KEY",
        ),
    ],
)
def test_bad_settings_name_the_variable(env, named):
    with pytest.raises(SettingsError, match=named):
        load_settings(env)


def test_defaults_are_embedded(tmp_path):
    settings = load_settings({"XUNJIAN_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'xunjian.db'}"
    assert settings.s3_endpoint == "" and settings.celery_broker_url == ""


def test_working_calendar_with_holidays_and_makeup_days():
    cal = WorkingCalendar(
        timezone=ZoneInfo("Asia/Shanghai"),
        weekdays=frozenset({1, 2, 3, 4, 5}),
        exceptions={dt.date(2026, 11, 30): False, dt.date(2026, 11, 29): True},
        day_start=dt.time(8),
        day_end=dt.time(17),
    )
    friday_afternoon = dt.datetime(2026, 11, 27, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    # Saturday 28 off, Sunday 29 a make-up working day (调休), Monday 30 a holiday.
    due = cal.add_working_days(friday_afternoon, 1)
    assert due == dt.datetime(2026, 11, 29, 17, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert cal.add_working_days(friday_afternoon, 2).date() == dt.date(2026, 12, 1)
    assert (
        cal.working_days_between(friday_afternoon, friday_afternoon + dt.timedelta(days=4)) == 2
    )  # Sun 29, Tue 1


def test_import_reports_problems_with_line_numbers(tmp_path, database_url):
    bad = tmp_path / "estate.yaml"
    bad.write_text(
        textwrap.dedent(
            """\
            property:
              code: NEWP
              name_zh: 新项目
            buildings:
              - code: A
                name_zh: A栋
                floors:
                  - level: high
                    name: 1F
              - code: B
                latitude: 123
            """
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main, ["import", str(bad), "--admin", "admin"], env={"XUNJIAN_DATABASE_URL": database_url}
    )
    assert result.exit_code != 0
    assert "line 8" in result.output and "buildings[0].floors[0].level" in result.output
    assert "line 10" in result.output and "name_zh" in result.output
    assert "line 11" in result.output and "latitude" in result.output


def test_import_is_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"XUNJIAN_DATABASE_URL": url, "XUNJIAN_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    assert runner.invoke(main, ["migrate"], env=env).exit_code == 0
    demo = runner.invoke(main, ["demo", "--empty"], env=env)  # the structure is what matters
    assert demo.exit_code == 0 and "fm1" in demo.output
    again = runner.invoke(main, ["demo", "--empty"], env=env)
    assert "already loaded" in again.output
    estate = tmp_path / "estate.json"
    estate.write_text(
        '{"property": {"code": "P9", "name_zh": "九号"},'
        ' "buildings": [{"code": "A", "name_zh": "A栋",'
        ' "floors": [{"level": 1, "name": "1F", "units": [{"number": "101"}]}]}]}',
        encoding="utf-8",
    )
    first = runner.invoke(main, ["import", str(estate), "--admin", "admin"], env=env)
    assert first.exit_code == 0, first.output
    assert '"units_created": 1' in first.output
    second = runner.invoke(main, ["import", str(estate), "--admin", "admin"], env=env)
    assert second.exit_code == 0 and "units_created" not in second.output


def test_create_admin(tmp_path):
    env = {
        "XUNJIAN_DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}",
        "XUNJIAN_DATA_DIR": str(tmp_path),
    }
    runner = CliRunner()
    runner.invoke(main, ["migrate"], env=env)
    r = runner.invoke(
        main,
        ["create-admin", "--username", "boss", "--company", "甲公司"],
        input="long-password\nlong-password\n",
        env=env,
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        main,
        ["create-admin", "--username", "boss"],
        input="long-password\nlong-password\n",
        env=env,
    )
    assert r.exit_code != 0 and "already taken" in r.output


def test_in_process_scheduler_fires_periodic_jobs(app, session):
    from sqlalchemy import func, select

    from xunjian.auth.models import ApiToken

    scheduler = InProcessScheduler()
    assert "purge-expired-tokens" in scheduler.run_due(0.0)
    assert scheduler.run_due(1.0) == []  # not due again for an hour
    assert "purge-expired-tokens" in scheduler.run_due(3601.0)
    assert session.scalar(select(func.count()).select_from(ApiToken)) >= 0


def test_pwa_shell_served_with_cache_headers(client):
    index = client.get("/")
    if index.status_code == 404:
        pytest.fail("mobile_pwa/index.html missing")
    assert index.headers["Cache-Control"] == "no-cache"
    assert client.get("/sw.js").headers["Cache-Control"] == "no-cache"
    assert client.get("/../pyproject.toml").status_code == 404
    assert client.get("/server/xunjian/config.py").status_code == 404
