"""The run command end to end: `xunjian serve --demo` as a real process tree.

Starts the bundled SeaweedFS, migrates, loads the demo, forks gunicorn workers and the scheduler
process; the service must answer /readyz and a demo login, and stop everything on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from xunjian.demo import DEMO_PASSWORD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return {int(x) for x in out.stdout.split()}


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return "gone"


def test_serve_runs_and_stops_cleanly(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNJIAN_")} | {
        "XUNJIAN_DATA_DIR": str(tmp_path),
        "XUNJIAN_LOG_LEVEL": "WARNING",
    }
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [sys.executable, "-m", "xunjian.cli", "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # A guard against a hang, not a speed limit: the full demo (30 days of history, as
        # `make run` loads it) takes a while on a busy machine (docs/PERFORMANCE.md).
        deadline = time.monotonic() + 300
        ready = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                ready = requests.get(f"{base}/readyz", timeout=3)
                if ready.status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        assert ready is not None and ready.status_code == 200, (tmp_path / "serve.log").read_text()
        # Several requests, so both forked workers answer at least once.
        for _ in range(6):
            r = requests.post(
                f"{base}/api/v1/auth/login",
                json={"username": "fm1", "password": DEMO_PASSWORD},
                timeout=10,
            )
            assert r.status_code == 200, r.text
        assert requests.get(f"{base}/", timeout=5).status_code == 200
        children = _children(proc.pid)
        assert len(children) >= 3  # weed, scheduler, gunicorn workers
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=45)
        finally:
            if proc.poll() is None:
                proc.kill()
            log.close()
    time.sleep(1)
    alive = [pid for pid in children if os.path.exists(f"/proc/{pid}") and _state(pid) != "Z"]
    assert not alive, f"left running after SIGTERM: {alive}"
