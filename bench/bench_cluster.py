"""Load that looks like a shift change, with faults, against the production topology (issue 17).

    python bench/bench_cluster.py                 # full run: ~8 min, report to docs/PERFORMANCE.md
    python bench/bench_cluster.py --short         # CI: a few phones, each fault once, ≤ 3 min
    python bench/bench_cluster.py --no-faults --seconds 60

It brings the topology of infra/cluster/ up (fresh), loads the demo company, lays a patrol route
of QR checkpoints and then plays N phones through nginx, each with its own outbox:

    floor managers  start a patrol run, QR check-ins, a 4 MB photo every third check-in, finish
    engineers       accept, arrive, upload a 4 MB after-photo, report done
    front desk      record a request and dispatch an order to an engineer, verify done orders
    supervisors     list photos and review some

Like the phone app, a phone retries what the server did not acknowledge (connection errors,
502/503/504, 5xx) with the same client id and backoff, until it is acknowledged; a request the
server refused (4xx) is an error of this script. Throughput is measured first on one app node
and then on two (nginx in front of both), in the same run, so the ratio means something.

Faults, during the two-node load: a SeaweedFS volume server killed and restarted; an app node
killed (nginx routes around it) and restarted; a Celery worker killed mid-task and restarted;
PostgreSQL restarted; Redis paused. Afterwards the run checks that nothing acknowledged was
lost: every acknowledged photo is in the database exactly once with the phone's SHA-256 and
`xunjian verify` re-hashes every original in the bucket; every acknowledged run, check-in,
request, order and completion exists exactly once; derivatives are complete; periodic jobs ran
again after the faults; the phones' outboxes are empty.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "infra" / "cluster"))
import cluster as topology  # noqa: E402

PASSWORD = "xunjian-demo"
LAT, LON = 22.5431, 113.9345  # the demo property's neighbourhood


# ---------------------------------------------------------------- photos


def make_base_photos(count: int, megabytes: float) -> list[bytes]:
    """Noisy JPEGs of about `megabytes` each (noise keeps the size and decode cost real)."""
    from PIL import Image

    photos = []
    rng = random.Random(7)
    side = int((megabytes * 1_000_000 / 0.33) ** 0.5)  # ~0.33 B/pixel at q90 with this noise
    for _ in range(count):
        noise = Image.frombytes("L", (side, side * 3 // 4), rng.randbytes(side * side * 3 // 4))
        image = Image.merge("RGB", (noise, noise.rotate(90, expand=False), noise))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        photos.append(buffer.getvalue())
    return photos


def unique_photo(base: bytes) -> bytes:
    """The same picture, distinct bytes: a JPEG comment segment carrying a UUID after SOI."""
    comment = f"xunjian-load {uuid.uuid4()}".encode()
    return base[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + base[2:]


# ---------------------------------------------------------------- a phone with an outbox


@dataclass
class Ledger:
    """What the server acknowledged, by kind and client id; latencies; errors."""

    acked: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    photos: dict[str, str] = field(default_factory=dict)  # client_id -> sha256
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    retries: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    refused: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ack(self, kind: str, client_id: str | None, seconds: float) -> None:
        with self.lock:
            if client_id:
                self.acked[kind].append(client_id)
            self.latency[kind].append(seconds)


RETRYABLE = {500, 502, 503, 504}


class Phone:
    def __init__(self, base: str, username: str, ledger: Ledger, deadline: float) -> None:
        self.base = base
        self.username = username
        self.ledger = ledger
        self.deadline = deadline
        self.http = requests.Session()
        self.device = f"load-{username}-{uuid.uuid4().hex[:6]}"
        self.token = ""
        self.slot, self.slots = 0, 1  # this phone's share of a shared queue

    def login(self) -> None:
        body = {"username": self.username, "password": PASSWORD, "device_id": self.device}
        response = self.send("login", "POST", "/api/v1/auth/login", json=body)
        self.token = response.json()["token"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"

    def send(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        client_id: str | None = None,
        accept: Callable[[requests.Response], bool] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """One action through the outbox: retried until acknowledged or the drain deadline."""
        delay = 0.5
        give_up = self.deadline + 120  # after the load, outboxes keep draining for a while
        while True:
            started = time.perf_counter()
            try:
                response = self.http.request(method, self.base + path, timeout=30, **kwargs)
            except requests.RequestException:
                response = None
            elapsed = time.perf_counter() - started
            if response is not None and response.status_code < 400:
                self.ledger.ack(kind, client_id, elapsed)
                return response
            if response is not None and accept is not None and accept(response):
                # Settled without this phone's record (another phone of the same person did
                # it first): nothing of ours to find in the database.
                self.ledger.ack(kind, None, elapsed)
                return response
            if response is not None and response.status_code not in RETRYABLE:
                refusal = (
                    f"{self.username} {kind} {method} {path}: {response.status_code} "
                    f"{response.text[:300]}"
                )
                with self.ledger.lock:
                    self.ledger.refused.append(refusal)
                raise Refused(refusal)
            with self.ledger.lock:
                self.ledger.retries[kind] += 1
            if time.monotonic() > give_up:
                with self.ledger.lock:
                    self.ledger.lost.append(f"{self.username} {kind} {client_id}")
                raise Refused(kind)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)

    def upload(self, photo: bytes, property_id: int, context: str, context_id: str) -> str:
        client_id = str(uuid.uuid4())
        sha = hashlib.sha256(photo).hexdigest()
        fields = {
            "client_id": client_id,
            "sha256": sha,
            "property_id": str(property_id),
            "context_type": context,
            "context_id": context_id,
            "captured_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            "device_id": self.device,
            "latitude": str(LAT),
            "longitude": str(LON),
            "accuracy_m": "10",
        }
        self.send(
            "photo",
            "POST",
            "/api/v1/evidence",
            client_id=client_id,
            data=fields,
            files={"file": ("photo.jpg", photo, "image/jpeg")},
        )
        with self.ledger.lock:
            self.ledger.photos[client_id] = sha
        return client_id


class Refused(Exception):
    pass


# ---------------------------------------------------------------- what each role does


@dataclass
class World:
    base: str
    property_id: int
    route_id: int
    qr_tokens: list[str]
    engineer_ids: dict[str, int]
    photos: list[bytes]
    stop: threading.Event = field(default_factory=threading.Event)
    orders: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


def floor_manager(phone: Phone, world: World) -> None:
    while not world.stop.is_set():
        run_id = str(uuid.uuid4())
        run = phone.send(
            "run_start",
            "POST",
            f"/api/v1/patrol/routes/{world.route_id}/runs",
            client_id=run_id,
            json={"client_id": run_id, "device_time": now_iso()},
        ).json()
        for n, token in enumerate(world.qr_tokens):
            checkin_id = str(uuid.uuid4())
            phone.send(
                "checkin",
                "POST",
                f"/api/v1/patrol/runs/{run['id']}/checkins",
                client_id=checkin_id,
                json={
                    "client_id": checkin_id,
                    "qr_token": token,
                    "device_time": now_iso(),
                    "latitude": LAT,
                    "longitude": LON,
                    "accuracy_m": 10,
                },
            )
            if n % 3 == 0:
                phone.upload(
                    unique_photo(random.choice(world.photos)),
                    world.property_id,
                    "patrol_checkin",
                    str(run["id"]),
                )
            if world.stop.is_set():
                break
        finish: dict[str, Any] = {"device_time": now_iso()}
        if n < len(world.qr_tokens) - 1:
            finish["reason"] = "交班，未巡完（压测结束）"
        phone.send(
            "run_finish",
            "POST",
            f"/api/v1/patrol/runs/{run['id']}/finish",
            json=finish,
            headers={"If-Match": "*"},
            accept=lambda r: r.status_code == 409 and "completed" in r.text,
        )


def front_desk(phone: Phone, world: World) -> None:
    engineers = list(world.engineer_ids.values())
    while not world.stop.is_set():
        request_id = str(uuid.uuid4())
        request = phone.send(
            "request",
            "POST",
            "/api/v1/requests",
            client_id=request_id,
            json={
                "client_id": request_id,
                "property_id": world.property_id,
                "channel": "phone",
                "kind": "repair",
                "matter": "厨房水龙头漏水（压测）",
                "place_text": "2栋 201",
            },
        ).json()
        order_id = str(uuid.uuid4())
        order = phone.send(
            "order",
            "POST",
            "/api/v1/workorders",
            client_id=order_id,
            json={
                "client_id": order_id,
                "property_id": world.property_id,
                "request_id": request["id"],
                "category": "plumbing",
                "priority": "normal",
                "assignee_id": random.choice(engineers),
            },
        ).json()
        with world.lock:
            world.orders.append(order["id"])
        # Verify what engineers have reported done (the desk's other half of the day).
        done = phone.send("list_orders", "GET", "/api/v1/workorders?state=done&limit=5").json()
        for item in done.get("items", []):
            phone.send(
                "verify",
                "POST",
                f"/api/v1/workorders/{item['id']}/verify",
                json={},
                headers={"If-Match": item["etag"]},
                accept=lambda r: r.status_code in (409, 412),  # another desk phone was first
            )
        time.sleep(0.5)


def engineer(phone: Phone, world: World) -> None:
    while not world.stop.is_set():
        queue = phone.send("queue", "GET", "/api/v1/workorders/queue").json()
        # The engineer phones all sign in as eng1: each takes its own share of the queue, as
        # a team would split it, so no two phones race for one order.
        items = [
            i
            for i in queue.get("items", [])
            if i.get("assignee_id")
            and i["id"] in world.orders  # this run's orders, not the demo's history
            and i["id"] % phone.slots == phone.slot
        ]
        if not items:
            time.sleep(1)
            continue
        order = items[0]
        for event in ("accept", "arrive"):
            if event not in order.get("allowed_events", []):
                continue
            response = phone.send(
                event,
                "POST",
                f"/api/v1/workorders/{order['id']}/{event}",
                json={},
                headers={"If-Match": order["etag"]},
                # After a lost answer the retry finds the step already taken.
                accept=lambda r: r.status_code in (409, 412),
            )
            if response.status_code < 400:
                order = {**order, **response.json()}
            else:
                order = phone.send("order", "GET", f"/api/v1/workorders/{order['id']}").json()
        if order.get("state") != "on_site":
            continue
        photo_id = phone.upload(
            unique_photo(random.choice(world.photos)),
            world.property_id,
            "workorder_after",
            str(order["id"]),
        )
        completion_id = str(uuid.uuid4())
        phone.send(
            "completion",
            "POST",
            f"/api/v1/workorders/{order['id']}/completions",
            client_id=completion_id,
            json={
                "client_id": completion_id,
                "work_notes": "更换角阀，试水正常（压测）",
                "parts": [{"name": "角阀", "quantity": 1, "unit": "个"}],
                "after_photo_client_ids": [photo_id],
                "device_time": now_iso(),
            },
        )


def supervisor(phone: Phone, world: World) -> None:
    while not world.stop.is_set():
        page = phone.send(
            "list_photos", "GET", f"/api/v1/evidence?property_id={world.property_id}&limit=50"
        ).json()
        for item in page.get("items", [])[:3]:
            if item.get("review_state") == "pending":
                phone.send(
                    "review",
                    "POST",
                    f"/api/v1/evidence/{item['id']}/review",
                    json={"decision": "accept"},
                    accept=lambda r: r.status_code == 409,  # reviewed by another phone
                )
        time.sleep(1)


ROLES: dict[str, tuple[str, Callable[[Phone, World], None]]] = {
    "fm": ("fm1", floor_manager),
    "eng": ("eng1", engineer),
    "desk": ("fd1", front_desk),
    "sup": ("sup1", supervisor),
}


# ---------------------------------------------------------------- set-up


def set_up(base: str, photos: list[bytes], checkpoints: int) -> World:
    ledger = Ledger()
    admin = Phone(base, "admin", ledger, time.monotonic() + 60)
    admin.login()
    props = admin.send("setup", "GET", "/api/v1/properties").json()
    prop = next(p for p in props["items"] if p["code"] == "CUIHU")
    tokens, ids = [], []
    for n in range(checkpoints):
        body = {
            "client_id": str(uuid.uuid4()),
            "code": f"LOAD-{n + 1}",
            "name_zh": f"压测点{n + 1}",
            "name_en": f"Load point {n + 1}",
            "latitude": LAT,
            "longitude": LON,
            "geofence": {"type": "Point", "coordinates": [LON, LAT], "radius_m": 80},
        }
        made = admin.send(
            "setup", "POST", f"/api/v1/patrol/properties/{prop['id']}/checkpoints", json=body
        ).json()
        ids.append(made["id"])
        tokens.append(f"xjcp:{made['qr_token']}")
    route = admin.send(
        "setup",
        "POST",
        f"/api/v1/patrol/properties/{prop['id']}/routes",
        json={
            "client_id": str(uuid.uuid4()),
            "code": f"LOAD-{uuid.uuid4().hex[:4]}",
            "name_zh": "压测路线",
            "name_en": "Load route",
            "stops": [{"checkpoint_id": i, "expected_minutes": 0} for i in ids],
            "windows": [{"weekdays": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "23:59"}],
            "allowed_roles": ["floor_manager"],
        },
    ).json()
    users = admin.send("setup", "GET", "/api/v1/users?limit=200").json()["items"]
    engineers = {u["username"]: u["id"] for u in users if u["username"] == "eng1"}
    return World(base, prop["id"], route["id"], tokens, engineers, photos)


# ---------------------------------------------------------------- one load phase


@dataclass
class Phase:
    name: str
    seconds: float
    ledger: Ledger
    wall: float = 0.0


def run_phase(
    world: World, name: str, seconds: float, mix: dict[str, int], faults: Callable[[], None]
) -> Phase:
    ledger = Ledger()
    world.stop.clear()
    deadline = time.monotonic() + seconds
    phones = []
    for role, count in mix.items():
        username, behaviour = ROLES[role]
        for slot in range(count):
            phone = Phone(world.base, username, ledger, deadline)
            phone.slot, phone.slots = slot, count
            phones.append((phone, behaviour))
    for phone, _ in phones:
        phone.login()

    def play(phone: Phone, behaviour: Callable[[Phone, World], None]) -> None:
        with contextlib.suppress(Refused):
            behaviour(phone, world)

    threads = [threading.Thread(target=play, args=p, daemon=True) for p in phones]
    started = time.monotonic()
    for t in threads:
        t.start()
    fault_thread = threading.Thread(target=faults, daemon=True)
    fault_thread.start()
    time.sleep(max(0.0, deadline - time.monotonic()))
    world.stop.set()
    fault_thread.join()
    for t in threads:
        t.join(timeout=180)  # outboxes drain: each phone finishes what it was sending
    phase = Phase(name, seconds, ledger, wall=time.monotonic() - started)
    stuck = [t for t in threads if t.is_alive()]
    if stuck:
        ledger.lost.append(f"{len(stuck)} phones still sending after the drain")
    return phase


# ---------------------------------------------------------------- faults


def fault_plan(cluster: topology.Cluster, seconds: float, log: list[str]) -> Callable[[], None]:
    """Each fault once, spread over the phase; every member comes back before it ends."""

    def note(text: str) -> None:
        log.append(f"{time.strftime('%H:%M:%S')} {text}")
        print("  fault:", text, flush=True)

    steps: list[tuple[str, Callable[[], None]]] = [
        ("kill SeaweedFS volume server 2", lambda: cluster.kill("weed-volume2")),
        ("restart volume server 2", lambda: cluster.start_volume(2)),
        ("kill app node 1 (nginx routes to node 2)", lambda: cluster.kill("app1")),
        ("restart app node 1", lambda: cluster.start_app(1)),
        ("kill Celery worker 1 mid-task", lambda: cluster.kill("celery-worker1")),
        ("restart Celery worker 1", lambda: cluster.start_worker(1)),
        ("restart PostgreSQL", cluster.restart_postgres),
        ("pause Redis for 5 s", lambda: cluster.pause_redis(5)),
    ]
    gap = seconds * 0.8 / (len(steps) + 1)

    def run() -> None:
        for text, action in steps:
            time.sleep(gap)
            note(text)
            try:
                action()
            except Exception as exc:  # a fault that could not be injected is a failed run
                note(f"FAILED to {text}: {exc}")

    return run


# ---------------------------------------------------------------- checks afterwards


def check_nothing_lost(cluster: topology.Cluster, ledgers: list[Ledger]) -> list[str]:
    import psycopg

    problems: list[str] = []
    url = cluster.database_url().replace("postgresql+psycopg", "postgresql")
    tables = {
        "photo": "evidence",
        "run_start": "patrol_runs",
        "checkin": "patrol_checkins",
        "request": "service_requests",
        "order": "work_orders",
        "completion": "work_order_completions",
    }
    with psycopg.connect(url) as conn:
        for kind, table in tables.items():
            ids = [cid for ledger in ledgers for cid in ledger.acked.get(kind, [])]
            if not ids:
                continue
            rows = conn.execute(
                f"SELECT client_id::text, count(*) FROM {table} "
                "WHERE client_id = ANY(%s::uuid[]) GROUP BY client_id",
                (ids,),
            ).fetchall()
            found = {cid: n for cid, n in rows}
            missing = set(ids) - set(found)
            twice = [cid for cid, n in found.items() if n != 1]
            if missing:
                problems.append(f"{len(missing)} acknowledged {kind} missing from {table}")
            if twice:
                problems.append(f"{len(twice)} {kind} stored more than once in {table}")
        photos = {cid: sha for ledger in ledgers for cid, sha in ledger.photos.items()}
        rows = conn.execute(
            "SELECT client_id::text, sha256 FROM evidence WHERE client_id = ANY(%s::uuid[])",
            (list(photos),),
        ).fetchall()
        wrong = [cid for cid, sha in rows if photos[cid] != sha]
        if wrong:
            problems.append(f"{len(wrong)} photos stored with another SHA-256 than the phone's")
        deadline = time.monotonic() + 120
        while True:
            pending = conn.execute(
                "SELECT count(*) FROM evidence WHERE derivatives_state <> 'ready'"
            ).fetchone()[0]
            if not pending or time.monotonic() > deadline:
                break
            time.sleep(2)
        if pending:
            problems.append(f"{pending} photos without derivatives 2 min after the load")
    verify = subprocess.run(
        [topology.venv_bin("xunjian"), "verify"], env=cluster.env(), capture_output=True, text=True
    )
    if verify.returncode != 0:
        problems.append("xunjian verify failed:\n" + verify.stdout[-2000:])
    for ledger in ledgers:
        problems += [f"refused: {r}" for r in ledger.refused]
        problems += [f"lost: {r}" for r in ledger.lost]
    return problems


def periodic_jobs_resumed(cluster: topology.Cluster, after: float, wait: float = 90) -> bool:
    """A Celery worker ran a periodic job (sent by beat) after the last fault."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        for name in ("celery-worker1", "celery-worker2"):
            path = cluster.logs / f"{name}.log"
            if not path.exists():
                continue
            for line in path.read_text(errors="replace").splitlines()[-400:]:
                periodic = ("xunjian.push_sweep", "xunjian.webhook_sweep", "xunjian.patrol_missed")
                if "succeeded" in line and any(name in line for name in periodic):
                    stamp = line[1:20]
                    try:
                        when = time.mktime(time.strptime(stamp, "%Y-%m-%d %H:%M:%S"))
                    except ValueError:
                        continue
                    if when >= after:
                        return True
        time.sleep(3)
    return False


