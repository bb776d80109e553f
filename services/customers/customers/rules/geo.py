"""Distances on the Earth's surface, for visits and planning. Plain Python, no I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG), metres


@dataclass(frozen=True)
class BoundingBox:
    """A latitude/longitude rectangle that contains a circle; cheap to test in SQL."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float
    wraps: bool = False  # the box crosses the antimeridian: lon >= min OR lon <= max


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    # min() guards against a rounding error pushing a just above 1 for antipodes.
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_m: float) -> BoundingBox:
    """The smallest lat/lon box holding every point within ``radius_m`` of (lat, lon).

    Used to narrow candidates in SQL before the exact haversine check.
    """
    d_lat = math.degrees(radius_m / EARTH_RADIUS_M)
    min_lat, max_lat = lat - d_lat, lat + d_lat
    if min_lat <= -90 or max_lat >= 90:
        # The circle reaches a pole: every longitude is possible.
        return BoundingBox(max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0)
    d_lon = math.degrees(radius_m / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
    if d_lon >= 180:
        return BoundingBox(min_lat, max_lat, -180.0, 180.0)
    min_lon, max_lon = lon - d_lon, lon + d_lon
    if min_lon < -180:
        return BoundingBox(min_lat, max_lat, min_lon + 360, max_lon, wraps=True)
    if max_lon > 180:
        return BoundingBox(min_lat, max_lat, min_lon, max_lon - 360, wraps=True)
    return BoundingBox(min_lat, max_lat, min_lon, max_lon)


def is_far(distance_m: float | None, threshold_m: float) -> bool:
    """Whether a check-in this far from the customer's address should be flagged.

    An unknown distance (the customer has no coordinates) is not flagged:
    there is nothing to compare with.
    """
    return distance_m is not None and distance_m > threshold_m
