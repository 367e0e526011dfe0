"""Prometheus metrics at ``/metrics`` (prometheus-client), for operators, not for phones.

Per request: rate and latency by endpoint (the URL rule, so cardinality stays bounded), upload
bytes and durations, and the errors phones' outboxes see, by the error's code. At scrape time:
the task queue's depth and the age of its oldest message (Redis broker), the evidence chain and
derivative backlog, and the data dir's disk use — the most common failure of a self-hosted
evidence store is a full disk, so `infra/prometheus/alerts.yml` alerts well before it fills.

Under gunicorn every worker counts its own requests; with ``PROMETHEUS_MULTIPROC_DIR`` set
(infra/gunicorn.conf.py sets it) the scrape adds them up across workers.

Access: with ``XUNJIAN_METRICS_TOKEN`` set, a scrape must send it as a bearer token; without
one, only loopback clients are answered. nginx (infra/nginx/xunjian.conf) refuses ``/metrics``
from outside either way: scrape the app nodes on the internal network.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "xunjian_http_requests_total", "HTTP requests answered", ["method", "endpoint", "status"]
)
LATENCY = Histogram(
    "xunjian_http_request_seconds",
    "Time to answer a request",
    ["method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
UPLOAD_BYTES = Counter("xunjian_upload_bytes_total", "Bytes of photo uploads received")
UPLOAD_SECONDS = Histogram(
    "xunjian_upload_seconds",
    "Time to accept one photo upload (read, check, store, record)",
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60),
)
ERRORS = Counter(
    "xunjian_api_errors_total",
    "Error answers by their code (what a phone's outbox sees and may retry)",
    ["status", "code"],
)

UPLOAD_RULE = "/api/v1/evidence"


def _endpoint() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def install_metrics(app: Flask) -> None:
    @app.before_request
    def _clock() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        if request.path == "/metrics":
            return response
        elapsed = time.perf_counter() - g.get("metrics_started", time.perf_counter())
        endpoint = _endpoint()
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        LATENCY.labels(request.method, endpoint).observe(elapsed)
        if request.method == "POST" and endpoint == UPLOAD_RULE:
            UPLOAD_BYTES.inc(request.content_length or 0)
            UPLOAD_SECONDS.observe(elapsed)
        if response.status_code >= 400 and response.mimetype == "application/json":
            code = _error_code(response)
            ERRORS.labels(str(response.status_code), code).inc()
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        _check_access(app.extensions["xunjian"].settings.metrics_token)
        registry = CollectorRegistry()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            multiprocess.MultiProcessCollector(registry)
        else:
            for collector in (REQUESTS, LATENCY, UPLOAD_BYTES, UPLOAD_SECONDS, ERRORS):
                registry.register(collector)
        registry.register(StateCollector(app))
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)

    metrics._xunjian_public = True  # type: ignore[attr-defined]


def _error_code(response: Response) -> str:
    try:
        body = json.loads(response.get_data(as_text=True) or "{}")
    except ValueError:
        return "unknown"
    code = body.get("code") if isinstance(body, dict) else None
    # Codes are ours (snake_case words); anything else is bucketed to keep cardinality bounded.
    return code if isinstance(code, str) and code.replace("_", "").isalnum() else "unknown"


def _check_access(token: str) -> None:
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token):
            abort(404)
        return
    try:
        loopback = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        abort(404)


class StateCollector(Collector):
    """Read at scrape time: queue, chain, derivative backlog, disk."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Any:
        settings = self.app.extensions["xunjian"].settings
        yield from _disk(Path(settings.data_dir))
        yield from _queue(settings.celery_broker_url)
        yield from _evidence(self.app)


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc)
    family.add_metric([], value)
    return family


def _disk(data_dir: Path) -> Any:
    target = data_dir if data_dir.exists() else data_dir.parent
    usage = shutil.disk_usage(target)
    yield _gauge("xunjian_data_dir_free_bytes", "Free bytes where the data dir lives", usage.free)
    yield _gauge("xunjian_data_dir_size_bytes", "Size of the data dir's file system", usage.total)


def _queue(broker_url: str) -> Any:
    if not broker_url.startswith("redis"):
        return
    import redis

    try:
        client = redis.Redis.from_url(broker_url, socket_timeout=1, socket_connect_timeout=1)
        depth = client.llen("celery")
        oldest = client.lindex("celery", -1)  # kombu LPUSHes and BRPOPs: the oldest is last
    except redis.RedisError:
        yield _gauge("xunjian_task_queue_up", "Broker reachable at scrape time", 0)
        return
    yield _gauge("xunjian_task_queue_up", "Broker reachable at scrape time", 1)
    yield _gauge("xunjian_task_queue_depth", "Tasks waiting for a worker", depth)
    age = 0.0
    if oldest:
        try:
            headers = json.loads(oldest).get("headers", {})
            age = max(0.0, time.time() - float(headers.get("xj_enqueued_at", time.time())))
        except (ValueError, TypeError, AttributeError):
            age = 0.0
    yield _gauge("xunjian_task_queue_oldest_seconds", "Age of the oldest waiting task", age)


def _evidence(app: Flask) -> Any:
    from sqlalchemy import func, select

    from ..evidence.models import ChainHead, Evidence
    from ..tenancy import unscoped

    sessions = app.extensions["xunjian"].sessions
    with sessions() as session:
        head = session.execute(unscoped(select(ChainHead.last_seq))).scalar()
        pending = session.execute(
            unscoped(select(func.count(Evidence.id)).where(Evidence.derivatives_state != "ready"))
        ).scalar_one()
    yield _gauge("xunjian_evidence_chain_entries", "Entries in the evidence hash chain", head or 0)
    yield _gauge(
        "xunjian_evidence_derivatives_pending", "Photos without display copies yet", pending
    )
