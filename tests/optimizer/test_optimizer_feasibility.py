"""The independent checker catches each violated rule; the solver matches enumeration."""

import itertools
import random
from decimal import Decimal

from optimizer.benchmark_model import optw_spec
from optimizer.benchmarks import BenchmarkInstance, BenchmarkNode
from optimizer.engine import RoutingEngine
from optimizer.feasibility import check_optw, check_vrptw
from optimizer.search import SearchConfig


def make_node(node_id: int, x: int, y: int, ready: int, due: int, prize: int = 10) -> BenchmarkNode:
    return BenchmarkNode(
        node_id, Decimal(x), Decimal(y), Decimal(1), prize, prize, Decimal(ready), Decimal(due)
    )


def line_instance(kind: str = "optw", capacity: int = 0) -> BenchmarkInstance:
    """Depot at 0; customers 1, 2, 3 at x = 3, 6, 9 (distance 3 apart), horizon 30."""
    nodes = (
        make_node(0, 0, 0, 0, 30, prize=0),
        make_node(1, 3, 0, 0, 10),
        make_node(2, 6, 0, 5, 8),
        make_node(3, 9, 0, 0, 30),
    )
    return BenchmarkInstance("line", kind, nodes, 2, capacity, 0)


def test_feasible_route_reports_prize_and_distance() -> None:
    report = check_optw(line_instance(), [[1, 2, 3]], 1, 1)
    assert report.feasible
    assert report.prize == 30
    assert report.distance == 18.0


def test_checker_catches_late_start_of_service() -> None:
    # 3 then 2: reach 3 at 9, leave 10, reach 2 at 13 > close 8.
    report = check_optw(line_instance(), [[3, 2]], 1, 1)
    assert not report.feasible
    assert "starts 13 after its close 8" in report.violations[0]


def test_checker_catches_late_return_to_depot() -> None:
    nodes = list(line_instance().nodes)
    nodes[0] = make_node(0, 0, 0, 0, 15, prize=0)
    instance = BenchmarkInstance("short", "optw", tuple(nodes), 1, 0, 0)
    report = check_optw(instance, [[1, 2, 3]], 1, 1)
    assert report.violations == ["route 0: back at depot 21 after Tmax 15"]


def test_checker_catches_duplicate_unknown_and_too_many_routes() -> None:
    assert (
        "customer 1 visited more than once"
        in check_optw(line_instance(), [[1], [1]], 2, 1).violations
    )
    assert "customer 7 does not exist" in check_optw(line_instance(), [[7]], 1, 1).violations
    report = check_optw(line_instance(), [[1], [3]], 1, 1)
    assert report.violations == ["2 non-empty routes, at most 1 allowed"]


def test_vrptw_checker_catches_capacity_and_missing_customers() -> None:
    instance = line_instance("vrptw", capacity=25)
    assert check_vrptw(instance, [[1, 2, 3]], 2).violations == ["route 0: load 30 over capacity"]
    missing = check_vrptw(instance, [[1, 2]], 2).violations
    assert missing == ["1 customers not served, e.g. 3"]
    assert check_vrptw(instance, [[1, 2], [3]], 2).feasible


def random_instance(seed: int, customers: int) -> BenchmarkInstance:
    rng = random.Random(seed)
    nodes = [make_node(0, 50, 50, 0, 120, prize=0)]
    for i in range(1, customers + 1):
        ready = rng.randint(0, 80)
        nodes.append(
            make_node(
                i,
                rng.randint(20, 80),
                rng.randint(20, 80),
                ready,
                ready + rng.randint(5, 40),
                prize=rng.randint(1, 9),
            )
        )
    return BenchmarkInstance(f"rand{seed}", "optw", tuple(nodes), 1, 0, 0)


def enumerate_best_prize(instance: BenchmarkInstance) -> int:
    best = 0
    customers = range(1, instance.n_customers + 1)
    for size in range(1, instance.n_customers + 1):
        for route in itertools.permutations(customers, size):
            report = check_optw(instance, [list(route)], 1, 1)
            if report.feasible:
                best = max(best, report.prize)
    return best


def test_solver_matches_exhaustive_enumeration_on_tiny_instances() -> None:
    for seed in range(4):
        instance = random_instance(seed, customers=6)
        spec, _ = optw_spec(instance, routes=1)
        result = RoutingEngine(spec).solve(SearchConfig(time_limit_s=1.0, solution_limit=400))
        assert result is not None
        report = check_optw(instance, result.routes, 1, 1)
        assert report.feasible
        assert report.prize == enumerate_best_prize(instance), instance.name
