"""VRPTW ruin-and-recreate: cheapest feasible insertion, string ruin, annealed routes."""

import json
import random
from pathlib import Path

import pytest

from optimizer.annealing import AnnealConfig, _Recreate, anneal
from optimizer.bench import main as bench_main
from optimizer.benchmark_model import vrptw_spec
from optimizer.benchmarks import parse_solomon
from optimizer.engine import RoutingEngine, RoutingSpec
from optimizer.feasibility import check_vrptw
from optimizer.search import SearchConfig

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "benchmarks" / "solomon"
pytestmark = pytest.mark.skipif(not DATA.exists(), reason="benchmark data not present")


def feasible_in_spec(spec: RoutingSpec, route: list[int]) -> bool:
    """Simulate one route from scratch with the spec's integer times and capacity."""
    assert spec.demand is not None and spec.capacities is not None
    if sum(spec.demand[c] for c in route) > spec.capacities[0]:
        return False
    open_, close = spec.shifts[0]
    clock, here = open_, 0
    for c in route:
        clock = max(clock + spec.service[here] + int(spec.travel[here, c]), spec.windows[c][0][0])
        if clock > spec.windows[c][0][1]:
            return False
        here = c
    return clock + spec.service[here] + int(spec.travel[here, 0]) <= close


def start_routes(spec: RoutingSpec) -> list[list[int]]:
    engine = RoutingEngine(spec)
    config = SearchConfig(
        time_limit_s=2,
        first_solution="PARALLEL_CHEAPEST_INSERTION",
        metaheuristic="GREEDY_DESCENT",
        only_operators=None,
    )
    result = engine.solve(config)
    assert result is not None
    return [route for route in result.routes if route]


@pytest.mark.parametrize("name", ["R101", "RC208"])
def test_insertion_is_the_cheapest_feasible_position(name: str) -> None:
    spec = vrptw_spec(parse_solomon(DATA / f"{name}.txt"))
    recreate = _Recreate(spec)
    routes = start_routes(spec)
    rng = random.Random(7)
    for _ in range(15):
        ruined, removed = recreate.ruin(routes, rng, avg_removed=10, max_string=10)
        # Put back all but one with the recreate, then check the last one by brute force.
        partial = recreate.insert([list(r) for r in ruined], removed[:-1], rng, blink=0.0)
        u = removed[-1]
        best = None
        for route in partial:
            for i in range(len(route) + 1):
                trial = [*route[:i], u, *route[i:]]
                if feasible_in_spec(spec, trial):
                    delta = recreate.route_cost(trial) - recreate.route_cost(route)
                    best = delta if best is None else min(best, delta)
        before = sum(recreate.route_cost(r) for r in partial)
        after_routes = recreate.insert([list(r) for r in partial], [u], rng, blink=0.0)
        after = sum(recreate.route_cost(r) for r in after_routes)
        if best is None:  # no feasible position: a new route of its own
            assert after_routes[-1] == [u]
        else:
            assert after - before == best
        assert all(feasible_in_spec(spec, route) for route in after_routes)
        served = sorted(c for route in after_routes for c in route)
        assert served == list(range(1, len(spec.service)))


def test_ruin_removes_strings_and_keeps_every_customer_somewhere() -> None:
    spec = vrptw_spec(parse_solomon(DATA / "C101.txt"))
    recreate = _Recreate(spec)
    routes = start_routes(spec)
    rng = random.Random(3)
    for _ in range(20):
        kept, removed = recreate.ruin(routes, rng, avg_removed=10, max_string=10)
        assert removed
        assert sorted([c for r in kept for c in r] + removed) == list(range(1, 101))
        # Each kept route is its original with one string cut out.
        for route in kept:
            original = next(r for r in routes if route[0] in r)
            cut = [c for c in original if c not in route]
            if cut:
                at = original.index(cut[0])
                assert original[at : at + len(cut)] == cut


def test_anneal_serves_every_customer_feasibly_and_improves_the_opening() -> None:
    instance = parse_solomon(DATA / "R105.txt")
    spec = vrptw_spec(instance)
    result = anneal(spec, AnnealConfig(time_limit_s=1.5, seed=1, opening_share=0.2))
    assert result is not None
    assert result.iterations > 0
    assert result.cost <= result.opening_cost
    report = check_vrptw(instance, result.routes, instance.vehicles)
    assert report.feasible, report.violations
    assert report.distance == pytest.approx(result.cost / 1000, abs=0.001 * len(spec.service))


def test_bench_runner_solves_a_solomon_instance(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    args = ["--suite", "solomon", "--data", str(DATA), "--instances", "c101"]
    bench_main([*args, "--time-limit", "1.5", "--workers", "1", "--out", str(out)])
    row = json.loads(out.read_text())[0]
    instance = parse_solomon(DATA / "C101.txt")
    report = check_vrptw(instance, row["routes"], instance.vehicles)
    assert report.feasible, report.violations
    assert row["objective"] == round(report.distance, 2)


def test_annealed_descent_chain_keeps_its_best_and_stays_feasible() -> None:
    from optimizer.benchmark_model import optw_spec
    from optimizer.benchmarks import parse_toptw
    from optimizer.feasibility import check_optw
    from optimizer.portfolio import descent_chain

    instance = parse_toptw(DATA.parent / "optw" / "rc103.txt")
    spec, _ = optw_spec(instance, 1)
    config = SearchConfig(time_limit_s=10)
    first = descent_chain(spec, config, [5], 10).best
    chain = descent_chain(
        spec, config, range(5, 5 + 30 * 1000, 1000), 10, temperatures=(0.01, 0.001)
    )
    assert first is not None and chain.best is not None
    assert chain.restarts_run == 30
    assert chain.best.objective <= first.objective
    routes = [[int(n) for n in route] for route in chain.best.routes]
    report = check_optw(instance, routes, 1, 1)
    assert report.feasible, report.violations
