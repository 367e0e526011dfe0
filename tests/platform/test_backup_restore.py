"""Backup and restore, restored for real (issue 17): a populated system — the demo company and
photos uploaded through the API, so the evidence chain has entries — is backed up with
`xunjian backup`, restored with `xunjian restore` into an empty database and an empty bucket,
and `xunjian verify` passes on the copy with the same chain head. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from tests.conftest import TEST_ACCESS_KEY, TEST_SECRET_KEY, _database_url, _drop_bucket
from tests.evidence.conftest import form_for
from tests.evidence.photos import jpeg
from xunjian.app import create_app
from xunjian.cli import main
from xunjian.config import load_settings
from xunjian.db import make_engine
from xunjian.demo import DEMO_PASSWORD, load_demo
from xunjian.migrations import migrate
from xunjian.tasks import configure_celery, use_sessions


class System:
    """One database and one bucket, addressed like a deployment: by XUNJIAN_* variables."""

    def __init__(self, tmp: Path, seaweed: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.url, self._drop_db = _database_url(tmp)
        self.bucket = f"bk-{uuid.uuid4().hex[:16]}"
        self.endpoint = seaweed.endpoint
        self.data_dir = tmp
        self.monkeypatch = monkeypatch

    def env(self) -> dict[str, str]:
        return {
            "XUNJIAN_ENV": "development",
            "XUNJIAN_DATA_DIR": str(self.data_dir),
            "XUNJIAN_DATABASE_URL": self.url,
            "XUNJIAN_S3_ENDPOINT": self.endpoint,
            "XUNJIAN_S3_BUCKET": self.bucket,
            "XUNJIAN_S3_ACCESS_KEY": TEST_ACCESS_KEY,
            "XUNJIAN_S3_SECRET_KEY": TEST_SECRET_KEY,
            "XUNJIAN_LOG_JSON": "false",
        }

    def cli(self, *args: str) -> Any:
        result = CliRunner().invoke(main, list(args), env=self.env(), catch_exceptions=False)
        return result

    def close(self) -> None:
        _drop_bucket(self.endpoint, self.bucket)
        self._drop_db()


@pytest.fixture
def systems(tmp_path: Path, seaweed: Any, monkeypatch: pytest.MonkeyPatch):
    made: list[System] = []

    def make(name: str) -> System:
        folder = tmp_path / name
        folder.mkdir()
        made.append(System(folder, seaweed, monkeypatch))
        return made[-1]

    yield make
    for system in made:
        system.close()


def _populate(source: System) -> int:
    """Demo company plus three photos uploaded through the real API (chain entries)."""
    migrate(source.url)
    engine = make_engine(source.url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as session:
        load_demo(session, DEMO_PASSWORD)
        session.commit()
    settings = load_settings(
        source.env(), env="test", log_json=False, log_level="WARNING", login_rate_per_minute=1000
    )
    configure_celery("")
    use_sessions(factory)
    app = create_app(settings, sessions=factory)
    with app.app_context():
        app.extensions["xunjian"].store.ensure_bucket()
    client = app.test_client()
    login = client.post(
        "/api/v1/auth/login",
        json={"username": "fm1", "password": DEMO_PASSWORD, "device_id": "backup-test"},
    )
    assert login.status_code == 200, login.json
    headers = {"Authorization": f"Bearer {login.json['token']}"}
    with engine.connect() as conn:
        cuihu = conn.execute(text("SELECT id FROM properties WHERE code = 'CUIHU'")).scalar_one()
    for seed in range(3):
        data = jpeg(800, 600, seed=seed)
        response = client.post(
            "/api/v1/evidence",
            data=form_for(data, cuihu),
            headers=headers,
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, response.json
    use_sessions(None)
    engine.dispose()
    return 3


def test_backup_restores_into_an_empty_system_and_verifies(systems) -> None:
    source, target = systems("source"), systems("target")
    photos = _populate(source)
    folder = source.data_dir / "backup"

    made = source.cli("backup", str(folder))
    assert made.exit_code == 0, made.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["chain_head"]["entries"] == photos
    originals = [k for k in manifest["objects"] if k.startswith("originals/")]
    assert len(originals) == photos
    for key, meta in manifest["objects"].items():
        stored = (folder / "objects" / key).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == meta["sha256"]

    again = source.cli("backup", str(folder))  # incremental: nothing new to copy
    assert again.exit_code == 0, again.output
    assert f"0 objects copied, {len(manifest['objects'])} already present" in again.output

    migrate(target.url)  # a migrated but empty database counts as empty
    restored = target.cli("restore", str(folder))
    assert restored.exit_code == 0, restored.output
    assert manifest["chain_head"]["entry_hash"] in restored.output

    verified = target.cli("verify")
    assert verified.exit_code == 0, verified.output
    assert f"and {photos} stored originals" in verified.output
    assert "all evidence verified" in verified.output

    # A restore never writes over a system that holds data.
    twice = target.cli("restore", str(folder))
    assert twice.exit_code != 0
    assert "already holds data" in twice.output


def test_restore_refuses_an_altered_backup_before_writing(systems) -> None:
    source, target = systems("source"), systems("target")
    _populate(source)
    folder = source.data_dir / "backup"
    assert source.cli("backup", str(folder)).exit_code == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    key = next(k for k in manifest["objects"] if k.startswith("originals/"))
    path = folder / "objects" / key
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))

    refused = target.cli("restore", str(folder))
    assert refused.exit_code != 0
    assert f"object {key} is missing or altered" in refused.output
    engine = make_engine(target.url)
    with engine.connect() as conn:  # nothing was written
        tables = conn.execute(
            text(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'users'"
                if engine.dialect.name == "postgresql"
                else "SELECT count(*) FROM sqlite_master WHERE name = 'users'"
            )
        ).scalar_one()
    engine.dispose()
    assert tables == 0
