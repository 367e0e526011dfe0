"""Background work on Celery, and the periodic jobs.

Production: Redis broker, `celery -A xunjian.tasks worker` and `celery -A xunjian.tasks beat`.
Embedded default (no broker configured): tasks run in-process (``task_always_eager``) and
:class:`InProcessScheduler`, started by `xunjian serve`, fires the same periodic tasks on the same
schedule, so deadline and SLA checks work on a laptop with nothing else installed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from celery import Celery
from celery.signals import before_task_publish
from sqlalchemy.orm import Session, sessionmaker

from .config import ENV_PREFIX, load_settings
from .db import make_engine, make_sessionmaker, session_scope

log = logging.getLogger("xunjian.tasks")

celery_app = Celery("xunjian")


@before_task_publish.connect
def _stamp_enqueue_time(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """When a task was queued, so /metrics can report the age of the oldest waiting task."""
    if headers is not None:
        headers.setdefault("xj_enqueued_at", time.time())


def configure_celery(broker: str) -> Celery:
    """An empty broker URL selects in-process (eager) execution: the embedded default."""
    celery_app.conf.update(
        broker_url=broker or "memory://",
        result_backend=None,
        task_always_eager=not broker,
        task_eager_propagates=True,
        task_acks_late=True,  # a worker killed mid-task leaves the message for another worker
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        timezone="UTC",
        beat_schedule={
            job.name: {"task": job.task_name, "schedule": job.every.total_seconds()}
            for job in PERIODIC_JOBS
        },
    )
    return celery_app


@lru_cache(maxsize=1)
def _worker_sessions() -> sessionmaker[Session]:
    settings = load_settings()
    return make_sessionmaker(make_engine(settings.database_url))


# Tests and the embedded server point tasks at their own database with this.
_session_factory: Callable[[], sessionmaker[Session]] = _worker_sessions


def use_sessions(factory: sessionmaker[Session] | None) -> None:
    global _session_factory
    _session_factory = (lambda: factory) if factory is not None else _worker_sessions


def task_session() -> Any:
    # A worker process may never have built the app: wire the areas here too (idempotent).
    from .areas import register

    register()
    return session_scope(_session_factory())


_store_factory: Callable[[], Any] | None = None


def use_store(factory: Callable[[], Any] | None) -> None:
    """Where tasks find object storage (the app's store in-process; settings in a worker)."""
    global _store_factory
    _store_factory = factory


def task_store() -> Any:
    if _store_factory is not None:
        return _store_factory()
    from .storage import ObjectStore

    settings = load_settings()
    return ObjectStore(
        settings.s3_endpoint,
        settings.s3_bucket,
        settings.s3_access_key,
        settings.s3_secret_key,
        settings.s3_region,
    )


def _now(now: str | None) -> dt.datetime:
    return dt.datetime.fromisoformat(now) if now else dt.datetime.now(dt.UTC)


@celery_app.task(name="xunjian.purge_expired_tokens")
def purge_expired_tokens(now: str | None = None) -> int:
    """Drop expired tokens and old login attempts (they only grow otherwise)."""
    from .auth.accounts import purge_expired

    with task_session() as session:
        return purge_expired(session, _now(now))


@celery_app.task(
    name="xunjian.evidence_derivatives",
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def evidence_derivatives(evidence_id: int) -> str:
    """Display copy and thumbnail for one photo (retried with backoff if storage is down)."""
    from .evidence.derivatives import render_derivatives

    with task_session() as session:
        evidence = render_derivatives(session, task_store(), evidence_id)
        return evidence.derivatives_state if evidence else "missing"


@celery_app.task(name="xunjian.evidence_derivatives_sweep")
def evidence_derivatives_sweep() -> int:
    """Pick up photos whose derivatives are still pending (e.g. storage was down at upload)."""
    from .evidence.derivatives import pending_derivative_ids

    with task_session() as session:
        ids = pending_derivative_ids(session)
    done = 0
    for evidence_id in ids:
        try:
            evidence_derivatives.apply(args=(evidence_id,), throw=True)
            done += 1
        except Exception:
            log.warning("derivatives still failing for evidence %s", evidence_id, exc_info=True)
    return done


@celery_app.task(name="xunjian.patrol_missed_runs")
def patrol_missed_runs(now: str | None = None) -> int:
    """Raise an alert for every scheduled patrol not started by its start + tolerance."""
    from .patrol.schedule import raise_missed_alerts

    with task_session() as session:
        return raise_missed_alerts(session, _now(now))


@celery_app.task(name="xunjian.renovation_overdue_notices")
def renovation_overdue_notices(now: str | None = None) -> int:
    """Rectification notices whose deadline has passed become overdue."""
    from .renovation.notices import mark_overdue

    with task_session() as session:
        return mark_overdue(session, _now(now))


@celery_app.task(name="xunjian.workorder_escalations")
def workorder_escalations(now: str | None = None) -> int:
    """Escalate open work orders and requests past 2 working days / a week (supervisor/manager)."""
    from .workorders.sla import escalate

    with task_session() as session:
        return escalate(session, _now(now))


@celery_app.task(name="xunjian.webhook_deliver", acks_late=True)
def webhook_deliver(delivery_id: int, now: str | None = None) -> str | None:
    """One attempt at one webhook delivery (a lease keeps two workers from sending it twice)."""
    from .workorders.webhooks import deliver

    with task_session() as session:
        return deliver(session, delivery_id, _now(now))


@celery_app.task(name="xunjian.webhook_sweep")
def webhook_sweep(now: str | None = None) -> int:
    """Hand every due webhook delivery (first attempts and retries) to ``webhook_deliver``."""
    from .workorders.webhooks import due_ids

    with task_session() as session:
        ids = due_ids(session, _now(now))
    for delivery_id in ids:
        try:
            webhook_deliver.delay(delivery_id, now)
        except Exception:  # one bad delivery must not stop the others
            log.warning("webhook delivery %s failed to run", delivery_id, exc_info=True)
    return len(ids)


@celery_app.task(name="xunjian.push_sweep")
def push_sweep(now: str | None = None) -> int:
    """Web Push wake-ups for unread feed news (nothing where no VAPID keys are configured)."""
    from .workorders.push import keys_from, push_due

    keys = keys_from(load_settings())
    if keys is None:
        return 0
    with task_session() as session:
        return push_due(session, keys, _now(now))


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task_name: str
    every: dt.timedelta


# Later areas append their deadline/SLA checks here; beat and the in-process scheduler read it.
PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob("purge-expired-tokens", "xunjian.purge_expired_tokens", dt.timedelta(hours=1)),
    # Every minute: a photo whose task was lost gets its display copy within ~2 minutes.
    PeriodicJob(
        "evidence-derivatives-sweep", "xunjian.evidence_derivatives_sweep", dt.timedelta(minutes=1)
    ),
    PeriodicJob("patrol-missed-runs", "xunjian.patrol_missed_runs", dt.timedelta(seconds=60)),
    PeriodicJob(
        "renovation-overdue-notices",
        "xunjian.renovation_overdue_notices",
        dt.timedelta(minutes=5),
    ),
    PeriodicJob("workorder-escalations", "xunjian.workorder_escalations", dt.timedelta(seconds=60)),
    # Retries are due 30 s after a first failure at the earliest (webhooks.RETRY_DELAYS).
    PeriodicJob("webhook-sweep", "xunjian.webhook_sweep", dt.timedelta(seconds=30)),
    PeriodicJob("push-sweep", "xunjian.push_sweep", dt.timedelta(seconds=30)),
]


class InProcessScheduler:
    """Beat for the embedded default: fires PERIODIC_JOBS in this process when they are due.

    `xunjian scheduler` (started by `xunjian serve`) calls ``run_due`` every ``tick_seconds``.
    """

    def __init__(self, tick_seconds: float = 15.0) -> None:
        self.tick_seconds = tick_seconds
        self._next_run: dict[str, float] = {}

    def run_due(self, monotonic_now: float) -> list[str]:
        fired = []
        for job in PERIODIC_JOBS:
            due = self._next_run.get(job.name, 0.0)
            if monotonic_now >= due:
                self._next_run[job.name] = monotonic_now + job.every.total_seconds()
                try:
                    celery_app.tasks[job.task_name].apply(throw=True)
                    fired.append(job.name)
                except Exception:  # one failing job must not stop the others
                    log.exception("periodic job %s failed", job.name)
        return fired


# `celery -A xunjian.tasks worker|beat` imports this module: configure from the environment.
configure_celery(os.environ.get(ENV_PREFIX + "CELERY_BROKER_URL", ""))
