"""Test fixtures: real databases (SQLite, or PostgreSQL with XUNJIAN_TEST_DATABASE_URL), a real
SeaweedFS, the demo company loaded once per session, and one rolled-back transaction per test.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from xunjian.app import create_app
from xunjian.auth.accounts import hash_token
from xunjian.auth.models import ApiToken, User
from xunjian.clock import FrozenClock
from xunjian.config import load_settings
from xunjian.db import make_engine
from xunjian.demo import DEMO_PASSWORD, load_demo
from xunjian.migrations import migrate
from xunjian.org.models import Property
from xunjian.seaweed import SeaweedProcess
from xunjian.storage import ObjectStore
from xunjian.tasks import configure_celery, use_sessions

# The suite's webhook and push receivers listen on 127.0.0.1; periodic tasks read this from the
# environment like a deployment does (tests/security/test_ssrf.py turns it off).
os.environ.setdefault("XUNJIAN_OUTBOUND_ALLOW_PRIVATE", "true")

TEST_ACCESS_KEY = "xunjian-test"
TEST_SECRET_KEY = "xunjian-test-secret"
# A fixed instant on a Monday morning in Shenzhen, so calendar-dependent tests are stable.
T0 = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)  # 09:30 Asia/Shanghai


def _database_url(tmp_dir: Any) -> tuple[str, Any]:
    """The session's database URL and a cleanup callable."""
    pg = os.environ.get("XUNJIAN_TEST_DATABASE_URL", "")
    if not pg:
        return f"sqlite:///{tmp_dir / 'test.db'}", lambda: None
    # A fresh database per run: leftovers of an earlier run can never leak into this one.
    name = f"xunjian_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = pg.rpartition("/")

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"{base}/{name}", drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, cleanup = _database_url(tmp_path_factory.mktemp("db"))
    migrate(url)
    engine = make_engine(url)
    factory = sessionmaker(bind=engine)
    with factory() as session:
        load_demo(session, DEMO_PASSWORD)
        session.commit()
    engine.dispose()
    yield url
    cleanup()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection per test inside a transaction that is rolled back at the end."""
    conn = engine.connect().execution_options(sqlite_begin="DEFERRED")
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def sessions(connection: Connection) -> sessionmaker[Session]:
    # Request code calls commit(); on this connection that only releases a savepoint.
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as s:
        yield s


# --- object storage -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedProcess]:
    proc = SeaweedProcess(
        data_dir=tmp_path_factory.mktemp("seaweed") / "data",
        access_key=TEST_ACCESS_KEY,
        secret_key=TEST_SECRET_KEY,
    )
    proc.start(timeout=90)
    try:
        yield proc
    finally:
        proc.stop()


def _drop_bucket(endpoint: str, bucket: str) -> None:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=TEST_ACCESS_KEY,
        aws_secret_access_key=TEST_SECRET_KEY,
        region_name="us-east-1",
    )
    with contextlib.suppress(Exception):
        client.delete_bucket(Bucket=bucket)


@pytest.fixture(scope="session")
def app_store(seaweed: SeaweedProcess) -> Iterator[ObjectStore]:
    """The bucket the app under test writes to (one per session: buckets are costly in weed)."""
    bucket = f"app-{uuid.uuid4().hex[:12]}"
    store = ObjectStore(seaweed.endpoint, bucket, TEST_ACCESS_KEY, TEST_SECRET_KEY)
    store.ensure_bucket()
    yield store
    _drop_bucket(seaweed.endpoint, bucket)


@pytest.fixture
def object_store(seaweed: SeaweedProcess) -> Iterator[ObjectStore]:
    """An ObjectStore on a fresh bucket, so a test never sees another test's objects."""
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    store = ObjectStore(seaweed.endpoint, bucket, TEST_ACCESS_KEY, TEST_SECRET_KEY)
    store.ensure_bucket()
    yield store
    _drop_bucket(seaweed.endpoint, bucket)


# --- the app --------------------------------------------------------------------------------


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def settings(database_url: str, tmp_path: Any, seaweed: SeaweedProcess) -> Any:
    return load_settings(
        {},
        env="test",
        database_url=database_url,
        data_dir=tmp_path,
        log_json=False,
        log_level="WARNING",
        s3_endpoint=seaweed.endpoint,
        # Generous, so tests that log in many times do not trip the limit by accident.
        login_rate_per_minute=1000,
        outbound_allow_private=True,
    )


