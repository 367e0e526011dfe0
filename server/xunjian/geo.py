"""Small-area geometry in metres.

Geofences are stored as WGS84 lon/lat; buffers and distances are needed in metres. Within a
property (a few kilometres at most) a local equirectangular projection around a reference point
is accurate to well under a metre, needs no projection library, and is fast enough to run on
every check-in.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LON_EQUATOR = 111_320.0


def to_local(geometry: BaseGeometry, ref_lon: float, ref_lat: float) -> BaseGeometry:
    """``geometry`` (lon/lat) in metres east/north of the reference point."""
    k_lon = METRES_PER_DEGREE_LON_EQUATOR * math.cos(math.radians(ref_lat))
    scale = np.array([k_lon, METRES_PER_DEGREE_LAT])
    origin = np.array([ref_lon, ref_lat])
    return shapely.transform(geometry, lambda coords: (coords - origin) * scale)


def metres_outside(geofence: BaseGeometry, lon: float, lat: float) -> float:
    """How far (m) the point lies outside ``geofence``; 0 when inside or on the edge."""
    return float(to_local(geofence, lon, lat).distance(Point(0.0, 0.0)))


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine), metres."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))
