"""Geofences: GeoJSON in the API, shapely inside, metres for every distance.

A geofence is a GeoJSON Polygon, or a Point with the foreign member ``radius_m`` (RFC 7946
§6.1 allows foreign members). Distances are taken in a local equirectangular frame around the
property (``xunjian.geo``): within a few kilometres that is accurate to well under a metre.

GPS-only check-ins ask "which geofences contain this fix, given its accuracy?". Each process
keeps an STRtree of a property's geofences, rebuilt only when the property's ``GeoRevision``
token changes, so the question costs one indexed row read plus a tree query whatever the number
of checkpoints (bench/bench_checkin.py).
"""

from __future__ import annotations

import math
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import geo
from ..errors import InvalidInput
from .models import Checkpoint, GeoRevision

DEFAULT_RADIUS_M = 25.0
MAX_RADIUS_M = 2000.0
MAX_EXTENT_M = 5000.0  # a property is not bigger; larger polygons are typos (swapped lon/lat)
_CIRCLE_QUAD_SEGS = 8  # 32-gon: 0.5 % short of the true radius at most


def _bad(message: str, message_zh: str, field: str = "geofence") -> InvalidInput:
    return InvalidInput(
        message,
        message_zh=message_zh,
        code="invalid_geofence",
        details={"fields": {"json": {field: [message]}}},
    )