@pytest.fixture
def app(
    settings: Any, sessions: sessionmaker[Session], clock: FrozenClock, app_store: ObjectStore
) -> Flask:
    configure_celery("")
    use_sessions(sessions)
    return create_app(settings, sessions=sessions, clock=clock, store_factory=lambda: app_store)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class Demo:
    """Ids of the demo records, for building URLs in tests."""

    cuihu: int
    jinrong: int


@pytest.fixture
def demo(session: Session) -> Demo:
    ids = dict(session.execute(select(Property.code, Property.id)).all())
    return Demo(cuihu=ids["CUIHU"], jinrong=ids["JINRONG"])


@pytest.fixture
def token_for(session: Session, clock: FrozenClock) -> Any:
    """Issue a bearer token for a demo user directly (skips Argon2 to keep tests fast)."""

    def issue(username: str) -> dict[str, str]:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None, username
        token = uuid.uuid4().hex
        session.add(
            ApiToken(
                user_id=user.id,
                token_hash=hash_token(token),
                created_at=clock.now(),
                expires_at=clock.now() + dt.timedelta(days=1),
            )
        )
        session.commit()
        return {"Authorization": f"Bearer {token}"}

    return issue


@pytest.fixture
def as_user(client: FlaskClient, token_for: Any) -> Any:
    """``as_user("fm1").get(url)``: a client that sends that user's token."""

    class _As:
        def __init__(self, headers: dict[str, str]) -> None:
            self.headers = headers

        def open(self, method: str, url: str, **kw: Any) -> Any:
            headers = {**self.headers, **kw.pop("headers", {})}
            return client.open(url, method=method, headers=headers, **kw)

        def get(self, url: str, **kw: Any) -> Any:
            return self.open("GET", url, **kw)

        def post(self, url: str, **kw: Any) -> Any:
            return self.open("POST", url, **kw)

        def patch(self, url: str, **kw: Any) -> Any:
            return self.open("PATCH", url, **kw)

        def delete(self, url: str, **kw: Any) -> Any:
            return self.open("DELETE", url, **kw)

    return lambda username: _As(token_for(username))


@pytest.fixture
def etag_header() -> dict[str, str]:
    """If-Match: * — for matrix tests that are about access, not about stale writes."""
    return {"If-Match": "*"}


@dataclass
class LiveServer:
    url: str
    demo_password: str
    sessions: sessionmaker[Session]


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, seaweed: SeaweedProcess
) -> Iterator[LiveServer]:
    """A real HTTP server (threaded werkzeug) on its own migrated database with the demo loaded.

    Browser tests need committed data that other connections see, so this server does not use
    the rolled-back per-test transaction.
    """
    import threading

    from werkzeug.serving import make_server

    tmp = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{tmp / 'live.db'}"
    migrate(url)
    sessions = sessionmaker(bind=make_engine(url), expire_on_commit=False)
    with sessions() as s:
        load_demo(s, DEMO_PASSWORD)
        s.commit()
    bucket = f"live-{uuid.uuid4().hex[:12]}"
    store = ObjectStore(seaweed.endpoint, bucket, TEST_ACCESS_KEY, TEST_SECRET_KEY)
    store.ensure_bucket()
    settings = load_settings(
        {},
        env="test",
        database_url=url,
        data_dir=tmp,
        log_json=False,
        log_level="WARNING",
        s3_endpoint=seaweed.endpoint,
        login_rate_per_minute=1000,
    )
    app = create_app(settings, sessions=sessions, store_factory=lambda: store)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{server.server_port}",
            demo_password=DEMO_PASSWORD,
            sessions=sessions,
        )
    finally:
        server.shutdown()
        _drop_bucket(seaweed.endpoint, bucket)


# Tests whose outcome does not depend on the database under test: the browser tests and the
# run-command test bring their own SQLite; storage and imaging touch no database. The
# PostgreSQL pass of `make test` deselects them (`-m "not db_independent"`) instead of running
# them twice.
_DB_INDEPENDENT = (
    "tests/e2e/",
    "tests/storage/",
    "tests/evidence/test_imaging.py",
    "tests/platform/test_serve.py",
)


# Lines a test wants in the CI output whatever the capture mode (e.g. the fuzz run's seed and
# counts): printed in the terminal summary, which `pytest -q` shows too.
_REPORT_LINES = pytest.StashKey[list[str]]()


def report_line(config: pytest.Config, line: str) -> None:
    config.stash.setdefault(_REPORT_LINES, []).append(line)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if lines := config.stash.get(_REPORT_LINES, []):
        terminalreporter.section("test reports")
        for line in lines:
            terminalreporter.line(line)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = item.nodeid.replace("\\", "/")
        if path.startswith(_DB_INDEPENDENT):
            item.add_marker(pytest.mark.db_independent)
