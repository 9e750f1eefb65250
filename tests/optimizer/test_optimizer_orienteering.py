"""TOPTW ruin-and-recreate: ratio insertion, maximal recreate, annealed routes, optimality."""

import itertools
import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from optimizer.bench import main as bench_main
from optimizer.benchmark_model import optw_spec
from optimizer.benchmarks import optw_distance_decimals, parse_toptw
from optimizer.engine import RoutingSpec
from optimizer.feasibility import check_optw
from optimizer.orienteering import OrienteeringConfig, _Moves, anneal_orienteering
from optimizer.portfolio import run_chains

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "benchmarks" / "optw"
needs_data = pytest.mark.skipif(not DATA.exists(), reason="benchmark data not present")


def simulate(spec: RoutingSpec, route: list[int]) -> int | None:
    """Return the time the route is back at the depot, or None if a window or the shift breaks."""
    open_, close = spec.shifts[0]
    clock, here = open_, 0
    for c in route:
        clock = max(clock + spec.service[here] + int(spec.travel[here, c]), spec.windows[c][0][0])
        if clock > spec.windows[c][0][1]:
            return None
        here = c
    back = clock + spec.service[here] + int(spec.travel[here, 0])
    return back if back <= close else None


def served_at(spec: RoutingSpec, route: list[int], k: int) -> int:
    """Return the service start of the k-th node of [depot, *route, depot] (k >= 1)."""
    nodes = [0, *route, 0]
    clock = spec.shifts[0][0]
    for i in range(1, k + 1):
        p, c = nodes[i - 1], nodes[i]
        ready = spec.windows[c][0][0] if c else spec.shifts[0][0]
        clock = max(clock + spec.service[p] + int(spec.travel[p, c]), ready)
    return clock


def random_spec(seed: int, customers: int, vehicles: int = 1) -> RoutingSpec:
    rng = random.Random(seed)
    points = [(50.0, 50.0)] + [(rng.uniform(0, 100), rng.uniform(0, 100)) for _ in range(customers)]
    travel = np.array([[int(np.hypot(a[0] - b[0], a[1] - b[1])) for b in points] for a in points])
    windows = [[(0, 400)]]
    for _ in range(customers):
        opens = rng.randint(0, 250)
        windows.append([(opens, opens + rng.randint(20, 120))])
    return RoutingSpec(
        travel=travel,
        service=[0] + [rng.randint(5, 20) for _ in range(customers)],
        windows=windows,
        prize=[0] + [rng.randint(1, 30) for _ in range(customers)],
        optional=[False] + [True] * customers,
        starts=[0] * vehicles,
        ends=[0] * vehicles,
        shifts=[(0, 400)] * vehicles,
    )


def test_evaluate_gives_each_customer_its_least_time_consuming_feasible_position() -> None:
    spec = random_spec(4, 14)
    moves = _Moves(spec)
    route: list[int] = []
    for c in range(1, 15):  # grow a feasible route greedily by index
        if simulate(spec, [*route, c]) is not None:
            route.append(c)
    others = np.array([c for c in range(1, 15) if c not in route])
    ratios, positions = moves.evaluate(moves.plan(route), others, np.ones(len(others)))
    assert len(route) >= 3
    for u, ratio, position in zip(others, ratios, positions, strict=True):
        options = []
        for i in range(len(route) + 1):
            trial = [*route[:i], int(u), *route[i:]]
            if simulate(spec, trial) is not None:
                # time consumed: how much later the visit after u is served (+1)
                later = served_at(spec, trial, i + 2) - served_at(spec, route, i + 1)
                options.append((max(later, 0) + 1, i))
        if not options:
            assert ratio == -np.inf
        else:
            least = min(options)[0]
            assert ratio == pytest.approx(1 / least)
            assert (least, int(position)) in options


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_recreate_leaves_no_customer_that_still_fits(seed: int) -> None:
    spec = random_spec(seed, 30, vehicles=2)
    moves = _Moves(spec)
    rng = np.random.default_rng(seed)
    routes = moves.recreate([[], []], list(range(1, 31)), rng, noise=0.3)
    visited = [c for route in routes for c in route]
    assert len(visited) == len(set(visited)) and visited
    assert all(simulate(spec, route) is not None for route in routes)
    for u in set(range(1, 31)) - set(visited):
        for route in routes:
            for i in range(len(route) + 1):
                assert simulate(spec, [*route[:i], u, *route[i:]]) is None


def best_by_enumeration(spec: RoutingSpec) -> int:
    """Return the best prize of one route by trying every ordered subset."""
    customers = range(1, len(spec.service))
    best = 0
    for size in range(1, len(customers) + 1):
        for subset in itertools.combinations(customers, size):
            prize = sum(spec.prize[c] for c in subset)
            if prize <= best:
                continue
            if any(
                simulate(spec, list(order)) is not None for order in itertools.permutations(subset)
            ):
                best = prize
    return best


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_small_instances_reach_the_enumerated_optimum(seed: int) -> None:
    spec = random_spec(seed, 7)
    config = OrienteeringConfig(time_limit_s=0.6, seed=seed, opening_share=0.1)
    result = anneal_orienteering(spec, config)
    assert result is not None
    assert result.prize == best_by_enumeration(spec)
    assert all(simulate(spec, route) is not None for route in result.routes)


@needs_data
@pytest.mark.parametrize(("name", "routes"), [("pr01", 2), ("rc103", 1)])
def test_annealing_stays_feasible_and_never_loses_its_opening(name: str, routes: int) -> None:
    instance = parse_toptw(DATA / f"{name}.txt")
    spec, _ = optw_spec(instance, routes)
    result = anneal_orienteering(spec, OrienteeringConfig(time_limit_s=1.5, seed=3))
    assert result is not None and result.iterations > 0
    assert result.prize >= result.opening_prize
    report = check_optw(instance, result.routes, routes, optw_distance_decimals(instance))
    assert report.feasible, report.violations
    assert report.prize == result.prize


@needs_data
def test_bench_runner_solves_a_team_orienteering_instance(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    args = ["--suite", "optw", "--data", str(DATA), "--instances", "pr05", "--routes", "2"]
    bench_main([*args, "--time-limit", "2", "--workers", "1", "--out", str(out)])
    row = json.loads(out.read_text())[0]
    instance = parse_toptw(DATA / "pr05.txt")
    report = check_optw(instance, row["routes"], 2, optw_distance_decimals(instance))
    assert report.feasible, report.violations
    assert row["objective"] == report.prize > 0


@dataclass(frozen=True)
class Timed:
    time_limit_s: float
    seed: int


def echo(spec: RoutingSpec, config: Timed) -> tuple[int, float] | None:
    """A chain that finds nothing for odd seeds and reports its seed and time otherwise."""
    return None if config.seed % 2 else (config.seed, config.time_limit_s)


@pytest.mark.parametrize(("workers", "time_each"), [(1, 1.0), (2, 4.0)])
def test_run_chains_splits_the_time_only_when_alone_and_drops_empty_chains(
    workers: int, time_each: float
) -> None:
    configs = [Timed(4.0, seed) for seed in range(4)]
    found = run_chains(echo, random_spec(1, 3), configs, workers)
    assert found == [(0, time_each), (2, time_each)]