def _position(value: Any, where: str) -> tuple[float, float]:
    if (
        not isinstance(value, list | tuple)
        or len(value) not in (2, 3)
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise _bad(
            f"{where}: a position is [longitude, latitude] (two numbers), got {value!r:.60}.",
            f"{where}：坐标应为 [经度, 纬度] 两个数字。",
        )
    lon, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise _bad(
            f"{where}: coordinates must be finite numbers.", f"{where}：坐标必须是有限数字。"
        )
    if not -90 <= lat <= 90:
        raise _bad(
            f"{where}: latitude {lat:g} is outside -90..90 (GeoJSON positions are "
            "[longitude, latitude]; are they swapped?).",
            f"{where}：纬度 {lat:g} 超出 -90 至 90 范围（GeoJSON 坐标顺序为 [经度, 纬度]）。",
        )
    if not -180 <= lon <= 180:
        raise _bad(
            f"{where}: longitude {lon:g} is outside -180..180.",
            f"{where}：经度 {lon:g} 超出 -180 至 180 范围。",
        )
    return lon, lat


def _ring(value: Any, where: str) -> list[tuple[float, float]]:
    if not isinstance(value, list | tuple) or len(value) < 4:
        raise _bad(
            f"{where}: a polygon ring needs at least 4 positions (the first repeated last).",
            f"{where}：多边形边界至少需要 4 个坐标点（首尾相同）。",
        )
    points = [_position(p, f"{where}[{i}]") for i, p in enumerate(value)]
    if points[0] != points[-1]:
        raise _bad(
            f"{where}: the ring is not closed; repeat the first position at the end.",
            f"{where}：多边形边界未闭合，请在末尾重复第一个坐标点。",
        )
    return points


@dataclass(frozen=True)
class Fence:
    """A parsed geofence: a lon/lat shape plus a radius (0 for polygons)."""

    shape: BaseGeometry
    radius_m: float

    @property
    def anchor(self) -> tuple[float, float]:
        """A (lon, lat) inside the fence, used as the checkpoint's position when none is given."""
        point = self.shape.representative_point()
        return float(point.x), float(point.y)

    def metres_outside(self, lon: float, lat: float) -> float:
        """Metres from the fix to the fence (0 inside), before any accuracy buffer."""
        return max(0.0, geo.metres_outside(self.shape, lon, lat) - self.radius_m)

    def local(self, ref_lon: float, ref_lat: float) -> BaseGeometry:
        shape = geo.to_local(self.shape, ref_lon, ref_lat)
        return shape.buffer(self.radius_m, quad_segs=_CIRCLE_QUAD_SEGS) if self.radius_m else shape

    def as_lonlat_polygon(self) -> BaseGeometry:
        """The fence as a lon/lat polygon (a circle becomes a 32-gon), for other areas."""
        if not self.radius_m:
            return self.shape
        lon0, lat0 = self.anchor
        circle = self.local(lon0, lat0)
        k_lon = geo.METRES_PER_DEGREE_LON_EQUATOR * math.cos(math.radians(lat0))
        scale = np.array([k_lon, geo.METRES_PER_DEGREE_LAT])
        origin = np.array([lon0, lat0])
        return shapely.transform(circle, lambda coords: coords / scale + origin)


def parse_geofence(value: Any) -> dict[str, Any]:
    """Validate a GeoJSON geofence; returns it normalised. InvalidInput (422) says what is wrong."""
    if not isinstance(value, dict) or "type" not in value:
        raise _bad(
            'The geofence must be a GeoJSON object: {"type": "Polygon", "coordinates": [[[lon, '
            'lat], ...]]} or {"type": "Point", "coordinates": [lon, lat], "radius_m": 30}.',
            "电子围栏须为 GeoJSON 对象（Polygon，或带 radius_m 的 Point）。",
        )
    kind = value.get("type")
    coordinates = value.get("coordinates")
    radius = value.get("radius_m")
    if kind == "Point":
        lon, lat = _position(coordinates, "geofence.coordinates")
        if (
            not isinstance(radius, int | float)
            or isinstance(radius, bool)
            or not 1 <= radius <= MAX_RADIUS_M
        ):
            raise _bad(
                f"A Point geofence needs radius_m, in metres from 1 to {MAX_RADIUS_M:g}.",
                f"点状电子围栏需要 radius_m（1 至 {MAX_RADIUS_M:g} 米）。",
            )
        return {"type": "Point", "coordinates": [lon, lat], "radius_m": float(radius)}
    if kind != "Polygon":
        raise _bad(
            f"The geofence type must be Polygon or Point (with radius_m), not {kind!r:.40}.",
            "电子围栏类型须为 Polygon 或 Point（带 radius_m）。",
        )
    if radius is not None:
        raise _bad(
            "radius_m belongs to Point geofences only; a Polygon is its own boundary.",
            "radius_m 仅用于点状电子围栏。",
        )
    if not isinstance(coordinates, list | tuple) or not coordinates:
        raise _bad(
            "A Polygon's coordinates are a list of rings: [[[lon, lat], ...]].",
            "多边形坐标应为边界列表：[[[经度, 纬度], ...]]。",
        )
    rings = [_ring(r, f"geofence.coordinates[{i}]") for i, r in enumerate(coordinates)]
    polygon = Polygon(rings[0], rings[1:])
    if not polygon.is_valid:
        reason = explain_validity(polygon)
        raise _bad(
            f"The geofence polygon is not valid: {reason} (edges must not cross).",
            f"电子围栏多边形无效：{reason}（边不能交叉）。",
        )
    minx, miny, maxx, maxy = geo.to_local(polygon, *polygon.centroid.coords[0]).bounds
    if polygon.area == 0 or max(maxx - minx, maxy - miny) > MAX_EXTENT_M:
        raise _bad(
            f"The geofence polygon must enclose an area and span at most {MAX_EXTENT_M:g} m.",
            f"电子围栏多边形须有面积，且跨度不超过 {MAX_EXTENT_M:g} 米。",
        )
    return {"type": "Polygon", "coordinates": [[list(p) for p in r] for r in rings]}


def fence_of(geofence: dict[str, Any]) -> Fence:
    """A stored (already validated) geofence as a Fence."""
    if geofence["type"] == "Point":
        lon, lat = geofence["coordinates"]
        return Fence(Point(lon, lat), float(geofence["radius_m"]))
    return Fence(shapely.geometry.shape(mapping_of(geofence)), 0.0)


def mapping_of(geofence: dict[str, Any]) -> dict[str, Any]:
    return {"type": geofence["type"], "coordinates": geofence["coordinates"]}


def circle(lon: float, lat: float, radius_m: float = DEFAULT_RADIUS_M) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat], "radius_m": radius_m}