# ---------------------------------------------------------------- report


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summarise(phase: Phase) -> dict[str, Any]:
    ledger = phase.ledger
    kinds = {}
    for kind, values in sorted(ledger.latency.items()):
        kinds[kind] = {
            "count": len(values),
            "p50_ms": round(1000 * statistics.median(values), 1),
            "p95_ms": round(1000 * percentile(values, 0.95), 1),
            "p99_ms": round(1000 * percentile(values, 0.99), 1),
            "retries": ledger.retries.get(kind, 0),
        }
    actions = sum(len(v) for k, v in ledger.latency.items() if k not in ("login",))
    return {
        "phase": phase.name,
        "seconds": round(phase.wall, 1),
        "photos_per_s": round(len(ledger.latency.get("photo", [])) / phase.wall, 2),
        "actions_per_s": round(actions / phase.wall, 2),
        "kinds": kinds,
        "refused": len(ledger.refused),
        "lost": len(ledger.lost),
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "## Shift-change load with faults (bench/bench_cluster.py)",
        "",
        f"Run {report['when']} on this machine (2 cores, everything on loopback): "
        f"`python bench/bench_cluster.py{' --short' if report['short'] else ''}`. "
        f"Phones: {report['mix']}; photos ~{report['photo_mb']} MB each.",
        "",
        "| phase | photos/s | actions/s | refused | lost |",
        "|---|---|---|---|---|",
    ]
    for s in report["phases"]:
        lines.append(
            f"| {s['phase']} | {s['photos_per_s']} | {s['actions_per_s']} | "
            f"{s['refused']} | {s['lost']} |"
        )
    lines += [
        "",
        f"Two app nodes against one (no faults): **{report['scaling']}×** actions/s.",
        "",
    ]
    for s in report["phases"]:
        lines += [
            f"{s['phase']}, latency per acknowledged try:",
            "",
            "| kind | count | p50 ms | p95 ms | p99 ms | retries |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {k} | {v['count']} | {v['p50_ms']} | {v['p95_ms']} | {v['p99_ms']} | "
            f"{v['retries']} |"
            for k, v in s["kinds"].items()
        ]
        lines.append("")
    lines += ["Faults injected during the last phase:", ""]
    lines += [f"- {f}" for f in report["faults"]] or ["- none"]
    lines += [
        "",
        "Afterwards: "
        + ("**nothing lost** — " if not report["problems"] else "**PROBLEMS** — ")
        + "every acknowledged photo in the database once with the phone's SHA-256 and "
        "`xunjian verify` passing, every acknowledged action stored exactly once, derivatives "
        f"complete, periodic jobs resumed: {report['periodic_resumed']}.",
    ]
    lines += [f"- {p}" for p in report["problems"]]
    return "\n".join(lines) + "\n"


