"""Synthetic but realistic rep days and territories, shared by the optimizer benches and tests."""

from __future__ import annotations

import numpy as np

from optimizer.beats import BeatProblem, Outlet, VisitClass
from optimizer.daily_types import Break, Rep, RouteProblem, Stop, TimeWindow
from optimizer.matrices import StraightLineProvider

HOUR = 3600


def rep_day(seed: int, candidates: int = 40, radius_km: float = 4.0) -> RouteProblem:
    """Return one rep's day: candidates around the rep's home, 9:00-18:00 with a lunch break.

    Shops open 8:00-21:00; a quarter close 13:00-14:00 for lunch; service 15 minutes;
    prizes log-normal (top outlets dominate, as in the domain notes). With ~5 minutes of
    travel between neighbours at 18 km/h, about 25 of 40 fit in the shift.
    """
    rng = np.random.default_rng(seed)
    centre = np.array([-6.2, 106.8])  # a dense city, degrees
    offsets_km = rng.normal(0.0, radius_km / 2, size=(candidates + 1, 2))
    points = centre + offsets_km / np.array([110.57, 111.32 * np.cos(np.radians(centre[0]))])
    travel = StraightLineProvider().travel_seconds([tuple(p) for p in points])
    stops = []
    for i in range(1, candidates + 1):
        windows: tuple[TimeWindow, ...]
        if rng.random() < 0.25:
            windows = (TimeWindow(8 * HOUR, 13 * HOUR), TimeWindow(14 * HOUR, 21 * HOUR))
        else:
            windows = (TimeWindow(8 * HOUR, 21 * HOUR),)
        prize = int(np.ceil(rng.lognormal(4.0, 1.0)))
        stops.append(Stop(f"s{i}", i, windows, 900, prize))
    rest = Break(12 * HOUR, 14 * HOUR, 1800)
    rep = Rep("rep", 0, 0, TimeWindow(9 * HOUR, 18 * HOUR), rest=rest)
    return RouteProblem(tuple(stops), (rep,), travel)


def territory(seed: int, outlets: int = 410, beats: int = 6) -> BeatProblem:
    """Return a territory: outlets in a few neighbourhoods; 15% A, 30% B, 55% C; 10-minute calls."""
    rng = np.random.default_rng(seed)
    hubs = rng.normal(0.0, 3.0, size=(5, 2))
    which = rng.integers(0, len(hubs), size=outlets)
    xy = np.vstack([[0.0, 0.0], hubs[which] + rng.normal(0.0, 1.0, size=(outlets, 2))])
    centre = np.array([-6.2, 106.8])
    degrees = centre + xy / np.array([110.57, 111.32 * np.cos(np.radians(centre[0]))])
    travel = StraightLineProvider().travel_seconds([tuple(p) for p in degrees])
    classes = rng.choice(
        [VisitClass.A, VisitClass.B, VisitClass.C], size=outlets, p=[0.15, 0.3, 0.55]
    )
    items = tuple(
        Outlet(f"o{i}", i, (float(xy[i, 0]), float(xy[i, 1])), VisitClass(classes[i - 1]), 600)
        for i in range(1, outlets + 1)
    )
    return BeatProblem(items, 0, beats, travel, 9 * HOUR)
