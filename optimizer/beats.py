"""Beat design: split a territory's outlets into N weekly beats over a 4-week cycle.

Frequencies: class A weekly (every week), class B fortnightly (weeks 0/2 or 1/3,
alternating), class C monthly (one week of the four). A beat is one working day of the
weekly journey plan; day (beat b, week w) visits b's A outlets, its B outlets of parity
w % 2 and its C outlets of week w. Workload of a day = service + routed travel seconds.

``design_beats`` grows balanced clusters (capacity on expected weekly workload, then
boundary moves from heavy to light beats); ``kmeans_beats`` is the plain k-means
baseline. Both split B/C outlets over weeks by angular sectors, and both are evaluated
by routing every day with the OR-Tools engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from sklearn.cluster import KMeans

from optimizer.engine import RoutingEngine, RoutingSpec
from optimizer.search import SearchConfig

WEEKS = 4
VISITS_PER_CYCLE = {"A": 4, "B": 2, "C": 1}


class VisitClass(StrEnum):
    """Outlet class: A weekly, B fortnightly, C monthly."""

    A = "A"
    B = "B"
    C = "C"


@dataclass(frozen=True)
class Outlet:
    """An outlet to cover: its matrix location, planar position (km), class and service time."""

    outlet_id: str
    location: int
    xy_km: tuple[float, float]
    visit_class: VisitClass
    service_s: int


@dataclass(frozen=True, eq=False)
class BeatProblem:
    """A territory: outlets, the rep's start point, N beats, travel seconds, shift length."""

    outlets: tuple[Outlet, ...]
    depot_location: int
    n_beats: int
    travel_s: np.ndarray
    shift_s: int


@dataclass(frozen=True)
class BeatDay:
    """One day of the cycle: which outlets, routed travel and service seconds."""

    beat: int
    week: int
    outlet_ids: tuple[str, ...]
    travel_s: int
    service_s: int

    @property
    def workload_s(self) -> int:
        """Return service plus travel seconds."""
        return self.travel_s + self.service_s


@dataclass(frozen=True)
class BeatPlan:
    """The beats, every routed day, and the figures to compare designs."""

    beat_of: dict[str, int]
    days: tuple[BeatDay, ...]

    def balance(self) -> float:
        """Return the largest relative deviation of a day's workload from the mean."""
        loads = np.array([d.workload_s for d in self.days], dtype=float)
        return float(np.max(np.abs(loads - loads.mean())) / loads.mean())

    def total_travel_s(self) -> int:
        """Return travel seconds over the whole 4-week cycle (compactness)."""
        return sum(d.travel_s for d in self.days)

    def days_over_shift(self, shift_s: int) -> int:
        """Return how many days do not fit in the shift."""
        return sum(d.workload_s > shift_s for d in self.days)


def _weekly_load(problem: BeatProblem) -> np.ndarray:
    # Expected weekly seconds: visits per week x (service + travel to the nearest neighbours).
    locations = np.array([o.location for o in problem.outlets])
    travel = problem.travel_s[np.ix_(locations, locations)].astype(float)
    np.fill_diagonal(travel, np.inf)
    near = np.sort(travel, axis=1)[:, : min(3, len(locations) - 1)].mean(axis=1)
    frequency = np.array([VISITS_PER_CYCLE[o.visit_class] / WEEKS for o in problem.outlets])
    service = np.array([o.service_s for o in problem.outlets], dtype=float)
    return frequency * (service + near)


def _capacitated_assign(
    xy: np.ndarray, centres: np.ndarray, load: np.ndarray, capacity: float
) -> np.ndarray:
    # Outlets that most prefer their nearest beat go first; each beat fills up to capacity.
    distance = np.linalg.norm(xy[:, None, :] - centres[None, :, :], axis=2)
    ranked = np.sort(distance, axis=1)
    regret = ranked[:, 1] - ranked[:, 0] if centres.shape[0] > 1 else ranked[:, 0]
    assigned = np.full(len(xy), -1)
    filled = np.zeros(len(centres))
    for i in np.argsort(-regret):
        for beat in np.argsort(distance[i]):
            if filled[beat] + load[i] <= capacity or beat == np.argsort(distance[i])[-1]:
                assigned[i], filled[beat] = beat, filled[beat] + load[i]
                break
    return assigned


