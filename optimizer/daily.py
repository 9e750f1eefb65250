"""Plan a day: which candidate stops each rep visits, in which order, at what times.

Model: nodes 0..S-1 are the reachable stops, then one start node and one end node per
rep. A visit must start and finish inside one of the stop's windows, so the allowed
start-of-service windows are [open, close - service]. Optional stops cost their prize
times the lexicographic weight when dropped (see ``optimizer.engine``); mandatory stops
cost 1000 times more, so they are dropped only when they cannot fit, and then explained.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from optimizer.daily_types import (
    DroppedStop,
    DropReason,
    PlannedStop,
    Rep,
    RepRoute,
    RouteProblem,
    RouteSolution,
    SolverStats,
    Stop,
)
from optimizer.engine import EngineResult, RoutingSpec, VehicleBreak
from optimizer.portfolio import DescentChain, descent_chain
from optimizer.search import SearchConfig
from optimizer.tour import refine

INT64_SAFE = 2**62
DEFAULT_SOLUTION_LIMIT = 3000  # accepted solutions per descent: a deterministic work cap
DEFAULT_RESTARTS = 10  # greedy descents in the ruin-and-restart chain (see README, rep day)
# With the exchange, the chain may run to CHAIN_SHARE of the time cap, the guided exchange to
# EXCHANGE_SHARE and one more descent from its routes to FINAL_SHARE; the schedules have the rest.
# (Running the exchange halfway through the chain instead was worse: README, rep day.)
CHAIN_SHARE, EXCHANGE_SHARE, FINAL_SHARE = 0.75, 0.88, 0.95


def start_windows(stop: Stop) -> list[tuple[int, int]]:
    """Return the allowed start-of-service windows of a stop (visit ends before close)."""
    return [
        (w.open_s, w.close_s - stop.service_s)
        for w in stop.windows
        if w.close_s - stop.service_s >= w.open_s
    ]


def reachable_by(stop: Stop, rep: Rep, travel: np.ndarray) -> bool:
    """Return True if the rep could serve the stop alone, leaving at shift open."""
    arrive = rep.shift.open_s + int(travel[rep.start_location, stop.location])
    back = int(travel[stop.location, rep.end_location])
    for open_s, latest in start_windows(stop):
        begin = max(arrive, open_s)
        if begin <= latest and begin + stop.service_s + back <= rep.shift.close_s:
            return True
    return False


def build_spec(problem: RouteProblem, stops: list[Stop]) -> RoutingSpec:
    """Build the integer routing spec over the given (reachable) stops and all reps."""
    reps = problem.reps
    locations = [s.location for s in stops]
    locations += [r.start_location for r in reps] + [r.end_location for r in reps]
    index = np.asarray(locations, dtype=np.int64)
    travel = np.asarray(problem.travel_s, dtype=np.int64)[np.ix_(index, index)]
    n_stops = len(stops)
    no_window: list[list[tuple[int, int]]] = [[] for _ in range(2 * len(reps))]
    spec = RoutingSpec(
        travel=travel,
        service=[s.service_s for s in stops] + [0] * (2 * len(reps)),
        windows=[start_windows(s) for s in stops] + no_window,
        prize=[s.prize for s in stops] + [0] * (2 * len(reps)),
        optional=[not s.mandatory for s in stops] + [False] * (2 * len(reps)),
        starts=[n_stops + k for k in range(len(reps))],
        ends=[n_stops + len(reps) + k for k in range(len(reps))],
        shifts=[(r.shift.open_s, r.shift.close_s) for r in reps],
        max_stops=_max_stops(reps, n_stops),
        breaks=[_vehicle_break(r) for r in reps],
    )
    _check_no_overflow(spec)
    return spec


def _max_stops(reps: Sequence[Rep], n_stops: int) -> list[int] | None:
    # No counting dimension unless a rep has a cap: every dimension slows the search.
    if all(r.max_stops is None for r in reps):
        return None
    return [r.max_stops if r.max_stops is not None else n_stops for r in reps]


def _vehicle_break(rep: Rep) -> VehicleBreak | None:
    if rep.rest is None:
        return None
    rest = rep.rest
    return VehicleBreak(rest.earliest_start_s, rest.latest_start_s, rest.duration_s)


def _check_no_overflow(spec: RoutingSpec) -> None:
    # Worst case: every stop dropped at the mandatory rate; must stay inside int64.
    worst = (sum(spec.prize) + len(spec.prize)) * spec.prize_weight() * 1000
    if worst >= INT64_SAFE:
        raise ValueError("prizes too large for the objective scale; divide them down")


def plan_route(
    problem: RouteProblem,
    *,
    time_limit_s: float = 1.0,
    seed: int = 0,
    solution_limit: int = DEFAULT_SOLUTION_LIMIT,
    warm_start: Sequence[Sequence[str]] | None = None,
    restarts: int = DEFAULT_RESTARTS,
    exchange: bool = True,
) -> RouteSolution:
    """Plan the reps' day; deterministic for a seed unless the time cap is reached.

    The search is a chain of ``restarts`` greedy descents, each from the best routes so
    far with a block of visits removed (``optimizer.portfolio.descent_chain``), then (with
    ``exchange``) the guided exchange of ``optimizer.tour.refine`` on each route, whose result
    OR-Tools descends from once more and keeps only if it is better.
    ``warm_start`` gives, per rep, stop ids in a usual order (e.g. the beat's): the
    first descent starts from it when it is feasible, and from scratch otherwise.
    """
    began = time.perf_counter()
    travel = np.asarray(problem.travel_s)
    reachable = [s for s in problem.stops if any(reachable_by(s, r, travel) for r in problem.reps)]
    unreachable = [s for s in problem.stops if s not in reachable]
    config = SearchConfig(time_limit_s=time_limit_s, solution_limit=solution_limit)
    start = None if warm_start is None else _warm_routes(reachable, warm_start)
    spec = build_spec(problem, reachable)
    seeds = range(seed, seed + 1000 * max(1, restarts), 1000)
    # The cap covers the whole call: the chain, the exchange, the last descent and the schedules.
    cap = (CHAIN_SHARE if exchange else FINAL_SHARE) * time_limit_s
    chain = descent_chain(spec, config, seeds, cap, start) if reachable else None
    result, complete = None if chain is None else chain.best, chain is None or chain.complete
    if exchange and chain is not None and result is not None:
        result, exchanged, seen = _exchange(spec, config, result, seed, began, time_limit_s)
        chain.solutions_seen += seen
        complete = complete and exchanged
    routes = _rep_routes(problem, reachable, result)
    served = {p.stop_id for route in routes for p in route.stops}
    dropped = [DroppedStop(s.stop_id, s.mandatory, DropReason.UNREACHABLE) for s in unreachable]
    for stop in reachable:
        if stop.stop_id not in served:
            reason = DropReason.MANDATORY_CONFLICT if stop.mandatory else DropReason.NOT_WORTH
            dropped.append(DroppedStop(stop.stop_id, stop.mandatory, reason))
    stats = _stats(chain, result, complete, time.perf_counter() - began)
    return RouteSolution(
        routes=tuple(routes),
        dropped=tuple(dropped),
        stats=stats,
        total_prize=sum(r.prize for r in routes),
        total_travel_s=sum(r.travel_s for r in routes),
    )


def _exchange(
    spec: RoutingSpec,
    config: SearchConfig,
    best: EngineResult,
    seed: int,
    began: float,
    time_limit_s: float,
) -> tuple[EngineResult, bool, int]:
    """Run the guided exchange on the chain's best routes, then one greedy descent from its
    routes (OR-Tools checks and schedules them); return the better result, whether all of it
    ran inside the cap, and the solutions the last descent saw."""
    routes, complete = refine(spec, best.routes, seed, began + EXCHANGE_SHARE * time_limit_s)
    if routes == best.routes:
        return best, complete, 0
    remaining = began + FINAL_SHARE * time_limit_s - time.perf_counter()
    if remaining <= 0.005:
        return best, False, 0
    last = descent_chain(spec, config, [seed], remaining, routes)
    complete = complete and last.complete
    if last.best is not None and last.best.objective < best.objective:
        return last.best, complete, last.solutions_seen
    return best, complete, last.solutions_seen


def _warm_routes(stops: list[Stop], warm_start: Sequence[Sequence[str]]) -> list[list[int]]:
    node_of = {s.stop_id: n for n, s in enumerate(stops)}
    return [[node_of[i] for i in route if i in node_of] for route in warm_start]


def _stats(
    chain: DescentChain | None, result: EngineResult | None, complete: bool, wall_time_s: float
) -> SolverStats:
    if chain is None:
        return SolverStats(0.0, 0, 0, "no reachable stop", True)
    if result is None:
        return SolverStats(wall_time_s, 0, 0, "no solution", complete)
    return SolverStats(
        wall_time_s=wall_time_s,
        solutions_seen=chain.solutions_seen,
        objective=result.objective,
        status=result.status,
        deterministic=complete,
    )


def _rep_routes(
    problem: RouteProblem, stops: list[Stop], result: EngineResult | None
) -> list[RepRoute]:
    routes = []
    for vehicle, rep in enumerate(problem.reps):
        if result is None:
            routes.append(RepRoute(rep.rep_id, (), rep.shift.open_s, rep.shift.open_s, 0, 0, 0, 0))
            continue
        visits = [stops[n] for n in result.routes[vehicle]]
        begins = result.starts[vehicle]
        rest = result.break_starts[vehicle] if rep.rest is not None else None
        routes.append(schedule(problem, rep, visits, begins, result.route_starts[vehicle], rest))
    return routes


def _break_inside(rep: Rep, rest: int | None, begin: int, end: int) -> int:
    if rep.rest is None or rest is None:
        return 0
    return rep.rest.duration_s if begin <= rest and rest + rep.rest.duration_s <= end else 0


def schedule(
    problem: RouteProblem,
    rep: Rep,
    visits: list[Stop],
    begins: list[int],
    route_start: int,
    rest: int | None,
) -> RepRoute:
    """Turn an ordered route and its service starts into arrivals, waits and departures."""
    travel = problem.travel_s
    where = rep.start_location
    leave = route_start
    if visits:
        first_leg = int(travel[where, visits[0].location])
        if not _break_inside(rep, rest, route_start, begins[0]):
            leave = max(route_start, begins[0] - first_leg)
    clock, planned, total_travel, total_wait = leave, [], 0, 0
    for stop, begin in zip(visits, begins, strict=True):
        leg = int(travel[where, stop.location])
        arrival = clock + leg
        wait = begin - arrival - _break_inside(rep, rest, clock, begin)
        departure = begin + stop.service_s
        planned.append(PlannedStop(stop.stop_id, stop.location, arrival, wait, begin, departure))
        total_travel, total_wait, clock, where = (
            total_travel + leg,
            total_wait + wait,
            departure,
            stop.location,
        )
    last_leg = int(travel[where, rep.end_location])
    # A break may also fall after the return (OR-Tools allows it); it delays only a leg it cuts.
    delay = (
        rep.rest.duration_s
        if rep.rest and rest is not None and clock <= rest < clock + last_leg
        else 0
    )
    back = clock + last_leg + delay
    return RepRoute(
        rep_id=rep.rep_id,
        stops=tuple(planned),
        leave_s=leave,
        return_s=back,
        travel_s=total_travel + last_leg,
        wait_s=total_wait,
        service_s=sum(s.service_s for s in visits),
        prize=sum(s.prize for s in visits),
        break_start_s=rest,
    )
