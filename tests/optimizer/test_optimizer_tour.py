"""optimizer.tour: exact schedules, travel descents, set refills and the guided exchange."""

import itertools
import random
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from optimizer.daily import build_spec, plan_route
from optimizer.daily_types import Break, Rep, RouteProblem, Stop, TimeWindow
from optimizer.engine import RoutingSpec
from optimizer.plan_check import check_plan
from optimizer.scenarios import rep_day
from optimizer.tour import INFEASIBLE, Tour, refine

HOUR = 3600


def _random_problem(
    rng: np.random.Generator,
    n: int,
    *,
    symmetric: bool = True,
    shift_end_h: int = 18,
    rest: Break = Break(12 * HOUR, 14 * HOUR, 1800),
) -> RoutingSpec:
    """n stops on a 6 km square at 18 km/h, shops open 8-21, closed for lunch, opening late or
    closing early, 15-25 minute calls, a shift from 9 with a break (by default 30 minutes to
    start between 12:00 and 14:00)."""
    xy = rng.uniform(0, 6000, size=(n + 1, 2))
    travel = np.rint(np.linalg.norm(xy[:, None] - xy[None, :], axis=2) / 5).astype(np.int64)
    if not symmetric:
        travel = travel + rng.integers(0, 120, size=travel.shape) * (1 - np.eye(n + 1, dtype=int))
    stops = []
    for i in range(1, n + 1):
        kind = rng.random()
        windows: tuple[TimeWindow, ...]
        if kind < 0.3:
            windows = (TimeWindow(8 * HOUR, 13 * HOUR), TimeWindow(14 * HOUR, 21 * HOUR))
        elif kind < 0.5:
            windows = (TimeWindow(int(rng.integers(8, 13)) * HOUR, 21 * HOUR),)
        elif kind < 0.7:
            windows = (TimeWindow(8 * HOUR, int(rng.integers(10, 14)) * HOUR),)
        else:
            windows = (TimeWindow(8 * HOUR, 21 * HOUR),)
        stops.append(Stop(f"s{i}", i, windows, int(rng.integers(15, 26)) * 60, 1 + i))
    shift = TimeWindow(9 * HOUR, shift_end_h * HOUR)
    rep = Rep("rep", 0, 0, shift, rest=rest)
    return build_spec(RouteProblem(tuple(stops), (rep,), travel), stops)


def _brute_finish(spec: RoutingSpec, nodes: Sequence[int]) -> int:
    """Earliest return trying the break in every gap (before leaving, between visits, on the
    way back, after the return): the rules of optimizer/README.md, written out plainly."""
    open_, close = spec.shifts[0]
    start, end = spec.starts[0], spec.ends[0]
    assert spec.breaks is not None and spec.breaks[0] is not None
    rest = spec.breaks[0]
    path = [start, *nodes, end]
    best = INFEASIBLE
    for gap in range(len(path) - 1):  # the break follows the departure from path[gap]
        for after_return in (False, True):
            if after_return and gap != len(path) - 2:
                continue
            clock, ok = open_, True
            for k in range(1, len(path)):
                arrive = clock + int(spec.travel[path[k - 1], path[k]])
                ready = arrive
                if k - 1 == gap:
                    pause = (
                        max(clock, rest.earliest)
                        if not after_return
                        else max(arrive, rest.earliest)
                    )
                    if pause > rest.latest:
                        ok = False
                        break
                    if not after_return:
                        ready = max(arrive, pause) + rest.duration
                if k == len(path) - 1:
                    clock = ready
                    break
                starts = [max(ready, o) for o, latest in spec.windows[path[k]] if ready <= latest]
                if not starts:
                    ok = False
                    break
                clock = min(starts) + int(spec.service[path[k]])
            if ok and clock <= close and (best == INFEASIBLE or clock < best):
                best = clock
    return best


def test_the_schedule_is_the_earliest_one_the_rules_allow() -> None:
    rng = np.random.default_rng(5)
    checked = feasible = 0
    for case in range(60):
        earliest = int(rng.integers(10 * 60, 13 * 60)) * 60
        rest = Break(
            earliest, earliest + int(rng.integers(0, 90)) * 60, int(rng.integers(2, 7)) * 600
        )
        spec = _random_problem(rng, 9, shift_end_h=int(rng.integers(12, 17)), rest=rest)
        tour = Tour(spec, 0)
        for _ in range(25):
            size = int(rng.integers(0, 10))
            nodes = [int(n) for n in rng.permutation(9)[:size]]
            assert tour.finish(nodes) == _brute_finish(spec, nodes), (case, nodes)
            checked += 1
            feasible += tour.feasible(nodes)
    assert 0 < feasible < checked  # both kinds of order were exercised


def test_the_stop_cap_and_a_missing_break_are_honoured() -> None:
    spec = _random_problem(np.random.default_rng(1), 6)
    free_day = replace(spec, breaks=None, max_stops=[2])
    tour = Tour(free_day, 0)
    assert tour.feasible([0, 1]) and not tour.feasible([0, 1, 2])
    # without a break the day ends 30 minutes earlier than with one taken on the way
    assert Tour(spec, 0).finish([0, 1]) - tour.finish([0, 1]) in (0, 1800)