def write_report(text: str) -> None:
    doc = REPO / "docs" / "PERFORMANCE.md"
    start, end = "<!-- bench_cluster:start -->", "<!-- bench_cluster:end -->"
    body = doc.read_text(encoding="utf-8")
    block = f"{start}\n{text}{end}"
    if start in body:
        head, _, rest = body.partition(start)
        _, _, tail = rest.partition(end)
        body = head + block + tail
    else:
        body = body.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(body, encoding="utf-8")


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="CI size: few phones, short phases")
    parser.add_argument("--seconds", type=float, default=None, help="length of each phase")
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--keep", action="store_true", help="leave the cluster running")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/")
    args = parser.parse_args(argv)
    short = args.short
    seconds = args.seconds or (20 if short else 150)
    mix = (
        {"fm": 2, "eng": 1, "desk": 1, "sup": 1}
        if short
        else {"fm": 6, "eng": 3, "desk": 2, "sup": 2}
    )
    photo_mb = 1.0 if short else 4.0

    cluster = topology.Cluster()
    print("bringing the topology up …", flush=True)
    cluster.up(fresh=True)
    try:
        subprocess.run(
            [topology.venv_bin("xunjian"), "demo", "--empty"], env=cluster.env(), check=True,
            capture_output=True,
        )  # fmt: skip
        photos = make_base_photos(3, photo_mb)
        world = set_up(cluster.layout.base_url, photos, checkpoints=6)

        print(f"phase 1: one app node, {seconds:.0f} s", flush=True)
        cluster.stop("app2")
        one = run_phase(world, "one app node", seconds, mix, lambda: None)
        cluster.start_app(2)

        print(f"phase 2: two app nodes, {seconds:.0f} s", flush=True)
        two = run_phase(world, "two app nodes", seconds, mix, lambda: None)
        phases = [one, two]
        faults: list[str] = []
        if not args.no_faults:
            print(f"phase 3: two app nodes with faults, {seconds:.0f} s", flush=True)
            plan = fault_plan(cluster, seconds, faults)
            phases.append(run_phase(world, "two app nodes + faults", seconds, mix, plan))
        last_fault = time.time()
        resumed = periodic_jobs_resumed(cluster, after=last_fault - 1)
        problems = check_nothing_lost(cluster, [p.ledger for p in phases])
        if not resumed:
            problems.append("no periodic job ran after the faults")
        problems += [f for f in faults if "FAILED" in f]
        summaries = [summarise(p) for p in phases]
        s1, s2 = summaries[0], summaries[1]
        report = {
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "short": short,
            "mix": ", ".join(f"{n} {r}" for r, n in mix.items()),
            "photo_mb": photo_mb,
            "phases": summaries,
            "scaling": round(s2["actions_per_s"] / s1["actions_per_s"], 2)
            if s1["actions_per_s"]
            else 0,
            "faults": faults,
            "periodic_resumed": resumed,
            "problems": problems,
        }
        text = markdown(report)
        print(text)
        (REPO / "bench" / "results").mkdir(exist_ok=True)
        (REPO / "bench" / "results" / "cluster.json").write_text(json.dumps(report, indent=1))
        if not args.no_write and not short:
            write_report(text)
        return 1 if problems else 0
    finally:
        if not args.keep:
            cluster.down()


if __name__ == "__main__":
    sys.exit(main())
