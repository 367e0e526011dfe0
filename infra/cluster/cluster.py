"""The production topology on one machine, as processes on loopback (no Docker engine needed).

    python infra/cluster/cluster.py up      # or infra/cluster/up.sh
    python infra/cluster/cluster.py status
    python infra/cluster/cluster.py down    # or infra/cluster/down.sh

What it starts (every port on 127.0.0.1; all state under $XUNJIAN_CLUSTER_DIR, default
var/cluster):

    PostgreSQL   its own server (Debian's binaries, initdb into the cluster dir) on :15432 — not
                 the machine's server on :5432, because the fault run restarts it and must
                 stop only what it started
    SeaweedFS    1 master · 3 volume servers (separate data dirs) · 1 filer · 1 S3 gateway with
                 identities; replication 001 (every object also on another volume server)
    app          2 gunicorn nodes with infra/gunicorn.conf.py (production settings)
    nginx        Debian's nginx running infra/nginx/xunjian.conf — the same file docs/OPERATIONS.md
                 documents — in front of both app nodes
    Redis        its own redis-server on :16379 (the fault run pauses it)
    Celery       2 workers and beat on that Redis

Everything it starts it records by PID in <dir>/pids/ and `down` stops exactly those processes
(SIGTERM, then SIGKILL after a grace period: weed ignores SIGTERM for >10 s). `up` on a running
cluster refuses; `up --fresh` drops the database and data first. The same layout on separate
hosts is described in docs/OPERATIONS.md.

This module is also the library the load-and-fault run (bench/bench_cluster.py) uses to kill and
restart single members.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
GRPC_OFFSET = 10000


@dataclass(frozen=True)
class Layout:
    """Ports and names. Chosen away from the dev defaults (8000, 8333, 9333) so a `make run`
    and a cluster can run side by side."""

    master: int = 19333
    volumes: tuple[int, ...] = (18081, 18082, 18083)
    filer: int = 18888
    s3: int = 18333
    apps: tuple[int, ...] = (18001, 18002)
    nginx: int = 18080
    redis: int = 16379
    database: str = "xunjian"
    postgres: int = 15432
    bucket: str = "xunjian"
    access_key: str = "xunjian-cluster"
    workers: int = 2

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.nginx}"

    @property
    def s3_endpoint(self) -> str:
        return f"http://{HOST}:{self.s3}"


LAYOUT = Layout()


def cluster_dir() -> Path:
    return Path(os.environ.get("XUNJIAN_CLUSTER_DIR", REPO / "var" / "cluster")).resolve()


def venv_bin(name: str) -> str:
    """Tools from the interpreter's own venv first (weed, gunicorn, celery, xunjian)."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found (run `make test` or `pip install -e .` first)")
    return found


# ---------------------------------------------------------------- processes by PID