def balanced_clusters(
    problem: BeatProblem,
    seed: int = 0,
    rounds: int = 15,
    load: np.ndarray | None = None,
) -> np.ndarray:
    """Return a beat per outlet: k-means start, then capacitated reassignment rounds."""
    xy = np.array([o.xy_km for o in problem.outlets])
    load = _weekly_load(problem) if load is None else load
    capacity = load.sum() / problem.n_beats * 1.02
    kmeans = KMeans(problem.n_beats, n_init=4, random_state=seed).fit(xy)
    centres = kmeans.cluster_centers_
    assigned = kmeans.labels_
    for _ in range(rounds):
        assigned = _capacitated_assign(xy, centres, load, capacity)
        centres = np.array(
            [
                xy[assigned == b].mean(axis=0) if (assigned == b).any() else centres[b]
                for b in range(problem.n_beats)
            ]
        )
    return assigned


def kmeans_clusters(problem: BeatProblem, seed: int = 0) -> np.ndarray:
    """Return a beat per outlet from plain k-means on positions (the baseline)."""
    xy = np.array([o.xy_km for o in problem.outlets])
    return KMeans(problem.n_beats, n_init=4, random_state=seed).fit(xy).labels_


def _sector_weeks(outlets: list[Outlet], parts: int) -> dict[str, int]:
    # Contiguous angular sectors around the beat's centre keep each week's subset compact.
    if not outlets:
        return {}
    xy = np.array([o.xy_km for o in outlets])
    angle = np.arctan2(*(xy - xy.mean(axis=0)).T[::-1])
    order = np.argsort(angle)
    return {outlets[k].outlet_id: int(rank * parts // len(outlets)) for rank, k in enumerate(order)}


def route_seconds(problem: BeatProblem, locations: list[int]) -> int:
    """Return the travel seconds of a good depot-to-depot tour through the locations."""
    if not locations:
        return 0
    nodes = [problem.depot_location, *locations]
    travel = problem.travel_s[np.ix_(nodes, nodes)].astype(np.int64)
    horizon = int(travel.sum()) + 1
    spec = RoutingSpec(
        travel=travel,
        service=[0] * len(nodes),
        windows=[[] for _ in nodes],
        prize=[0] * len(nodes),
        optional=[False] * len(nodes),
        hard_mandatory=True,
        starts=[0],
        ends=[0],
        shifts=[(0, horizon)],
    )
    config = SearchConfig(time_limit_s=2.0, first_solution="PATH_CHEAPEST_ARC", solution_limit=100)
    result = RoutingEngine(spec).solve(config)
    return 0 if result is None else int(result.objective)


def evaluate(problem: BeatProblem, beat_of_index: np.ndarray) -> BeatPlan:
    """Split B/C outlets over weeks and route every day of the cycle."""
    beat_of = {o.outlet_id: int(b) for o, b in zip(problem.outlets, beat_of_index, strict=True)}
    days = []
    for beat in range(problem.n_beats):
        members = [o for o in problem.outlets if beat_of[o.outlet_id] == beat]
        parity = _sector_weeks([o for o in members if o.visit_class == VisitClass.B], 2)
        month = _sector_weeks([o for o in members if o.visit_class == VisitClass.C], WEEKS)
        for week in range(WEEKS):
            today = [
                o
                for o in members
                if o.visit_class == VisitClass.A
                or parity.get(o.outlet_id) == week % 2
                or month.get(o.outlet_id) == week
            ]
            travel = route_seconds(problem, [o.location for o in today])
            service = sum(o.service_s for o in today)
            days.append(BeatDay(beat, week, tuple(o.outlet_id for o in today), travel, service))
    return BeatPlan(beat_of, tuple(days))


def design_beats(problem: BeatProblem, *, seed: int = 0, refinements: int = 2) -> BeatPlan:
    """Design balanced, compact beats and evaluate them by routing every day.

    Each refinement re-weights outlets by how much their beat's routed load exceeded
    the estimate (travel is what the estimate gets wrong), reassigns, and keeps the best.
    """
    load = _weekly_load(problem)
    assigned = balanced_clusters(problem, seed, load=load)
    best = evaluate(problem, assigned)
    for _ in range(refinements):
        routed = np.zeros(problem.n_beats)
        for day in best.days:
            routed[day.beat] += day.workload_s / WEEKS
        estimate = np.bincount(assigned, weights=load, minlength=problem.n_beats)
        load = load * (routed / np.maximum(estimate, 1.0))[assigned]
        assigned = balanced_clusters(problem, seed, load=load)
        candidate = evaluate(problem, assigned)
        if candidate.balance() < best.balance():
            best = candidate
    return best


def kmeans_beats(problem: BeatProblem, *, seed: int = 0) -> BeatPlan:
    """The baseline: plain k-means beats, evaluated the same way."""
    return evaluate(problem, kmeans_clusters(problem, seed))
