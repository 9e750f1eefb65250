"""Independent feasibility checks of benchmark solutions.

Nothing here is shared with the solver: distances are recomputed from the coordinates
(exact integer truncation for OPTW, double precision for VRPTW) and each route is
re-simulated with the rules of ``../shared/benchmarks/README.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from optimizer.benchmarks import BenchmarkInstance, BenchmarkNode

_EPS = 1e-7


@dataclass
class CheckReport:
    """What a check found: violations (empty when feasible) and the recomputed objective."""

    violations: list[str] = field(default_factory=list)
    prize: int = 0
    distance: float = 0.0

    @property
    def feasible(self) -> bool:
        """Return True when no rule is violated."""
        return not self.violations


def _truncated(a: BenchmarkNode, b: BenchmarkNode, decimals: int) -> Decimal:
    # Exact: floor(sqrt(dx^2 + dy^2) * 10^decimals) from integer arithmetic only.
    scale = Decimal(10) ** 6
    dx = int((a.x - b.x) * scale)
    dy = int((a.y - b.y) * scale)
    squared = (dx * dx + dy * dy) * 10 ** (2 * decimals)
    return Decimal(math.isqrt(squared) // 10**6) / Decimal(10) ** decimals


def _euclid(a: BenchmarkNode, b: BenchmarkNode) -> float:
    return math.hypot(float(a.x - b.x), float(a.y - b.y))


def _common_checks(
    instance: BenchmarkInstance, routes: list[list[int]], max_routes: int, report: CheckReport
) -> None:
    if len([r for r in routes if r]) > max_routes:
        report.violations.append(f"{len(routes)} non-empty routes, at most {max_routes} allowed")
    seen: set[int] = set()
    for route in routes:
        for customer in route:
            if not 1 <= customer <= instance.n_customers:
                report.violations.append(f"customer {customer} does not exist")
            elif customer in seen:
                report.violations.append(f"customer {customer} visited more than once")
            seen.add(customer)


def check_optw(
    instance: BenchmarkInstance, routes: list[list[int]], max_routes: int, decimals: int
) -> CheckReport:
    """Check OPTW/TOPTW routes: truncated distances, start of service in window, return by Tmax."""
    report = CheckReport()
    _common_checks(instance, routes, max_routes, report)
    if report.violations:
        return report
    depot = instance.nodes[0]
    for index, route in enumerate(routes):
        clock = depot.ready
        previous = depot
        for customer in route:
            node = instance.nodes[customer]
            length = _truncated(previous, node, decimals)
            report.distance += float(length)
            start = max(clock + length, node.ready)
            if start > node.due:
                report.violations.append(
                    f"route {index}: {customer} starts {start} after its close {node.due}"
                )
            clock = start + node.service
            report.prize += node.prize
            previous = node
        back = clock + _truncated(previous, depot, decimals)
        report.distance += float(_truncated(previous, depot, decimals))
        if back > depot.due:
            report.violations.append(f"route {index}: back at depot {back} after Tmax {depot.due}")
    return report


def check_vrptw(
    instance: BenchmarkInstance, routes: list[list[int]], max_routes: int
) -> CheckReport:
    """Check VRPTW routes: all served once, capacity, windows and depot close, double precision."""
    report = CheckReport()
    _common_checks(instance, routes, max_routes, report)
    served = {c for route in routes for c in route}
    missing = set(range(1, instance.n_customers + 1)) - served
    if missing:
        report.violations.append(f"{len(missing)} customers not served, e.g. {min(missing)}")
    if report.violations:
        return report
    depot = instance.nodes[0]
    for index, route in enumerate(routes):
        load = sum(instance.nodes[c].demand for c in route)
        if load > instance.capacity:
            report.violations.append(f"route {index}: load {load} over capacity")
        clock = float(depot.ready)
        previous = depot
        for customer in route:
            node = instance.nodes[customer]
            report.distance += _euclid(previous, node)
            start = max(clock + _euclid(previous, node), float(node.ready))
            if start > float(node.due) + _EPS:
                report.violations.append(f"route {index}: {customer} starts {start:.4f} late")
            clock = start + float(node.service)
            previous = node
        report.distance += _euclid(previous, depot)
        if clock + _euclid(previous, depot) > float(depot.due) + _EPS:
            report.violations.append(f"route {index}: back at depot after {depot.due}")
    return report