class Cluster:
    def __init__(self, directory: Path | None = None, layout: Layout = LAYOUT) -> None:
        self.dir = directory or cluster_dir()
        self.layout = layout
        self.pids = self.dir / "pids"
        self.logs = self.dir / "logs"

    # -- bookkeeping
    def _pidfile(self, name: str) -> Path:
        return self.pids / f"{name}.pid"

    def pid(self, name: str) -> int | None:
        try:
            return int(self._pidfile(name).read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def alive(self, name: str) -> bool:
        pid = self.pid(name)
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        # A zombie of ours counts as gone.
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        except FileNotFoundError:
            return False
        return state != "Z"

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.pids.glob("*.pid")) if self.pids.exists() else []

    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> int:
        """Start one member in its own session (so a signal reaches it and its children only)."""
        self.logs.mkdir(parents=True, exist_ok=True)
        self.pids.mkdir(parents=True, exist_ok=True)
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=self.dir,
            env=env or self.env(),
            start_new_session=True,
        )
        log.close()
        self._pidfile(name).write_text(str(proc.pid))
        return proc.pid

    def stop(self, name: str, grace: float = 8.0, sig: int = signal.SIGTERM) -> None:
        """Stop one member by its recorded PID (its whole process group: gunicorn's workers)."""
        pid = self.pid(name)
        if pid is None:
            return
        for s in (sig, signal.SIGKILL):
            try:
                os.killpg(pid, s)
            except ProcessLookupError:
                break
            except PermissionError:
                os.kill(pid, s)
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and self.alive(name):
                _reap(pid)
                time.sleep(0.1)
            if not self.alive(name):
                break
        _reap(pid)
        self._pidfile(name).unlink(missing_ok=True)

    def kill(self, name: str) -> None:
        """A crash, not a shutdown: SIGKILL at once (fault injection)."""
        self.stop(name, grace=3.0, sig=signal.SIGKILL)

    # -- configuration
    def secrets(self) -> dict[str, str]:
        path = self.dir / "secrets.json"
        if path.exists():
            return json.loads(path.read_text())
        values = {
            "secret_key": secrets.token_urlsafe(32),
            "s3_secret": secrets.token_urlsafe(24),
            "signing_key": base64.b64encode(secrets.token_bytes(32)).decode(),
        }
        self.dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
        path.chmod(0o600)
        return values

    def database_url(self) -> str:
        return f"postgresql+psycopg://postgres@{HOST}:{self.layout.postgres}/{self.layout.database}"

    def env(self) -> dict[str, str]:
        s = self.secrets()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("XUNJIAN_", "AWS_"))}
        env.update(
            {
                "XUNJIAN_ENV": "production",
                "XUNJIAN_DATA_DIR": str(self.dir / "app"),
                "XUNJIAN_DATABASE_URL": self.database_url(),
                "XUNJIAN_SECRET_KEY": s["secret_key"],
                "XUNJIAN_SIGNING_KEY": s["signing_key"],
                "XUNJIAN_S3_ENDPOINT": self.layout.s3_endpoint,
                "XUNJIAN_S3_BUCKET": self.layout.bucket,
                "XUNJIAN_S3_ACCESS_KEY": self.layout.access_key,
                "XUNJIAN_S3_SECRET_KEY": s["s3_secret"],
                "XUNJIAN_CELERY_BROKER_URL": f"redis://{HOST}:{self.layout.redis}/0",
                "XUNJIAN_PWA_DIR": str(REPO / "mobile_pwa"),
                "XUNJIAN_LOG_JSON": "true",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    # -- members
    def start_seaweed(self) -> None:
        lay, weed = self.layout, venv_bin("weed")
        s = self.secrets()
        data = self.dir / "seaweed"
        (data / "master").mkdir(parents=True, exist_ok=True)
        identities = {
            "identities": [
                {
                    "name": "xunjian",
                    "credentials": [{"accessKey": lay.access_key, "secretKey": s["s3_secret"]}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        (data / "s3.json").write_text(json.dumps(identities))
        (data / "s3.json").chmod(0o600)
        common = [f"-ip={HOST}", f"-ip.bind={HOST}"]
        self.spawn(
            "weed-master",
            [weed, "master", *common, f"-port={lay.master}",
             f"-port.grpc={lay.master + GRPC_OFFSET}", f"-mdir={data / 'master'}",
             "-defaultReplication=001", "-volumeSizeLimitMB=64", "-volumePreallocate=false",
             "-telemetry=false"],
        )  # fmt: skip
        wait_http(f"http://{HOST}:{lay.master}/cluster/status", "SeaweedFS master")
        for i, port in enumerate(lay.volumes, start=1):
            self.start_volume(i, port)
        self.spawn(
            "weed-filer",
            [weed, "filer", *common, f"-port={lay.filer}", f"-port.grpc={lay.filer + GRPC_OFFSET}",
             f"-master={HOST}:{lay.master}", "-defaultReplicaPlacement=001"],
        )  # fmt: skip
        wait_http(f"http://{HOST}:{lay.filer}/", "SeaweedFS filer", ok_codes=range(200, 500))
        self.spawn(
            "weed-s3",
            [weed, "s3", *common, f"-port={lay.s3}", f"-port.grpc={lay.s3 + GRPC_OFFSET}",
             f"-filer={HOST}:{lay.filer}", f"-config={data / 's3.json'}",
             "-port.iceberg=0", "-port.lance=0"],
        )  # fmt: skip
        wait_http(lay.s3_endpoint + "/", "SeaweedFS S3 gateway", ok_codes=range(200, 500))

    def start_volume(self, index: int, port: int | None = None) -> None:
        lay = self.layout
        port = port or lay.volumes[index - 1]
        vdir = self.dir / "seaweed" / f"volume{index}"
        vdir.mkdir(parents=True, exist_ok=True)
        self.spawn(
            f"weed-volume{index}",
            [venv_bin("weed"), "volume", f"-ip={HOST}", f"-ip.bind={HOST}", f"-port={port}",
             f"-port.grpc={port + GRPC_OFFSET}", f"-dir={vdir}", f"-mserver={HOST}:{lay.master}",
             "-max=0", "-preStopSeconds=0", "-rack=rack1", "-dataCenter=dc1"],
        )  # fmt: skip
        wait_http(f"http://{HOST}:{port}/status", f"SeaweedFS volume server {index}")

    def start_postgres(self) -> None:
        """initdb on first start, then `postgres` in the foreground (its PID is ours)."""
        pgdata = self.pgdata()
        bindir = postgres_bindir()
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if not (pgdata / "PG_VERSION").exists():
            pgdata.mkdir(parents=True, exist_ok=True)
            if as_postgres:
                shutil.chown(pgdata, "postgres")
            run([*as_postgres, str(bindir / "initdb"), "-D", str(pgdata), "-U", "postgres",
                 "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"], self.env())  # fmt: skip
        self.spawn(
            "postgres",
            [*as_postgres, str(bindir / "postgres"), "-D", str(pgdata),
             "-p", str(self.layout.postgres), "-c", f"listen_addresses={HOST}",
             "-c", f"unix_socket_directories={pgdata}", "-c", "fsync=on"],
        )  # fmt: skip
        wait_postgres(self.layout.postgres)

    def pgdata(self) -> Path:
        """PostgreSQL's data dir. As root the server runs as `postgres`, which must be able to
        reach it: a cluster dir below a private folder (pytest's tmp, a home) is not, so the
        data then lives in a folder of its own under /tmp, named after the cluster dir."""
        if os.geteuid() != 0:
            return self.dir / "postgres"
        tag = hashlib.sha256(str(self.dir).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"xunjian-cluster-pg-{tag}"

    def prepare_database(self) -> None:
        import psycopg

        admin = f"postgresql://postgres@{HOST}:{self.layout.postgres}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.layout.database,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{self.layout.database}"')
        run([venv_bin("xunjian"), "migrate"], self.env())
        ensure_bucket(self)

    def restart_postgres(self) -> None:
        """A clean restart (fast shutdown, then start): what an upgrade or a fail-over does."""
        self.stop("postgres", grace=30, sig=signal.SIGINT)
        self.start_postgres()

    def start_redis(self) -> None:
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.spawn(
            "redis",
            [server, "--bind", HOST, "--port", str(self.layout.redis), "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while (
            subprocess.run(
                ["redis-cli", "-p", str(self.layout.redis), "ping"], capture_output=True, text=True
            ).stdout.strip()
            != "PONG"
        ):
            if time.monotonic() > deadline:
                raise SystemExit("redis-server did not answer PING")
            time.sleep(0.2)

    def pause_redis(self, seconds: int) -> None:
        """Every client of our Redis waits `seconds` (a stalled broker, not a dead one)."""
        subprocess.run(
            ["redis-cli", "-p", str(self.layout.redis), "CLIENT", "PAUSE", str(seconds * 1000)],
            check=True,
            capture_output=True,
        )

    def start_app(self, index: int) -> None:
        port = self.layout.apps[index - 1]
        self.spawn(
            f"app{index}",
            [venv_bin("gunicorn"), "-c", str(REPO / "infra" / "gunicorn.conf.py"),
             "--bind", f"{HOST}:{port}", "--workers", "2", "xunjian.app:create_app()"],
        )  # fmt: skip
        wait_http(f"http://{HOST}:{port}/readyz", f"app node {index}", timeout=90)

    def start_worker(self, index: int) -> None:
        self.spawn(
            f"celery-worker{index}",
            [venv_bin("celery"), "-A", "xunjian.tasks", "worker", "-n", f"worker{index}@%h",
             "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle"],
        )  # fmt: skip

    def start_beat(self) -> None:
        self.spawn(
            "celery-beat",
            [venv_bin("celery"), "-A", "xunjian.tasks", "beat", "--loglevel=INFO",
             "--schedule", str(self.dir / "celerybeat-schedule")],
        )  # fmt: skip

    def start_nginx(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise SystemExit("nginx not found: apt-get install nginx (Debian's package)")
        ndir = self.dir / "nginx"
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (ndir / "temp" / sub).mkdir(parents=True, exist_ok=True)
        conf = ndir / "nginx.conf"
        conf.write_text(self.nginx_conf(ndir))
        run([nginx, "-t", "-p", str(ndir), "-c", str(conf)], self.env())
        # Foreground (daemon off in the file): its PID is the one we started.
        self.spawn("nginx", [nginx, "-p", str(ndir), "-c", str(conf)])
        wait_http(self.layout.base_url + "/healthz", "nginx → app")

    def nginx_conf(self, ndir: Path) -> str:
        """A wrapper around the repository's site file; only listen address and upstream differ
        from production (docs/OPERATIONS.md shows the production wrapper)."""
        upstream = "\n".join(f"        server {HOST}:{p} max_fails=1 fail_timeout=5s;"
                             for p in self.layout.apps)  # fmt: skip
        temp = ndir / "temp"
        # As root, workers stay root: they buffer request bodies in the cluster dir, which may sit
        # below a folder only root can enter (pytest's tmp). Loopback test topology only; the
        # production wrapper (infra/nginx.conf) keeps Debian's default user.
        user = "user root;" if os.geteuid() == 0 else ""
        return f"""# generated by infra/cluster/cluster.py — do not edit
{user}
worker_processes 1;
daemon off;
pid {ndir}/nginx.pid;
error_log {self.logs}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {self.logs}/nginx-access.log;
    client_body_temp_path {temp}/client_body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    upstream xunjian {{
{upstream}
        keepalive 16;
    }}
    server {{
        listen {HOST}:{self.layout.nginx};
        server_name localhost;
        root {REPO / "mobile_pwa"};
        include {REPO / "infra" / "nginx" / "xunjian.conf"};
    }}
}}
"""

    # -- whole cluster
    def up(self, fresh: bool = False) -> None:
        running = [n for n in self.names() if self.alive(n)]
        if running:
            raise SystemExit(f"already running: {', '.join(running)} (run `down` first)")
        if fresh:
            shutil.rmtree(self.pgdata(), ignore_errors=True)
            if self.dir.exists():
                shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # nginx workers run as www-data and buffer request bodies in these folders.
            (self.dir / "nginx").mkdir(exist_ok=True)
        started = time.monotonic()
        try:
            self.start_postgres()
            self.start_redis()
            self.start_seaweed()
            self.prepare_database()
            for i in range(1, len(self.layout.apps) + 1):
                self.start_app(i)
            for i in range(1, self.layout.workers + 1):
                self.start_worker(i)
            self.start_beat()
            self.start_nginx()
        except BaseException:
            print("start failed; stopping what was started", file=sys.stderr)
            self.down()
            raise
        print(
            f"cluster up in {time.monotonic() - started:.0f} s: {self.layout.base_url}/ "
            f"(S3 {self.layout.s3_endpoint}, PostgreSQL :{self.layout.postgres}, "
            f"Redis :{self.layout.redis}); logs in {self.logs}"
        )

    def down(self) -> None:
        # Front to back: no new requests, then the app, then what it depends on.
        order = ["nginx", "app1", "app2", "celery-beat", "celery-worker1", "celery-worker2",
                 "weed-s3", "weed-filer", "weed-volume1", "weed-volume2", "weed-volume3",
                 "weed-master", "redis", "postgres"]  # fmt: skip
        names = [n for n in order if n in self.names()] + [
            n for n in self.names() if n not in order
        ]
        for name in names:
            self.stop(name)
        print(f"cluster down: stopped {len(names)} processes" if names else "nothing running")

    def status(self) -> dict[str, bool]:
        return {name: self.alive(name) for name in self.names()}


# ---------------------------------------------------------------- helpers


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def run(argv: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}")


def postgres_bindir() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if not versions:
        raise SystemExit("PostgreSQL server binaries not found: apt-get install postgresql")
    return versions[-1].parent


def wait_postgres(port: int, timeout: float = 30.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(
                f"postgresql://postgres@{HOST}:{port}/postgres", connect_timeout=2
            ).close()
            return
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"PostgreSQL on :{port} not ready: {exc}") from exc
            time.sleep(0.3)


def wait_http(
    url: str, what: str, timeout: float = 60.0, ok_codes: range = range(200, 300)
) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                if response.status in ok_codes:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            if exc.code in ok_codes:
                return
            last = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.3)
    raise SystemExit(f"{what} not ready at {url} after {timeout:.0f} s ({last})")


def ensure_bucket(cluster: Cluster) -> None:
    """Create the bucket (production never creates it implicitly); retried while the volume
    servers register with the master."""
    import boto3
    from botocore.config import Config

    env = cluster.env()
    s3 = boto3.client(
        "s3",
        endpoint_url=env["XUNJIAN_S3_ENDPOINT"],
        aws_access_key_id=env["XUNJIAN_S3_ACCESS_KEY"],
        aws_secret_access_key=env["XUNJIAN_S3_SECRET_KEY"],
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, connect_timeout=3, read_timeout=10),
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
            if cluster.layout.bucket not in existing:
                s3.create_bucket(Bucket=cluster.layout.bucket)
            s3.put_object(Bucket=cluster.layout.bucket, Key="_probe/ready", Body=b"ok")
            return
        except Exception as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"could not prepare bucket: {exc}") from exc
            time.sleep(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the topology")
    up.add_argument("--fresh", action="store_true", help="drop the database and data first")
    sub.add_parser("down", help="stop every process the cluster started")
    sub.add_parser("status", help="which members are running")
    args = parser.parse_args(argv)
    cluster = Cluster()
    if args.command == "up":
        cluster.up(fresh=args.fresh)
    elif args.command == "down":
        cluster.down()
    else:
        status = cluster.status()
        for name, alive in status.items():
            print(f"{name:16} {'running' if alive else 'stopped'} (pid {cluster.pid(name)})")
        return 0 if status and all(status.values()) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