# --- the per-property spatial index -------------------------------------------------------


def bump_revision(session: Session, property_id: int) -> None:
    """Invalidate every process's cached index of ``property_id`` (call on checkpoint writes)."""
    token = uuid.uuid4().hex
    stmt = update(GeoRevision).where(GeoRevision.property_id == property_id).values(token=token)
    if session.execute(stmt).rowcount:  # type: ignore[attr-defined]
        return
    try:
        with session.begin_nested():
            session.add(GeoRevision(property_id=property_id, token=token))
    except IntegrityError:  # another writer created the row first
        session.execute(stmt)


@dataclass(frozen=True)
class _Index:
    token: str
    ref: tuple[float, float]
    tree: STRtree
    ids: np.ndarray[Any, Any]
    shapes: np.ndarray[Any, Any]


_CACHE: OrderedDict[int, _Index] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 256


def _build(session: Session, property_id: int, token: str) -> _Index | None:
    """Vectorised: 10,000 circles are projected and buffered in a few array calls."""
    rows = session.execute(
        select(Checkpoint.id, Checkpoint.geofence).where(
            Checkpoint.property_id == property_id,
            Checkpoint.active.is_(True),
            Checkpoint.geofence.is_not(None),
        )
    ).all()
    if not rows:
        return None
    circles = [(i, g) for i, g in rows if g["type"] == "Point"]
    others = [(i, g) for i, g in rows if g["type"] != "Point"]
    centres = np.array([g["coordinates"] for _, g in circles], dtype=float).reshape(-1, 2)
    polygons = np.array([shapely.geometry.shape(mapping_of(g)) for _, g in others], dtype=object)
    anchors = np.vstack(
        [centres, shapely.get_coordinates(shapely.point_on_surface(polygons)).reshape(-1, 2)]
    )
    ref = (float(anchors[:, 0].mean()), float(anchors[:, 1].mean()))
    scale = np.array(
        [
            geo.METRES_PER_DEGREE_LON_EQUATOR * math.cos(math.radians(ref[1])),
            geo.METRES_PER_DEGREE_LAT,
        ]
    )
    origin = np.array(ref)
    radii = np.array([g["radius_m"] for _, g in circles], dtype=float)
    local_circles = shapely.buffer(
        shapely.points((centres - origin) * scale), radii, quad_segs=_CIRCLE_QUAD_SEGS
    )
    local_polygons = shapely.transform(polygons, lambda coords: (coords - origin) * scale)
    shapes = np.concatenate([local_circles, local_polygons])
    return _Index(
        token=token,
        ref=ref,
        tree=STRtree(shapes),
        ids=np.array([i for i, _ in circles] + [i for i, _ in others]),
        shapes=shapes,
    )


def _index(session: Session, property_id: int) -> _Index | None:
    token = session.scalar(select(GeoRevision.token).where(GeoRevision.property_id == property_id))
    if token is None:  # never written through the service: build, do not cache
        return _build(session, property_id, "")
    with _CACHE_LOCK:
        cached = _CACHE.get(property_id)
        if cached is not None and cached.token == token:
            _CACHE.move_to_end(property_id)
            return cached
    built = _build(session, property_id, token)
    if built is not None:
        with _CACHE_LOCK:
            _CACHE[property_id] = built
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return built


def checkpoints_at(
    session: Session, property_id: int, lon: float, lat: float, accuracy_m: float
) -> list[tuple[int, float]]:
    """(checkpoint id, metres outside) for every active geofence within ``accuracy_m`` of the
    fix, nearest first. The caller has already checked that the actor may see the property."""
    index = _index(session, property_id)
    if index is None:
        return []
    (x, y) = geo.to_local(Point(lon, lat), *index.ref).coords[0]
    fix = Point(x, y)
    hits = index.tree.query(fix, predicate="dwithin", distance=accuracy_m)
    found = [(int(index.ids[h]), float(index.shapes[h].distance(fix))) for h in hits]
    return sorted(found, key=lambda item: (item[1], item[0]))


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()
