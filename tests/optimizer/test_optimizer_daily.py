"""plan_route: windows, shifts, breaks, mandatory stops, multiple windows, determinism."""

from dataclasses import replace

import numpy as np

from optimizer.daily import plan_route
from optimizer.daily_types import Break, DropReason, Rep, RouteProblem, Stop, TimeWindow
from optimizer.plan_check import check_plan

HOUR = 3600
DAY = TimeWindow(9 * HOUR, 17 * HOUR)


def line_problem(stops: list[Stop], reps: list[Rep] | None = None) -> RouteProblem:
    """Locations 0..9 on a line, 10 minutes apart per step; the office is location 0."""
    positions = np.arange(10)
    travel = np.abs(positions[:, None] - positions[None, :]) * 600
    office = Rep("rep-1", 0, 0, DAY)
    return RouteProblem(tuple(stops), tuple(reps or [office]), travel)


def stop(stop_id: str, location: int, prize: int = 10, **kwargs: object) -> Stop:
    fields: dict[str, object] = {"windows": (DAY,), "service_s": 900, "mandatory": False}
    fields.update(kwargs)
    return Stop(stop_id, location, prize=prize, **fields)  # type: ignore[arg-type]


def test_serves_everything_that_fits_in_order_with_a_consistent_schedule() -> None:
    problem = line_problem([stop("a", 1), stop("b", 2), stop("c", 3)])
    solution = plan_route(problem, time_limit_s=2, seed=1)
    assert check_plan(problem, solution) == []
    assert solution.total_prize == 30
    route = solution.routes[0]
    assert route.travel_s == 3600  # out to 3 and back: 6 steps of 10 minutes
    assert route.stops[0].arrival_s == route.leave_s + 600 * route.stops[0].location
    assert solution.dropped == ()


def test_second_window_after_lunch_closure_is_used() -> None:
    # The shop fits in the morning alone, but the valuable 9:50-10:10 visit pushes it after lunch.
    morning, afternoon = TimeWindow(9 * HOUR, 10 * HOUR), TimeWindow(14 * HOUR, 15 * HOUR)
    lunch_shop = stop("shop", 1, windows=(morning, afternoon))
    blocker = stop("early", 5, prize=50, windows=(TimeWindow(9 * HOUR + 3000, 10 * HOUR + 600),))
    problem = line_problem([lunch_shop, blocker])
    solution = plan_route(problem, time_limit_s=2, seed=1)
    assert check_plan(problem, solution) == []
    visits = {p.stop_id: p for p in solution.routes[0].stops}
    assert visits["shop"].service_start_s == 14 * HOUR
    assert solution.total_prize == 60


def test_window_too_short_or_outside_shift_is_unreachable() -> None:
    closes_early = stop("tight", 1, windows=(TimeWindow(8 * HOUR, 9 * HOUR + 1000),))
    too_far = stop("far", 9, windows=(TimeWindow(16 * HOUR + 1800, 20 * HOUR),))
    problem = line_problem([closes_early, too_far, stop("ok", 2)])
    solution = plan_route(problem, time_limit_s=1, seed=1)
    reasons = {d.stop_id: d.reason for d in solution.dropped}
    assert reasons == {"tight": DropReason.UNREACHABLE, "far": DropReason.UNREACHABLE}


def test_break_is_taken_inside_its_window_without_overlapping_visits() -> None:
    rep = Rep("rep-1", 0, 0, DAY, rest=Break(12 * HOUR, 12 * HOUR + 1800, 1800))
    stops = [stop(f"s{i}", 1 + i % 9, service_s=1800) for i in range(12)]
    problem = line_problem(stops, [rep])
    solution = plan_route(problem, time_limit_s=2, seed=3)
    assert check_plan(problem, solution) == []
    start = solution.routes[0].break_start_s
    assert start is not None and 12 * HOUR <= start <= 12 * HOUR + 1800


def test_mandatory_low_prize_stop_beats_valuable_optional_ones() -> None:
    short_day = Rep("rep-1", 0, 0, TimeWindow(9 * HOUR, 11 * HOUR))
    stops = [stop("must", 3, prize=1, mandatory=True), stop("rich", 1, prize=100, service_s=4000)]
    problem = line_problem(stops, [short_day])
    solution = plan_route(problem, time_limit_s=1, seed=1)
    assert [p.stop_id for p in solution.routes[0].stops] == ["must"]
    assert solution.dropped[0].reason == DropReason.NOT_WORTH


def test_conflicting_mandatory_stops_are_explained() -> None:
    window = (TimeWindow(10 * HOUR, 10 * HOUR + 900),)
    stops = [
        stop("m1", 1, mandatory=True, windows=window),
        stop("m2", 4, mandatory=True, windows=window),
    ]
    problem = line_problem(stops)
    solution = plan_route(problem, time_limit_s=1, seed=1)
    assert len(solution.routes[0].stops) == 1
    assert [d.reason for d in solution.dropped] == [DropReason.MANDATORY_CONFLICT]


