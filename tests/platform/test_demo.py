"""The full demo (`xunjian demo`): loaded once into a fresh database of its own (the suite's
shared database keeps the bare demo), then read through the real API as each role would.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import _database_url
from xunjian.app import create_app
from xunjian.auth.accounts import hash_token
from xunjian.auth.models import ApiToken, User
from xunjian.cli import main
from xunjian.clock import FrozenClock
from xunjian.config import load_settings
from xunjian.db import make_engine
from xunjian.demo import DEMO_PASSWORD, load_demo
from xunjian.evidence.integrity import Signer, new_seed_b64
from xunjian.evidence.models import Evidence, Loan
from xunjian.evidence.states import LOAN, REVIEW
from xunjian.migrations import migrate
from xunjian.org.models import Property
from xunjian.patrol.models import Alert, Checkpoint, Finding, Handover, Route, Run
from xunjian.patrol.states import ALERT, FINDING, HANDOVER, RUN
from xunjian.renovation.models import Measure, Notice, Renovation, Settlement
from xunjian.renovation.states import MEASURE, NOTICE, RENOVATION, SETTLEMENT
from xunjian.workorders.models import ServiceRequest, WorkOrder
from xunjian.workorders.states import ORDER, REQUEST

# Wednesday 2026-11-25 15:10 in Shenzhen: mid-afternoon, rounds still ahead today.
NOW = dt.datetime(2026, 11, 25, 7, 10, tzinfo=dt.UTC)


class Loaded:
    def __init__(self, url: str, sessions: sessionmaker[Session], counts: dict[str, int]):
        self.url, self.sessions, self.counts = url, sessions, counts


def table_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as s:
        names = inspect(s.get_bind()).get_table_names()
        return {
            n: s.execute(text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one()
            for n in names
            if n != "alembic_version"
        }


@pytest.fixture(scope="module")
def full_demo(tmp_path_factory: pytest.TempPathFactory, app_store: Any) -> Iterator[Loaded]:
    url, cleanup = _database_url(tmp_path_factory.mktemp("demo"))
    migrate(url)
    engine = make_engine(url)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    signer = Signer.from_seed_b64(new_seed_b64())
    with sessions() as s:
        first = load_demo(s, DEMO_PASSWORD, history=True, store=app_store, signer=signer, now=NOW)
        s.commit()
    assert first.created and first.history["runs"] > 100
    try:
        yield Loaded(url, sessions, table_counts(sessions))
    finally:
        engine.dispose()
        cleanup()


@pytest.fixture(scope="module")
def demo_client(full_demo: Loaded, app_store: Any, seaweed: Any, tmp_path_factory: Any) -> Any:
    settings = load_settings(
        {},
        env="test",
        database_url=full_demo.url,
        data_dir=tmp_path_factory.mktemp("demo-app"),
        log_json=False,
        log_level="WARNING",
        s3_endpoint=seaweed.endpoint,
    )
    app = create_app(
        settings,
        sessions=full_demo.sessions,
        clock=FrozenClock(NOW),
        store_factory=lambda: app_store,
    )
    return app.test_client()


@pytest.fixture(scope="module")
def ids(full_demo: Loaded) -> dict[str, int]:
    with full_demo.sessions() as s:
        return dict(s.execute(select(Property.code, Property.id)).all())  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def get(full_demo: Loaded, demo_client: Any) -> Any:
    """``get("fm1", url)``: the JSON of a GET as that demo user (200 asserted)."""
    tokens: dict[str, str] = {}

    def token(username: str) -> str:
        if username not in tokens:
            with full_demo.sessions() as s:
                user = s.scalar(select(User).where(User.username == username))
                assert user is not None
                tokens[username] = uuid.uuid4().hex
                s.add(
                    ApiToken(
                        user_id=user.id,
                        token_hash=hash_token(tokens[username]),
                        created_at=NOW,
                        expires_at=NOW + dt.timedelta(days=1),
                    )
                )
                s.commit()
        return tokens[username]

    def fetch(username: str, url: str, *, raw: bool = False) -> Any:
        response = demo_client.get(
            f"/api/v1{url}", headers={"Authorization": f"Bearer {token(username)}"}
        )
        assert response.status_code == 200, (url, response.get_json())
        return response if raw else response.get_json()

    return fetch


# --- every role's home shows real work ------------------------------------------------------


def test_floor_manager_has_rounds_ahead_today_and_open_sites(
    full_demo: Loaded, get: Any, ids: dict[str, int]
):
    """What the floor manager's home lists: routes they may run with windows still ahead
    today, their rounds walked today, and renovation sites to inspect."""
    local = NOW.astimezone(ZoneInfo("Asia/Shanghai"))
    routes = get("fm1", f"/patrol/properties/{ids['CUIHU']}/routes?active=true&limit=100")
    assert 3 <= len(routes["items"]) <= 4
    ahead = [
        w["start"]
        for r in routes["items"]
        if "floor_manager" in r["allowed_roles"]
        for w in r["windows"]
        if local.isoweekday() in w["weekdays"] and w["start"] > local.strftime("%H:%M")
    ]
    assert ahead, "no round ahead today"
    with full_demo.sessions() as s:
        fm1 = s.scalar(select(User.id).where(User.username == "fm1"))
    day = local.date().isoformat()
    walked = get("fm1", f"/patrol/properties/{ids['CUIHU']}/runs?date={day}&runner_id={fm1}")
    assert walked["items"]
    assert get("fm1", "/renovation/my-sites")["items"]
    board = get("sup1", f"/patrol/properties/{ids['CUIHU']}/board")
    assert "upcoming" in {w["status"] for w in board["windows"]}


def test_supervisor_sees_review_queue_late_and_missed_rounds_and_overdue_items(
    get: Any, ids: dict[str, int]
):
    cuihu = ids["CUIHU"]
    assert get("sup1", f"/evidence?review_status=pending&property_id={cuihu}&limit=20")["items"]
    alerts = get("sup1", f"/patrol/properties/{cuihu}/alerts")["items"]
    assert {a["state"] for a in alerts} >= {"open", "acknowledged"}
    runs = get("sup1", f"/patrol/properties/{cuihu}/runs?limit=200")["items"]
    assert any(f["code"] == "late_start" for r in runs for f in r["flags"])
    assert get("sup1", f"/workorders?property_id={cuihu}&overdue=true&limit=100")["items"]
    assert get("sup1", f"/renovation/open-notices?property_id={cuihu}&overdue=true")["items"]


def test_manager_has_approvals_and_a_month_of_metrics(get: Any, ids: dict[str, int]):
    approvals = get("mgr1", f"/renovation/approvals?property_id={ids['CUIHU']}")
    assert approvals["renovations"] and approvals["measures"] and approvals["settlements"]
    month = NOW.strftime("%Y-%m")
    metrics = get("mgr1", f"/properties/{ids['CUIHU']}/workorder-metrics?month={month}")
    assert metrics["on_time"]["denominator"] >= 10
    assert metrics["rework"]["denominator"] >= 10 and metrics["visit_repairs"]["numerator"] > 0
    assert metrics["backlog_total"] > 0


def test_engineer_has_orders_to_do(full_demo: Loaded, get: Any, ids: dict[str, int]):
    with full_demo.sessions() as s:
        eng1 = s.scalar(select(User.id).where(User.username == "eng1"))
    mine = get("eng1", f"/workorders?property_id={ids['CUIHU']}&open=true&assignee_id={eng1}")
    assert {o["state"] for o in mine["items"]} >= {"assigned", "accepted"}


def test_night_duty_has_spot_checks_and_loans_one_overdue(get: Any, ids: dict[str, int]):
    cuihu = ids["CUIHU"]
    assert len(get("night1", f"/patrol/properties/{cuihu}/spot-checks?limit=50")["items"]) >= 8
    loans = get("night1", f"/loans?property_id={cuihu}&state=borrowed&limit=50")["items"]
    overdue = [x for x in loans if dt.datetime.fromisoformat(x["due_at"]) < NOW]
    assert len(overdue) == 1
    assert get("night1", f"/patrol/properties/{cuihu}/handovers?limit=10")["items"]


def test_front_desk_has_requests_and_return_visits(get: Any, ids: dict[str, int]):
    cuihu = ids["CUIHU"]
    assert get("fd1", f"/requests?property_id={cuihu}&state=open&limit=20")["items"]
    assert get("fd1", f"/properties/{cuihu}/visit-queue?limit=20")["items"]
    assert get("fd1", f"/workorders?property_id={cuihu}&state=done&limit=50")["items"]


def test_spot_checks_meet_quota_at_one_property_and_miss_it_at_the_other(
    get: Any, ids: dict[str, int]
):
    month = NOW.strftime("%Y-%m")
    cuihu = get("night1", f"/patrol/properties/{ids['CUIHU']}/spot-check-compliance?month={month}")
    jinrong = get(
        "sup2", f"/patrol/properties/{ids['JINRONG']}/spot-check-compliance?month={month}"
    )
    assert cuihu["compliant"] and not jinrong["compliant"]
    assert cuihu["storm_days_covered"]


def test_the_qr_label_sheet_prints_every_checkpoint(get: Any, ids: dict[str, int]):
    sheet = get("sup1", f"/patrol/properties/{ids['CUIHU']}/labels.pdf", raw=True)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(sheet.data)).pages)
    for n in range(1, 13):
        assert f"编号 CH{n:02d}" in text
    assert sheet.data.count(b"/Subtype /Image") >= 12  # one QR code per label


# --- the data behind it -------------------------------------------------------------------


MACHINES = [
    (Renovation.state, RENOVATION),
    (Notice.state, NOTICE),
    (Measure.state, MEASURE),
    (Settlement.state, SETTLEMENT),
    (Run.state, RUN),
    (Finding.status, FINDING),
    (Alert.state, ALERT),
    (Handover.state, HANDOVER),
    (ServiceRequest.state, REQUEST),
    (WorkOrder.state, ORDER),
    (Evidence.review_status, REVIEW),
    (Loan.state, LOAN),
]


@pytest.mark.parametrize("column, machine", MACHINES, ids=[m.name for _, m in MACHINES])
def test_every_state_of_every_machine_is_in_the_demo(full_demo: Loaded, column: Any, machine: Any):
    with full_demo.sessions() as s:
        present = set(s.scalars(select(column).distinct()))
    assert present == set(machine.states)


def test_checkpoints_routes_and_a_realistic_share_of_bad_rounds(full_demo: Loaded):
    with full_demo.sessions() as s:
        per_property = s.execute(
            select(Checkpoint.property_id, func.count(), func.count(Checkpoint.qr_token)).group_by(
                Checkpoint.property_id
            )
        ).all()
        assert len(per_property) == 2
        assert all(8 <= n <= 15 and tokens == n for _, n, tokens in per_property)
        routes = s.execute(select(Route.property_id, func.count()).group_by(Route.property_id))
        assert all(3 <= n <= 4 for _, n in routes)
        runs = s.scalars(select(Run).where(Run.state != "in_progress")).all()
        late = sum(any(f["code"] == "late_start" for f in r.flags) for r in runs)
        early = sum(r.state == "ended_early" for r in runs)
        missed = s.scalar(select(func.count()).select_from(Alert).where(Alert.run_id.is_(None)))
        assert 0.03 < late / len(runs) < 0.25
        assert 0.02 < early / len(runs) < 0.15
        assert missed and 0.03 < missed / len(runs) < 0.2
        assert s.scalar(select(Loan.id).where(Loan.state == "borrowed", Loan.due_at < NOW))


def test_problem_findings_carry_stamped_photos_in_the_store(full_demo: Loaded, app_store: Any):
    with full_demo.sessions() as s:
        problems = s.scalars(select(Finding).where(Finding.outcome == "problem")).all()
        assert problems
        photo_ids = [uuid.UUID(p) for f in problems for p in f.photo_client_ids]
        assert len(photo_ids) >= len(problems)
        photos = s.scalars(select(Evidence).where(Evidence.client_id.in_(photo_ids))).all()
        assert len(photos) == len(photo_ids)
        assert {p.derivatives_state for p in photos} == {"ready"}
        sample = photos[0]
        assert sample.display_key and app_store.exists(sample.display_key)
        assert app_store.exists(sample.original_key)


def test_loading_again_changes_nothing(full_demo: Loaded, app_store: Any):
    before = table_counts(full_demo.sessions)  # the API tests above may have issued tokens
    assert before["patrol_runs"] == full_demo.counts["patrol_runs"]
    with full_demo.sessions() as s:
        again = load_demo(
            s,
            DEMO_PASSWORD,
            history=True,
            store=app_store,
            signer=Signer.from_seed_b64(new_seed_b64()),
            now=NOW + dt.timedelta(hours=5),
        )
        s.commit()
    assert not again.created and not again.history
    assert table_counts(full_demo.sessions) == before


def test_the_same_seed_gives_the_same_history(full_demo: Loaded, app_store: Any, tmp_path: Any):
    """Deterministic: a second database loaded with the same seed and time holds the same
    records (compared by their client UUIDs, drawn from the seeded generator)."""
    url = f"sqlite:///{tmp_path / 'again.db'}"
    migrate(url)
    engine = make_engine(url)
    other = sessionmaker(bind=engine)
    with other() as s:
        load_demo(
            s,
            DEMO_PASSWORD,
            history=True,
            store=app_store,
            signer=Signer.from_seed_b64(new_seed_b64()),
            now=NOW,
        )
        s.commit()

    def fingerprint(sessions: sessionmaker[Session]) -> tuple[Any, ...]:
        with sessions() as s:
            return (
                sorted(str(c) for c in s.scalars(select(WorkOrder.client_id))),
                sorted((str(r.client_id), r.state) for r in s.scalars(select(Run))),
                sorted(str(c) for c in s.scalars(select(Evidence.client_id))),
            )

    try:
        assert fingerprint(other) == fingerprint(full_demo.sessions)
    finally:
        engine.dispose()


def test_demo_empty_loads_structure_and_accounts_only(tmp_path: Any, monkeypatch: Any):
    monkeypatch.setenv("XUNJIAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("XUNJIAN_DATABASE_URL", f"sqlite:///{tmp_path / 'bare.db'}")
    monkeypatch.delenv("XUNJIAN_S3_ENDPOINT", raising=False)
    result = CliRunner().invoke(main, ["demo", "--empty"])
    assert result.exit_code == 0, result.output
    assert "fm1" in result.output and DEMO_PASSWORD in result.output
    engine = make_engine(f"sqlite:///{tmp_path / 'bare.db'}")
    try:
        with Session(engine) as s:
            assert s.scalar(select(func.count()).select_from(User)) == 12
            assert s.scalar(select(func.count()).select_from(Checkpoint)) == 0
            assert s.scalar(select(func.count()).select_from(Run)) == 0
    finally:
        engine.dispose()
    again = CliRunner().invoke(main, ["demo", "--empty"])
    assert again.exit_code == 0 and "already loaded" in again.output
