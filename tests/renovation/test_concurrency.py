"""Serial numbers under real concurrency: committed transactions on separate connections."""

from __future__ import annotations

import threading
import uuid

from sqlalchemy import delete, select, update

from tests.renovation.conftest import make_site, unit_id, violation
from xunjian.db import make_sessionmaker
from xunjian.demo import demo_actor
from xunjian.org.models import Property
from xunjian.renovation import inspections, notices
from xunjian.renovation.models import (
    Inspection,
    InspectionResult,
    Measure,
    Notice,
    NoticeCounter,
    Renovation,
)


def test_concurrent_issues_get_distinct_consecutive_serials(engine, clock):
    sessions = make_sessionmaker(engine)
    with sessions() as s:
        prop = s.scalar(select(Property).where(Property.code == "CUIHU"))
        site = make_site(s, clock, prop.id, unit_id(s, prop.id, "B2", "102"))
        actor = demo_actor(s)
        inspection = inspections.record_inspection(
            s,
            actor,
            clock.now(),
            prop,
            site,
            client_id=uuid.uuid4(),
            results=[violation(c) for c in ("R20", "R22", "R23")],
        )
        s.flush()
        ids = s.scalars(
            select(InspectionResult.id)
            .where(InspectionResult.inspection_id == inspection.id)
            .where(InspectionResult.result == "violation")
        ).all()
        drafts = [
            notices.create_notice(s, actor, clock.now(), prop, site, violation_ids=[i]).id
            for i in ids
        ]
        s.commit()
        site_id, property_id = site.id, prop.id
    try:
        barrier = threading.Barrier(len(drafts))
        errors: list[BaseException] = []

        def issue(notice_id: int) -> None:
            with sessions() as s:
                try:
                    barrier.wait()
                    p = s.scalar(select(Property).where(Property.id == property_id))
                    r = s.scalar(select(Renovation).where(Renovation.id == site_id))
                    n = s.scalar(select(Notice).where(Notice.id == notice_id))
                    notices.issue_notice(s, demo_actor(s), clock.now(), p, r, n)
                    s.commit()
                except BaseException as error:  # reported below, not lost in the thread
                    errors.append(error)

        threads = [threading.Thread(target=issue, args=(n,)) for n in drafts]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        with sessions() as s:
            serials = sorted(s.scalars(select(Notice.serial).where(Notice.id.in_(drafts))).all())
        assert serials == [f"CUIHU-2026-000{n}" for n in range(1, len(drafts) + 1)]
    finally:
        with sessions() as s:
            s.execute(delete(Measure).where(Measure.notice_id.in_(drafts)))
            s.execute(
                update(InspectionResult)
                .where(InspectionResult.renovation_id == site_id)
                .values(notice_id=None)
            )
            s.execute(delete(Notice).where(Notice.renovation_id == site_id))
            s.execute(delete(InspectionResult).where(InspectionResult.renovation_id == site_id))
            s.execute(delete(Inspection).where(Inspection.renovation_id == site_id))
            s.execute(delete(Renovation).where(Renovation.id == site_id))
            s.execute(delete(NoticeCounter).where(NoticeCounter.property_id == property_id))
            s.commit()
