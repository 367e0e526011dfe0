"""Background work through a real Celery worker with Redis as the broker (the production path)."""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid

import pytest
from celery.signals import task_postrun
from sqlalchemy import func, select

from xunjian.auth.models import ApiToken, User
from xunjian.tasks import purge_expired_tokens, use_sessions

REDIS_URL = os.environ.get("XUNJIAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_app(sessions):
    """A Celery app on the Redis broker running our task function in a real worker thread.

    Its own app instance (not the module's, which earlier tests used eagerly and whose broker
    connections are cached), a queue of its own, the task's code unchanged.
    """
    import redis
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    app = Celery("xunjian-redis-test", broker=REDIS_URL)
    app.conf.task_default_queue = f"xunjian-test-{uuid.uuid4().hex[:12]}"
    task = app.task(name="xunjian.purge_expired_tokens")(purge_expired_tokens.run)
    use_sessions(sessions)  # the worker thread works on this test's (rolled-back) connection
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield task


def test_task_runs_on_a_worker_through_redis(redis_app, session, clock):
    user_id = session.scalar(select(User.id).where(User.username == "fm1"))
    session.add(
        ApiToken(
            user_id=user_id,
            token_hash=uuid.uuid4().hex * 2,
            created_at=clock.now() - dt.timedelta(days=30),
            expires_at=clock.now() - dt.timedelta(days=3),
        )
    )
    session.commit()
    before = session.scalar(select(func.count()).select_from(ApiToken))
    # No result backend (the service needs none): the worker's task_postrun signal tells us.
    done = threading.Event()
    outcome: dict[str, object] = {}

    # The id is chosen before sending: the worker may finish before delay() returns.
    expected_id = str(uuid.uuid4())

    def finished(sender=None, task_id=None, retval=None, state=None, **_):
        if task_id == expected_id:
            outcome.update(retval=retval, state=state)
            done.set()

    task_postrun.connect(finished, weak=False)
    try:
        redis_app.apply_async(kwargs={"now": clock.now().isoformat()}, task_id=expected_id)
        assert done.wait(30), "the worker did not run the task"
    finally:
        task_postrun.disconnect(finished)
    assert outcome["state"] == "SUCCESS" and outcome["retval"] >= 1
    assert session.scalar(select(func.count()).select_from(ApiToken)) == before - outcome["retval"]
