"""What every part of the demo history shares: the session, the seeded randomness, the time
line, the people (as actors), the object store and signer, and generated photos.

History is written through the public service functions with an explicit ``now`` for each step,
exactly as the API would call them at that moment, so the records obey today's rules.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import random
import uuid
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth import accounts as auth_service
from ..auth.models import User
from ..evidence import imaging
from ..evidence.derivatives import render_derivatives
from ..evidence.ingest import PhotoUpload, ingest_photo
from ..evidence.integrity import Signer
from ..org.models import Building, Floor, Property, Unit
from ..tenancy import Actor

HISTORY_DAYS = 30
MAX_PHOTO_BYTES = 25 * 1024 * 1024


@dataclass
class World:
    session: Session
    rng: random.Random
    now: dt.datetime
    store: Any
    signer: Signer
    props: dict[str, Property]
    _actors: dict[str, Actor] = field(default_factory=dict)
    _users: dict[str, int] = field(default_factory=dict)
    _photos: list[int] = field(default_factory=list)

    @property
    def start(self) -> dt.datetime:
        return self.now - dt.timedelta(days=HISTORY_DAYS)

    def tz(self, code: str) -> ZoneInfo:
        return ZoneInfo(self.props[code].timezone)

    def local_day(self, code: str, days_ago: int) -> dt.date:
        return (self.now.astimezone(self.tz(code)) - dt.timedelta(days=days_ago)).date()

    def at(self, code: str, day: dt.date, hhmm: str) -> dt.datetime:
        """A local wall-clock time at the property, in UTC."""
        local = dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=self.tz(code))
        return local.astimezone(dt.UTC)

    def days_back(self, days: float, *, hour_jitter: float = 0) -> dt.datetime:
        jitter = self.rng.uniform(-hour_jitter, hour_jitter) if hour_jitter else 0.0
        return self.now - dt.timedelta(days=days, hours=jitter)

    def cid(self) -> uuid.UUID:
        """A client UUID drawn from the seeded generator: the same seed, the same ids."""
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def actor(self, username: str) -> Actor:
        if username not in self._actors:
            user = self.session.scalar(select(User).where(User.username == username))
            assert user is not None, username
            self._actors[username] = auth_service.build_actor(self.session, user)
            self._users[username] = user.id
        return self._actors[username]

    def user_id(self, username: str) -> int:
        self.actor(username)
        return self._users[username]

    def unit(self, code: str, building: str, number: str) -> Unit:
        prop_id = self.props[code].id
        found = self.session.scalar(
            select(Unit)
            .join(Building, Building.id == Unit.building_id)
            .where(Unit.property_id == prop_id, Building.code == building, Unit.number == number)
        )
        assert found is not None, (code, building, number)
        return found

    def units(self, code: str) -> list[Unit]:
        return list(
            self.session.scalars(
                select(Unit).where(Unit.property_id == self.props[code].id).order_by(Unit.id)
            )
        )

    def buildings(self, code: str) -> list[Building]:
        return list(
            self.session.scalars(
                select(Building)
                .where(Building.property_id == self.props[code].id)
                .order_by(Building.id)
            )
        )

    def floors(self, building: Building) -> list[Floor]:
        return list(
            self.session.scalars(
                select(Floor).where(Floor.building_id == building.id).order_by(Floor.level)
            )
        )

    # --- photos ----------------------------------------------------------------------------

    def photo(
        self,
        username: str,
        code: str,
        context_type: str,
        context_id: uuid.UUID | str,
        at: dt.datetime,
        caption: str,
        *,
        position: tuple[float, float] | None = None,
    ) -> uuid.UUID:
        """A generated photo uploaded through the evidence pipeline at ``at``; returns its
        client UUID. The stamped display copy is made by :meth:`render_photos` once the record
        the photo belongs to exists (the strip names its place)."""
        client_id = self.cid()
        data = scene(self.rng, caption)
        lat, lon = position if position else (None, None)
        upload = PhotoUpload(
            client_id=client_id,
            sha256=hashlib.sha256(data).hexdigest(),
            property_id=self.props[code].id,
            context_type=context_type,
            context_id=str(context_id),
            captured_at=at - dt.timedelta(seconds=self.rng.randint(5, 90)),
            device_id=f"demo-{username}",
            latitude=lat,
            longitude=lon,
            accuracy_m=8.0 if position else None,
            note=caption,
        )
        result = ingest_photo(
            self.session,
            self.actor(username),
            store=self.store,
            signer=self.signer,
            upload=upload,
            data=data,
            now=at,
            max_bytes=MAX_PHOTO_BYTES,
            max_pixels=imaging.DEFAULT_MAX_PIXELS,
        )
        self._photos.append(result.evidence.id)
        return client_id

    def render_photos(self) -> int:
        self.session.flush()
        for evidence_id in self._photos:
            render_derivatives(self.session, self.store, evidence_id)
        done, self._photos = len(self._photos), []
        return done


def scene(rng: random.Random, caption: str) -> bytes:
    """A small JPEG that looks like a photo of a place: a wall, a floor, a few shapes."""
    width, height = 800, 600
    wall = tuple(rng.randint(150, 220) for _ in range(3))
    image = Image.new("RGB", (width, height), wall)
    draw = ImageDraw.Draw(image)
    horizon = rng.randint(330, 420)
    draw.rectangle((0, horizon, width, height), fill=tuple(rng.randint(70, 140) for _ in range(3)))
    for _ in range(rng.randint(3, 7)):
        x, y = rng.randint(0, width - 120), rng.randint(60, height - 120)
        w, h = rng.randint(40, 220), rng.randint(30, 180)
        colour = tuple(rng.randint(20, 250) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle((x, y, x + w, y + h), fill=colour)
        else:
            draw.ellipse((x, y, x + w, y + h), fill=colour)
    draw.text((24, 24), caption.encode("ascii", "ignore").decode() or "demo", fill=(30, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def signature_png(rng: random.Random) -> str:
    """A drawn signature as the phone sends it: a PNG data URL with one wavy stroke."""
    image = Image.new("L", (300, 100), 255)
    draw = ImageDraw.Draw(image)
    points = [(20 + i * 13, 50 + rng.randint(-25, 25)) for i in range(21)]
    draw.line(points, fill=0, width=3)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
