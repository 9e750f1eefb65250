"""Travel-time matrix providers: straight line x circuity at a speed, or an OSRM table service.

Every provider returns integer seconds, shape (n, n), for points given as (lat, lon)
degrees. Vectorised with NumPy: a 500 x 500 straight-line matrix takes a few ms.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import httpx
import numpy as np

EARTH_RADIUS_KM = 6371.0088
logger = logging.getLogger(__name__)


class MatrixProvider(Protocol):
    """Anything that turns points into a travel-time matrix in integer seconds."""

    def travel_seconds(self, points: Sequence[tuple[float, float]]) -> np.ndarray:
        """Return the (n, n) travel seconds between (lat, lon) points."""
        ...


def haversine_km(points: Sequence[tuple[float, float]]) -> np.ndarray:
    """Return great-circle distances in km between all (lat, lon) pairs."""
    coords = np.radians(np.asarray(points, dtype=np.float64).reshape(-1, 2))
    lat, lon = coords[:, 0], coords[:, 1]
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass(frozen=True)
class StraightLineProvider:
    """Haversine distance x circuity at a constant speed.

    Very short hops wind more than long ones (one-way streets, crossing the road), so
    below ``short_hop_km`` the circuity rises linearly to ``short_hop_circuity`` at 0 km.
    """

    speed_kmh: float = 18.0
    circuity: float = 1.35
    short_hop_km: float = 0.5
    short_hop_circuity: float = 1.8

    def circuity_for(self, km: np.ndarray) -> np.ndarray:
        """Return the circuity factor applied to each straight-line distance."""
        shortness = np.clip(1.0 - km / self.short_hop_km, 0.0, 1.0)
        return self.circuity + (self.short_hop_circuity - self.circuity) * shortness

    def travel_seconds(self, points: Sequence[tuple[float, float]]) -> np.ndarray:
        """Return integer travel seconds (rounded) between all points."""
        km = haversine_km(points)
        seconds = km * self.circuity_for(km) / self.speed_kmh * 3600.0
        return np.rint(seconds).astype(np.int64)


@dataclass(frozen=True)
class OsrmTableProvider:
    """The OSRM ``table`` service; falls back to ``fallback`` with a warning on any failure."""

    base_url: str = "http://127.0.0.1:5000"
    profile: str = "driving"
    timeout_s: float = 5.0
    fallback: StraightLineProvider = StraightLineProvider()

    def travel_seconds(self, points: Sequence[tuple[float, float]]) -> np.ndarray:
        """Return OSRM durations in integer seconds, or the straight-line matrix on failure."""
        coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
        url = f"{self.base_url.rstrip('/')}/table/v1/{self.profile}/{coordinates}"
        try:
            response = httpx.get(url, params={"annotations": "duration"}, timeout=self.timeout_s)
            response.raise_for_status()
            body = response.json()
            if body.get("code") != "Ok":
                raise ValueError(f"OSRM answered {body.get('code')}")
            durations = np.asarray(body["durations"], dtype=np.float64)
            if durations.shape != (len(points), len(points)) or np.isnan(durations).any():
                raise ValueError("OSRM durations are incomplete")
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            message = f"OSRM table failed ({error}); using straight-line travel times"
            logger.warning(message)
            warnings.warn(message, RuntimeWarning, stacklevel=2)
            return self.fallback.travel_seconds(points)
        return np.rint(durations).astype(np.int64)
