"""The derivatives sweep (issue 17): a photo whose task was lost — storage down, or a Celery
worker killed mid-task whose message Redis redelivers only after its visibility timeout — gets
its display copy from the periodic sweep once it has been pending a minute; a photo uploaded
just now is left to its own task (no duplicate work while the queue is merely busy)."""

from __future__ import annotations

import datetime as dt

from tests.evidence import photos
from xunjian.evidence.derivatives import SWEEP_AFTER, pending_derivative_ids
from xunjian.evidence.models import Evidence
from xunjian.tasks import evidence_derivatives_sweep, use_store


def _as_if_task_lost(session, evidence_id: int) -> Evidence:
    evidence = session.get(Evidence, evidence_id)
    evidence.derivatives_state = "pending"
    evidence.display_key = None
    evidence.thumb_key = None
    session.commit()
    return evidence


def test_sweep_takes_photos_pending_over_a_minute_only(upload, session, clock, app_store):
    first = upload(photos.jpeg(640, 480, seed=11))
    second = upload(photos.jpeg(640, 480, seed=12))
    assert first.status_code == 201 and second.status_code == 201
    old = _as_if_task_lost(session, first.json["id"])
    fresh = _as_if_task_lost(session, second.json["id"])
    old.received_at = clock.now() - SWEEP_AFTER - dt.timedelta(seconds=1)
    fresh.received_at = clock.now() - dt.timedelta(seconds=5)
    session.commit()

    assert pending_derivative_ids(session, now=clock.now()) == [old.id]

    use_store(lambda: app_store)
    try:
        # The periodic task itself, on the system clock: both rows are old by then, so this
        # shows the sweep renders what it selects (the selection is pinned above).
        assert evidence_derivatives_sweep.apply().get() >= 1
    finally:
        use_store(None)
    session.expire_all()
    swept = session.get(Evidence, old.id)
    assert swept.derivatives_state == "ready" and swept.display_key
    assert app_store.exists(swept.display_key)
