"""The production topology under a shift change with faults, in CI's short size (issue 17).

Runs `bench/bench_cluster.py --short`: infra/cluster/ brings up PostgreSQL's own database, a
SeaweedFS cluster (master, 3 volume servers with replication 001, filer, S3 gateway), two
gunicorn nodes behind Debian's nginx running infra/nginx/xunjian.conf, two Celery workers and
beat on Redis; phones play patrols, photos, orders and reviews while a volume server, an app
node and a Celery worker are killed and restarted, PostgreSQL is restarted and Redis paused.
The run fails if anything acknowledged is missing or duplicated, `xunjian verify` fails,
derivatives are not complete or periodic jobs did not resume. Its report is printed.

It starts and stops every process itself (by PID) and needs nothing of the test database, so
it runs once, in the SQLite pass.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.db_independent, pytest.mark.slow]


def test_shift_change_with_faults_loses_nothing(tmp_path, capsys) -> None:
    assert shutil.which("nginx") or Path("/usr/sbin/nginx").exists(), (
        "nginx missing: scripts/test.sh installs Debian's nginx for this test"
    )
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_cluster.py"), "--short", "--no-write"],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("XUNJIAN_")},
            "XUNJIAN_CLUSTER_DIR": str(tmp_path / "cluster"),
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    with capsys.disabled():  # the report belongs in CI's output
        print("\n" + result.stdout[-6000:])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "**nothing lost**" in result.stdout
