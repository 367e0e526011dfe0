"""The demo's 30 days, area by area. Each area writes its own time line through its services;
the areas do not share records except where the product links them (a patrol finding becomes a
work order), so running them one after the other keeps every time line consistent.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..areas import register as register_areas
from ..org.models import Property
from . import patrols, renovation, workorders
from .world import World

log = logging.getLogger("xunjian.demo")


def load_history(
    session: Session, *, store: Any, signer: Any, now: dt.datetime, rng: random.Random
) -> dict[str, int]:
    register_areas()  # photo contexts: the strip names the place a photo was taken
    props = {p.code: p for p in session.scalars(select(Property).order_by(Property.id))}
    world = World(session=session, rng=rng, now=now, store=store, signer=signer, props=props)
    counts: dict[str, int] = {}
    started = time.monotonic()

    places = patrols.build_places(world)
    routes = patrols.build_routes(world, places, world.start - dt.timedelta(days=1))
    counts.update(patrols.history(world, routes))
    patrols.spot_route(world, places)
    patrols.spot_checks(world)
    patrols.handovers(world)
    patrols.loans(world)
    log.info("demo patrols written in %.1f s", time.monotonic() - started)

    counts.update(renovation.history(world))
    log.info("demo renovation written in %.1f s", time.monotonic() - started)

    counts.update(workorders.history(world))
    log.info("demo work orders written in %.1f s", time.monotonic() - started)

    patrols.review_photos(world)
    counts["photos"] = world.render_photos()
    session.flush()
    log.info("demo history written in %.1f s", time.monotonic() - started)
    return counts