def _two_opt_and_or_opt_moves(order: list[int]) -> list[list[int]]:
    moves = []
    for a, b in itertools.combinations(range(len(order)), 2):
        moves.append(order[:a] + order[a : b + 1][::-1] + order[b + 1 :])
    for size in (1, 2, 3):
        for first in range(len(order) - size + 1):
            piece, rest = order[first : first + size], order[:first] + order[first + size :]
            for at in range(len(rest) + 1):
                moves += [rest[:at] + piece + rest[at:], rest[:at] + piece[::-1] + rest[at:]]
    return moves


def test_polish_ends_at_a_local_optimum_of_asymmetric_travel() -> None:
    rng = np.random.default_rng(11)
    for _ in range(10):
        spec = _random_problem(rng, 11, symmetric=False)
        tour = Tour(spec, 0)
        start = [int(n) for n in rng.permutation(11)]
        polished = tour.polish(start, free=True)
        assert sorted(polished) == sorted(start)
        assert tour.length(polished) <= tour.length(start)
        best_move = min(tour.length(m) for m in _two_opt_and_or_opt_moves(polished))
        assert best_move >= tour.length(polished)


def test_retour_keeps_the_order_feasible_and_never_longer() -> None:
    rng = np.random.default_rng(3)
    for _ in range(10):
        spec = _random_problem(rng, 14)
        tour = Tour(spec, 0)
        order = [int(n) for n in rng.permutation(14)[:12]]
        while not tour.feasible(order):
            order.pop()
        shorter = tour.retour(order, random.Random(0), 15)
        assert tour.feasible(shorter) and sorted(shorter) == sorted(order)
        assert tour.length(shorter) <= tour.length(order)


def _line_spec(prizes: dict[int, int], shift_h: float) -> RoutingSpec:
    """Shops at locations 1..9 on a line, 5 minutes apart, open all day, 20-minute calls."""
    positions = np.arange(10)
    travel = np.abs(positions[:, None] - positions[None, :]) * 300
    stops = [Stop(f"s{i}", i, (TimeWindow(0, 24 * HOUR),), 1200, p) for i, p in prizes.items()]
    rep = Rep("rep", 0, 0, TimeWindow(9 * HOUR, int((9 + shift_h) * HOUR)))
    return build_spec(RouteProblem(tuple(stops), (rep,), travel), stops)


def test_refill_adds_the_best_set_not_the_best_stop() -> None:
    # The route serves the shop at 1 (node 0). 2 h 20 min leave room for two calls near the
    # office (locations 2 and 3: 20 + 20 min of calls, 30 min out and back) or for the one
    # valuable shop at 9 alone (90 min out and back); 40 + 35 beat 60.
    spec = _line_spec({1: 5, 2: 40, 3: 35, 9: 60}, shift_h=2 + 1 / 3)
    tour = Tour(spec, 0)
    assert tour.feasible([0, 3]) and not tour.feasible([0, 1, 2, 3])
    refilled = tour.refill([0], [1, 2, 3], 2)
    assert sorted(refilled) == [0, 1, 2]
    # the greedy rule would have taken the 60 first and then nothing else
    assert tour.insert([0], 3) is not None and tour.insert([0, 3], 1) is None


def test_refine_never_loses_and_keeps_mandatory_stops_and_the_seed_decides() -> None:
    rng = np.random.default_rng(8)
    for _ in range(6):
        spec = _random_problem(rng, 18)
        spec = replace(spec, optional=[n != 4 for n in range(len(spec.optional))])
        tour = Tour(spec, 0)
        order = [4, *[int(n) for n in rng.permutation(18) if n != 4]]
        while not tour.feasible(order):
            order.pop()
        before = tour.route(order)
        routes, complete = refine(spec, [order], seed=2, deadline=float("inf"))
        after = tour.route(routes[0])
        assert complete and tour.feasible(routes[0]) and 4 in routes[0]
        assert not before.beats(after)
        assert refine(spec, [order], seed=2, deadline=float("inf"))[0] == routes


def test_refine_stops_at_the_deadline_with_routes_as_good() -> None:
    spec = _random_problem(np.random.default_rng(2), 14)
    routes, complete = refine(spec, [[0, 1]], seed=0, deadline=0.0)
    assert (routes, complete) == ([[0, 1]], False)


def test_rep_day_3_needs_the_exchange_to_find_its_best_plan() -> None:
    # The rep-day bench's day 3 (optimizer/README.md): the descent chain keeps 22 stops worth
    # 2888; the best plan known drops s22 and s34, re-tours the rest and fits s16, s31, s40.
    problem = rep_day(3, 40)
    without = plan_route(problem, time_limit_s=30, seed=0, exchange=False)
    with_exchange = plan_route(problem, time_limit_s=30, seed=0)
    assert check_plan(problem, with_exchange) == []
    assert (without.total_prize, with_exchange.total_prize) == (2888, 2906)
    served = {p.stop_id for p in with_exchange.routes[0].stops}
    assert {"s16", "s31", "s40"} <= served and not {"s22", "s34"} & served
    assert with_exchange.stats.deterministic


def test_two_reps_keep_disjoint_feasible_routes() -> None:
    problem = rep_day(4, 60)
    second = replace(problem.reps[0], rep_id="rep-2")
    problem = replace(problem, reps=(problem.reps[0], second))
    solution = plan_route(problem, time_limit_s=30, seed=0)
    assert check_plan(problem, solution) == []
    alone = plan_route(problem, time_limit_s=30, seed=0, exchange=False)
    assert solution.total_prize >= alone.total_prize
