"""Plain dataclasses of the daily-route API (what the backend sends and receives).

Units: every time is an integer number of seconds since local midnight of the plan
date; every duration is integer seconds. Locations are row/column indices of the
travel-time matrix (seconds). Prizes are non-negative integers (points, e.g. expected
value in currency units); only their ratios matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


@dataclass(frozen=True)
class TimeWindow:
    """An opening interval [open_s, close_s]: a visit must start and finish inside it."""

    open_s: int
    close_s: int


@dataclass(frozen=True)
class Stop:
    """A candidate visit: a retailer with its windows, service time and prize."""

    stop_id: str
    location: int
    windows: tuple[TimeWindow, ...]
    service_s: int
    prize: int
    mandatory: bool = False


@dataclass(frozen=True)
class Break:
    """A break of ``duration_s`` that must start within [earliest_start_s, latest_start_s]."""

    earliest_start_s: int
    latest_start_s: int
    duration_s: int


@dataclass(frozen=True)
class Rep:
    """A field rep: where the day starts and ends, the shift, an optional break, a stop cap."""

    rep_id: str
    start_location: int
    end_location: int
    shift: TimeWindow
    rest: Break | None = None
    max_stops: int | None = None


@dataclass(frozen=True, eq=False)
class RouteProblem:
    """One planning job: candidate stops, the reps sharing them, travel seconds between places."""

    stops: tuple[Stop, ...]
    reps: tuple[Rep, ...]
    travel_s: np.ndarray  # (L, L) integer seconds, indexed by location


@dataclass(frozen=True)
class PlannedStop:
    """A stop in a rep's route with its schedule (seconds since midnight)."""

    stop_id: str
    location: int
    arrival_s: int
    wait_s: int
    service_start_s: int
    departure_s: int


class DropReason(StrEnum):
    """Why a candidate stop is not in any route."""

    UNREACHABLE = "no window reachable in the shift"
    NOT_WORTH = "not worth the detour"
    MANDATORY_CONFLICT = "mandatory, but cannot fit together with the other mandatory stops"


@dataclass(frozen=True)
class DroppedStop:
    """A candidate that was left out, and why."""

    stop_id: str
    mandatory: bool
    reason: DropReason


@dataclass(frozen=True)
class RepRoute:
    """One rep's day: ordered stops and totals."""

    rep_id: str
    stops: tuple[PlannedStop, ...]
    leave_s: int
    return_s: int
    travel_s: int
    wait_s: int
    service_s: int
    prize: int
    break_start_s: int | None = None


@dataclass(frozen=True)
class SolverStats:
    """How the search went. ``deterministic`` is False when the time cap cut the search."""

    wall_time_s: float
    solutions_seen: int
    objective: int
    status: str
    deterministic: bool


@dataclass(frozen=True)
class RouteSolution:
    """The plan: a route per rep, dropped stops with reasons, totals and solver statistics."""

    routes: tuple[RepRoute, ...]
    dropped: tuple[DroppedStop, ...]
    stats: SolverStats
    total_prize: int = 0
    total_travel_s: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)
