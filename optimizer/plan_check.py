"""Independent feasibility check of a daily plan against its problem (no solver code)."""

from __future__ import annotations

from optimizer.daily_types import PlannedStop, Rep, RepRoute, RouteProblem, RouteSolution, Stop


def check_plan(problem: RouteProblem, solution: RouteSolution) -> list[str]:
    """Return every rule the plan breaks (empty when feasible)."""
    stops = {s.stop_id: s for s in problem.stops}
    reps = {r.rep_id: r for r in problem.reps}
    problems: list[str] = []
    served: list[str] = [p.stop_id for route in solution.routes for p in route.stops]
    dropped = [d.stop_id for d in solution.dropped]
    for stop_id in set(served):
        if served.count(stop_id) > 1:
            problems.append(f"{stop_id} served more than once")
    for stop_id in served + dropped:
        if stop_id not in stops:
            problems.append(f"{stop_id} is not a candidate")
    missing = set(stops) - set(served) - set(dropped)
    problems += [f"{stop_id} neither served nor dropped" for stop_id in sorted(missing)]
    problems += [f"{stop_id} both served and dropped" for stop_id in set(served) & set(dropped)]
    for route in solution.routes:
        problems += _check_route(problem, reps[route.rep_id], route, stops)
    return problems


def _check_route(
    problem: RouteProblem, rep: Rep, route: RepRoute, stops: dict[str, Stop]
) -> list[str]:
    found: list[str] = []
    if rep.max_stops is not None and len(route.stops) > rep.max_stops:
        found.append(f"{rep.rep_id}: {len(route.stops)} stops, at most {rep.max_stops}")
    if route.leave_s < rep.shift.open_s:
        found.append(f"{rep.rep_id}: leaves at {route.leave_s} before the shift opens")
    clock, where = route.leave_s, rep.start_location
    for planned in route.stops:
        stop = stops.get(planned.stop_id)
        if stop is None:
            continue
        found += _check_visit(problem, rep, route, stop, planned, clock, where)
        clock, where = planned.departure_s, stop.location
    back = clock + int(problem.travel_s[where, rep.end_location])
    if route.return_s < back:
        found.append(f"{rep.rep_id}: return at {route.return_s} is before {back}")
    if max(back, route.return_s) > rep.shift.close_s:
        found.append(f"{rep.rep_id}: back at {max(back, route.return_s)} after the shift")
    found += _check_break(rep, route)
    return found


def _check_visit(
    problem: RouteProblem,
    rep: Rep,
    route: RepRoute,
    stop: Stop,
    planned: PlannedStop,
    clock: int,
    where: int,
) -> list[str]:
    found: list[str] = []
    earliest = clock + int(problem.travel_s[where, stop.location])
    rest = rep.rest
    if (
        rest
        and route.break_start_s is not None
        and clock <= route.break_start_s < planned.service_start_s
    ):
        earliest += rest.duration_s
    if planned.service_start_s < earliest:
        found.append(
            f"{stop.stop_id}: service at {planned.service_start_s}, cannot be before {earliest}"
        )
    if planned.departure_s != planned.service_start_s + stop.service_s:
        found.append(f"{stop.stop_id}: departure does not follow the service time")
    inside = any(
        w.open_s <= planned.service_start_s and planned.departure_s <= w.close_s
        for w in stop.windows
    )
    if not inside:
        found.append(
            f"{stop.stop_id}: visit {planned.service_start_s}-{planned.departure_s} outside windows"
        )
    return found


def _check_break(rep: Rep, route: RepRoute) -> list[str]:
    if rep.rest is None:
        return []
    start = route.break_start_s
    if start is None:
        return [f"{rep.rep_id}: no break scheduled"]
    found = []
    if not rep.rest.earliest_start_s <= start <= rep.rest.latest_start_s:
        found.append(f"{rep.rep_id}: break at {start} outside its allowed start")
    end = start + rep.rest.duration_s
    for planned in route.stops:
        if start < planned.departure_s and planned.service_start_s < end:
            found.append(f"{rep.rep_id}: break overlaps the visit to {planned.stop_id}")
    return found
