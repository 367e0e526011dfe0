"""Fixtures for the security tests: a real HTTP server on its own committed database.

The per-test rolled-back transaction of tests/conftest.py cannot show locking between requests:
here every request commits for real, on SQLite or on PostgreSQL (XUNJIAN_TEST_DATABASE_URL),
and each test gets a fresh database that is dropped afterwards.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker
from werkzeug.serving import make_server

from tests.conftest import TEST_ACCESS_KEY, TEST_SECRET_KEY, _database_url, _drop_bucket
from xunjian.app import create_app
from xunjian.config import load_settings
from xunjian.db import make_engine
from xunjian.demo import DEMO_PASSWORD, load_demo
from xunjian.migrations import migrate
from xunjian.seaweed import SeaweedProcess
from xunjian.storage import ObjectStore


@dataclass
class CommittedServer:
    url: str
    host: str
    port: int
    store: ObjectStore
    sessions: sessionmaker[Any]


@pytest.fixture
def committed_server(tmp_path: Any, seaweed: SeaweedProcess) -> Iterator[CommittedServer]:
    database_url, drop_database = _database_url(tmp_path)
    migrate(database_url)
    engine = make_engine(database_url)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    with sessions() as s:
        load_demo(s, DEMO_PASSWORD)
        s.commit()
    bucket = f"sec-{uuid.uuid4().hex[:12]}"
    store = ObjectStore(seaweed.endpoint, bucket, TEST_ACCESS_KEY, TEST_SECRET_KEY)
    store.ensure_bucket()
    settings = load_settings(
        {},
        env="test",
        database_url=database_url,
        data_dir=tmp_path,
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
        yield CommittedServer(
            url=f"http://127.0.0.1:{server.server_port}",
            host="127.0.0.1",
            port=server.server_port,
            store=store,
            sessions=sessions,
        )
    finally:
        server.shutdown()
        server.server_close()
        engine.dispose()
        _drop_bucket(seaweed.endpoint, bucket)
        drop_database()
