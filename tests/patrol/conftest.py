"""Patrol fixtures: a small site at CUIHU (four checkpoints ~62 m apart along Block 1, a route
through them, scheduled daily 09:00–11:30 with 45 minutes' tolerance) and request helpers.

The clock stands at T0 = Monday 2026-11-23 09:30 Asia/Shanghai, so a run started "now" is on
time for today's window (latest start 09:45).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import uuid
import zlib
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from tests.conftest import T0
from xunjian.auth.accounts import build_actor
from xunjian.auth.models import User
from xunjian.demo import demo_actor
from xunjian.org.models import Building
from xunjian.patrol import planning as service
from xunjian.patrol.models import Checkpoint, Route

LAT0, LON0 = 22.5431, 113.9345  # CUIHU Block 1
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * 0.923_598  # cos(22.5431°)


def east(metres: float, lat: float = LAT0, lon: float = LON0) -> tuple[float, float]:
    return lat, lon + metres / M_PER_DEG_LON


def north(metres: float, lat: float = LAT0, lon: float = LON0) -> tuple[float, float]:
    return lat + metres / M_PER_DEG_LAT, lon


def circle(lat: float, lon: float, radius_m: float = 20) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat], "radius_m": radius_m}


def actor_of(session: Any, username: str) -> Any:
    user = session.scalar(select(User).where(User.username == username))
    return build_actor(session, user)


def make_checkpoint(session: Any, property_id: int, code: str, lat: float, lon: float, **kw: Any):
    return service.create_checkpoint(
        session,
        demo_actor(session),
        property_id,
        code=code,
        name_zh=kw.pop("name_zh", f"测试点{code}"),
        name_en=kw.pop("name_en", f"Test point {code}"),
        latitude=lat,
        longitude=lon,
        geofence=kw.pop("geofence", circle(lat, lon)),
        **kw,
    )


def make_route(session: Any, property_id: int, checkpoints: list[Checkpoint], **kw: Any) -> Route:
    return service.create_route(
        session,
        demo_actor(session),
        kw.pop("since", T0 - dt.timedelta(hours=1)),
        property_id,
        code=kw.pop("code", "R-TEST"),
        name_zh=kw.pop("name_zh", "测试路线"),
        name_en=kw.pop("name_en", "Test route"),
        stops=[{"checkpoint_id": c.id, "expected_minutes": 2} for c in checkpoints],
        windows=kw.pop(
            "windows",
            [
                {
                    "weekdays": [1, 2, 3, 4, 5, 6, 7],
                    "start": dt.time(9, 0),
                    "end": dt.time(11, 30),
                    "start_tolerance_minutes": 45,
                }
            ],
        ),
        **kw,
    )


@dataclass
class Site:
    property_id: int
    building_id: int
    checkpoints: list[Checkpoint]
    route: Route

    def cp(self, n: int) -> Checkpoint:
        return self.checkpoints[n - 1]

    def position(self, n: int) -> tuple[float, float]:
        cp = self.cp(n)
        assert cp.latitude is not None and cp.longitude is not None
        return cp.latitude, cp.longitude


@pytest.fixture
def site(session, demo) -> Site:
    building = session.scalar(
        select(Building).where(Building.property_id == demo.cuihu, Building.code == "B1")
    )
    checkpoints = [
        make_checkpoint(session, demo.cuihu, f"T{n}", *east(62 * (n - 1)), building_id=building.id)
        for n in range(1, 5)
    ]
    route = make_route(session, demo.cuihu, checkpoints)
    session.commit()
    return Site(demo.cuihu, building.id, checkpoints, route)


class Patrol:
    """One person's phone talking to the API."""

    def __init__(self, client: Any, clock: Any) -> None:
        self.client = client
        self.clock = clock

    def start(self, route: Route, **body: Any) -> Any:
        body.setdefault("client_id", str(uuid.uuid4()))
        return self.client.post(f"/api/v1/patrol/routes/{route.id}/runs", json=body)

    def check_in(self, run_id: int, **body: Any) -> Any:
        body.setdefault("client_id", str(uuid.uuid4()))
        body.setdefault("device_time", self.clock.now().isoformat())
        return self.client.post(f"/api/v1/patrol/runs/{run_id}/checkins", json=body)

    def qr(self, run_id: int, checkpoint: Checkpoint, **body: Any) -> Any:
        return self.check_in(run_id, qr_token=f"xjcp:{checkpoint.qr_token}", **body)

    def gps(self, run_id: int, lat: float, lon: float, accuracy: float = 8, **body: Any) -> Any:
        return self.check_in(run_id, latitude=lat, longitude=lon, accuracy_m=accuracy, **body)

    def finding(self, run_id: int, **body: Any) -> Any:
        body.setdefault("client_id", str(uuid.uuid4()))
        return self.client.post(f"/api/v1/patrol/runs/{run_id}/findings", json=body)

    def finish(self, run_id: int, etag: str = "*", **body: Any) -> Any:
        return self.client.post(
            f"/api/v1/patrol/runs/{run_id}/finish", json=body, headers={"If-Match": etag}
        )

    def run(self, run_id: int) -> Any:
        return self.client.get(f"/api/v1/patrol/runs/{run_id}")


@pytest.fixture
def patrol(as_user, clock):
    return lambda username="fm1": Patrol(as_user(username), clock)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert set(response.json) == {"code", "message", "details"}
    assert response.json["message"]
    assert response.json["details"].get("message_zh")
    if code:
        assert response.json["code"] == code, response.json
    return response.json


def flag_codes(item: dict[str, Any]) -> list[str]:
    return [f["code"] for f in item["flags"]]


def png_data_url(width: int = 240, height: int = 80) -> str:
    image = Image.new("L", (width, height), 255)
    for x in range(20, width - 20):  # a stroke, so it is not blank
        image.putpixel((x, height // 2 + (x % 7) - 3), 0)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


# --- reading the text of ReportLab PDFs without a PDF library -------------------------------

_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)
_TOKEN = re.compile(rb"/(F\d+)\s+[\d.]+\s+Tf|\(((?:\\.|[^\\)])*)\)", re.S)
_CID_FONT = re.compile(rb"/Encoding /UniGB-UCS2-H /Name /(F\d+)")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(literal: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(literal):
        if literal[i : i + 1] != b"\\":
            out += literal[i : i + 1]
            i += 1
            continue
        octal = re.match(rb"[0-7]{1,3}", literal[i + 1 : i + 4])
        if octal:
            out.append(int(octal.group(), 8))
            i += 1 + len(octal.group())
        else:
            nxt = literal[i + 1 : i + 2]
            out += _ESCAPES.get(nxt, nxt)
            i += 2
    return bytes(out)


def pdf_text(data: bytes) -> str:
    """Text shown on ReportLab pages: strings in the CID font (STSong-Light, UniGB-UCS2-H) are
    UTF-16BE, the others Latin-1. Page streams are ASCII85 + Flate, as ReportLab writes them."""
    assert data.startswith(b"%PDF-")
    cid_fonts = set(_CID_FONT.findall(data))
    assert cid_fonts, "no Chinese (CID) font in this PDF"
    texts = []
    for match in _STREAM.finditer(data):
        try:
            content = zlib.decompress(base64.a85decode(match.group(1).strip().removesuffix(b"~>")))
        except (ValueError, zlib.error):
            continue  # images and other binary streams
        font = b""
        for font_name, literal in _TOKEN.findall(content):
            if font_name:
                font = font_name
                continue
            body = _unescape(literal)
            texts.append(body.decode("utf-16-be") if font in cid_fonts else body.decode("latin-1"))
    return "".join(texts)