def test_max_stops_caps_the_route() -> None:
    rep = Rep("rep-1", 0, 0, DAY, max_stops=2)
    problem = line_problem(
        [stop("a", 1, prize=5), stop("b", 2, prize=7), stop("c", 3, prize=9)], [rep]
    )
    solution = plan_route(problem, time_limit_s=1, seed=1)
    assert sorted(p.stop_id for p in solution.routes[0].stops) == ["b", "c"]


def test_two_reps_share_the_candidates() -> None:
    reps = [
        Rep("r1", 0, 0, TimeWindow(9 * HOUR, 11 * HOUR)),
        Rep("r2", 9, 9, TimeWindow(9 * HOUR, 11 * HOUR)),
    ]
    problem = line_problem([stop("near0", 1), stop("near9", 8)], reps)
    solution = plan_route(problem, time_limit_s=1, seed=1)
    assert [[p.stop_id for p in r.stops] for r in solution.routes] == [["near0"], ["near9"]]


def scattered_problem() -> RouteProblem:
    """Thirty shops in a square, a one-rep shift too short for all of them."""
    rng = np.random.default_rng(7)
    points = rng.uniform(0, 1, size=(31, 2))
    travel = np.rint(np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1)) * 3000)
    stops = tuple(
        Stop(f"s{i}", i, (TimeWindow(9 * HOUR, 17 * HOUR),), 900, int(rng.integers(1, 100)))
        for i in range(1, 31)
    )
    return RouteProblem(stops, (Rep("r", 0, 0, DAY),), travel.astype(np.int64))


def test_same_seed_gives_the_same_plan() -> None:
    problem = scattered_problem()
    first = plan_route(problem, time_limit_s=60, seed=5, solution_limit=100)
    second = plan_route(problem, time_limit_s=60, seed=5, solution_limit=100)
    assert first.stats.deterministic
    assert first.routes == second.routes
    assert check_plan(problem, first) == []


def test_restart_chain_keeps_its_best_and_says_when_the_cap_cut_it() -> None:
    problem = scattered_problem()
    one = plan_route(problem, time_limit_s=60, seed=5, restarts=1)
    chain = plan_route(problem, time_limit_s=60, seed=5, restarts=12)
    assert one.stats.deterministic and chain.stats.deterministic
    assert chain.stats.solutions_seen > one.stats.solutions_seen  # the restarts ran
    assert chain.total_prize >= one.total_prize  # the first descent is the same run
    assert check_plan(problem, chain) == []
    cut = plan_route(problem, time_limit_s=0.001, seed=5)
    assert not cut.stats.deterministic
    assert check_plan(problem, cut) == []


def test_checker_catches_broken_plans() -> None:
    problem = line_problem([stop("a", 1), stop("b", 2, windows=(TimeWindow(9 * HOUR, 10 * HOUR),))])
    good = plan_route(problem, time_limit_s=1, seed=1)
    route = good.routes[0]
    late = replace(route.stops[0], service_start_s=17 * HOUR, departure_s=17 * HOUR + 900)
    broken = replace(good, routes=(replace(route, stops=(late, *route.stops[1:])),))
    assert any("outside windows" in p for p in check_plan(problem, broken))
    doubled = replace(good, routes=(replace(route, stops=route.stops + route.stops[:1]),))
    assert any("served more than once" in p for p in check_plan(problem, doubled))
    forgotten = replace(good, routes=(replace(route, stops=route.stops[:1]),))
    assert any("neither served nor dropped" in p for p in check_plan(problem, forgotten))
    early = replace(good, routes=(replace(route, leave_s=8 * HOUR),))
    assert any("before the shift opens" in p for p in check_plan(problem, early))
    rested = replace(
        problem, reps=(replace(problem.reps[0], rest=Break(9 * HOUR, 17 * HOUR, 600), max_stops=1),)
    )
    overlap = replace(good, routes=(replace(route, break_start_s=route.stops[0].service_start_s),))
    found = check_plan(rested, overlap)
    assert any("break overlaps" in p for p in found)
    assert any("at most 1" in p for p in found)


def test_warm_start_from_the_usual_order_feasible_or_not() -> None:
    problem = line_problem([stop("a", 1), stop("b", 2), stop("c", 3)])
    usual = plan_route(problem, time_limit_s=1, seed=1, warm_start=[["c", "b", "a"]])
    assert check_plan(problem, usual) == []
    assert usual.total_prize == 30
    tight = replace(problem, reps=(replace(problem.reps[0], max_stops=1),))
    impossible = plan_route(tight, time_limit_s=1, seed=1, warm_start=[["a", "b", "c"]])
    assert check_plan(tight, impossible) == []
    assert len(impossible.routes[0].stops) == 1
