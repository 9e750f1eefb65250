"""Travel-time matrices for planning, cached in Redis pair by pair.

Points are rounded to 5 decimals (about a metre); each origin has a Redis hash
``jalur:tt:<provider>:<lat>,<lon>`` whose fields are destinations and values travel seconds.
A plan reads every row it needs in one pipelined round trip; when any pair is missing it asks
the provider for the whole matrix and writes the rows back. Pairs are shared across reps and
replans (a replan after a closed shop reuses every pair). The cache is only an accelerator:
if Redis is empty, evicted or down, the provider answers and the plan is the same.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from redis.asyncio import Redis

from backend.field.models import SpeedProfile
from backend.kit.settings import OptimizerSettings
from optimizer.matrices import MatrixProvider, OsrmTableProvider, StraightLineProvider

log = logging.getLogger(__name__)
KEY_PREFIX = "jalur:tt"
TTL_SECONDS = 14 * 24 * 3600
WALKING_KMH = 4.5
CAR_KMH = 15.0  # city traffic: slower than a motorbike weaving through it


def provider_for(profile: SpeedProfile, settings: OptimizerSettings) -> tuple[str, MatrixProvider]:
    """The matrix provider of a speed profile and the name its cache entries are filed under."""
    speed = {
        SpeedProfile.WALKING: WALKING_KMH,
        SpeedProfile.MOTORBIKE: settings.speed_kmh,
        SpeedProfile.CAR: CAR_KMH,
    }[profile]
    line = StraightLineProvider(speed_kmh=speed, circuity=settings.circuity_factor)
    if settings.osrm_url and profile is not SpeedProfile.WALKING:
        return f"osrm:{profile.value}", OsrmTableProvider(base_url=settings.osrm_url, fallback=line)
    return f"line:{speed:g}:{settings.circuity_factor:g}", line


def _point_key(point: tuple[float, float]) -> str:
    return f"{point[0]:.5f},{point[1]:.5f}"


@dataclass
class MatrixStats:
    """What the last lookups did (for tests and logs)."""

    hits: int = 0
    misses: int = 0
    cache_errors: int = 0


@dataclass
class CachedMatrix:
    """A provider behind a Redis pair cache (``redis=None`` means no cache)."""

    provider: MatrixProvider
    name: str
    redis: Redis | None
    stats: MatrixStats = field(default_factory=MatrixStats)

    async def travel_seconds(self, points: Sequence[tuple[float, float]]) -> np.ndarray:
        """The (n, n) travel seconds between points, from the cache when every pair is there."""
        keys = [_point_key(p) for p in points]
        cached = await self._read(keys)
        if cached is not None:
            self.stats.hits += 1
            return cached
        self.stats.misses += 1
        matrix = np.asarray(self.provider.travel_seconds(points), dtype=np.int64)
        await self._write(keys, matrix)
        return matrix

    async def _read(self, keys: list[str]) -> np.ndarray | None:
        if self.redis is None or not keys:
            return None
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for origin in keys:
                    pipe.hmget(f"{KEY_PREFIX}:{self.name}:{origin}", keys)
                rows = await pipe.execute()
        except Exception:  # a lost or broken cache only costs the provider call
            self.stats.cache_errors += 1
            log.warning("travel-time cache unavailable; computing the matrix", exc_info=True)
            return None
        if any(value is None for row in rows for value in row):
            return None
        return np.asarray([[int(v) for v in row] for row in rows], dtype=np.int64)

    async def _write(self, keys: list[str], matrix: np.ndarray) -> None:
        if self.redis is None or not keys:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for i, origin in enumerate(keys):
                    key = f"{KEY_PREFIX}:{self.name}:{origin}"
                    pipe.hset(key, mapping={k: int(matrix[i, j]) for j, k in enumerate(keys)})
                    pipe.expire(key, TTL_SECONDS)
                await pipe.execute()
        except Exception:
            self.stats.cache_errors += 1
            log.warning("could not store travel times in the cache", exc_info=True)
