"""Turn benchmark instances into integer RoutingSpecs with the benchmark conventions."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

from optimizer.benchmarks import BenchmarkInstance, optw_distance_decimals
from optimizer.engine import RoutingSpec

VRPTW_SCALE = 1000  # VRPTW ticks per unit: 1/1000 of a distance unit


def _integer_coordinates(instance: BenchmarkInstance) -> tuple[np.ndarray, np.ndarray]:
    scale = Decimal(10) ** instance.coordinate_decimals
    xs = np.array([int(n.x * scale) for n in instance.nodes], dtype=np.int64)
    ys = np.array([int(n.y * scale) for n in instance.nodes], dtype=np.int64)
    return xs, ys


def _exact_isqrt(values: np.ndarray) -> np.ndarray:
    # Float sqrt then a one-step correction gives the exact integer square root here.
    roots = np.floor(np.sqrt(values.astype(np.float64))).astype(np.int64)
    roots -= (roots * roots > values).astype(np.int64)
    roots += ((roots + 1) * (roots + 1) <= values).astype(np.int64)
    return roots


def truncated_matrix(instance: BenchmarkInstance, decimals: int) -> np.ndarray:
    """Return Euclidean distances truncated to ``decimals``, as integers in 10^-decimals units."""
    xs, ys = _integer_coordinates(instance)
    dx = xs[:, None] - xs[None, :]
    dy = ys[:, None] - ys[None, :]
    squared = (dx * dx + dy * dy) * 10 ** (2 * decimals)
    return _exact_isqrt(squared) // 10**instance.coordinate_decimals


def _ticks(value: Decimal, scale: int) -> int:
    scaled = value * scale
    if scaled != scaled.to_integral_value():
        raise ValueError(f"time {value} is not a multiple of 1/{scale}")
    return int(scaled)


def optw_spec(instance: BenchmarkInstance, routes: int) -> tuple[RoutingSpec, int]:
    """Build the OPTW/TOPTW spec with ``routes`` vehicles; return it with its tick scale."""
    decimals = optw_distance_decimals(instance)
    scale = 10**decimals
    depot = instance.nodes[0]
    horizon = (_ticks(depot.ready, scale), _ticks(depot.due, scale))
    spec = RoutingSpec(
        travel=truncated_matrix(instance, decimals),
        service=[_ticks(n.service, scale) for n in instance.nodes],
        windows=[[(_ticks(n.ready, scale), _ticks(n.due, scale))] for n in instance.nodes],
        prize=[0] + [n.prize for n in instance.nodes[1:]],
        optional=[False] + [True] * instance.n_customers,
        starts=[0] * routes,
        ends=[0] * routes,
        shifts=[horizon] * routes,
    )
    return spec, scale


def vrptw_spec(instance: BenchmarkInstance) -> RoutingSpec:
    """Build the VRPTW spec: costs are rounded distances, travel times rounded up (safe)."""
    xs, ys = _integer_coordinates(instance)
    unit = 10**instance.coordinate_decimals
    exact = np.hypot((xs[:, None] - xs[None, :]) / unit, (ys[:, None] - ys[None, :]) / unit)
    # Times round up so that a route feasible here is feasible in double precision too.
    travel = np.ceil(exact * VRPTW_SCALE).astype(np.int64)
    cost = np.rint(exact * VRPTW_SCALE).astype(np.int64)
    depot = instance.nodes[0]

    def ticks(value: Decimal) -> int:
        return math.floor(value * VRPTW_SCALE)

    vehicles = instance.vehicles
    return RoutingSpec(
        travel=travel,
        arc_cost=cost,
        service=[ticks(n.service) for n in instance.nodes],
        windows=[[(ticks(n.ready), ticks(n.due))] for n in instance.nodes],
        prize=[0] * len(instance.nodes),
        optional=[False] * len(instance.nodes),
        hard_mandatory=True,
        starts=[0] * vehicles,
        ends=[0] * vehicles,
        shifts=[(ticks(depot.ready), ticks(depot.due))] * vehicles,
        demand=[n.demand for n in instance.nodes],
        capacities=[instance.capacity] * vehicles,
    )
