"""Solve a RoutingSpec with several seeds, in parallel processes, and keep the best.

A seed relabels the optional nodes (a seeded permutation), which changes OR-Tools'
tie-breaking and neighbourhood order: a cheap, deterministic way to diversify runs of
an otherwise deterministic search.
"""

from __future__ import annotations

import multiprocessing
import random
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from optimizer.engine import EngineResult, RoutingEngine, RoutingSpec
from optimizer.search import SearchConfig


def seed_order(spec: RoutingSpec, seed: int) -> list[int]:
    """Return the node relabelling for a seed: fixed start/end nodes, shuffled others."""
    fixed = set(spec.starts) | set(spec.ends)
    movable = [n for n in range(len(spec.service)) if n not in fixed]
    if seed != 0:
        random.Random(seed).shuffle(movable)
    order: list[int] = []
    shuffled = iter(movable)
    for node in range(len(spec.service)):
        order.append(node if node in fixed else next(shuffled))
    return order


def permute_spec(spec: RoutingSpec, order: Sequence[int]) -> RoutingSpec:
    """Return the spec whose node k is the original node order[k]."""
    index = np.asarray(order)

    def pick(values: Sequence[int] | None) -> list[int] | None:
        return None if values is None else [values[i] for i in order]

    return replace(
        spec,
        travel=spec.travel[np.ix_(index, index)],
        arc_cost=None if spec.arc_cost is None else spec.arc_cost[np.ix_(index, index)],
        service=[spec.service[i] for i in order],
        windows=[spec.windows[i] for i in order],
        prize=[spec.prize[i] for i in order],
        optional=[spec.optional[i] for i in order],
        demand=pick(spec.demand),
    )


def solve_seeded(spec: RoutingSpec, config: SearchConfig, seed: int) -> EngineResult | None:
    """Solve the spec relabelled by a seed and map the routes back to original nodes."""
    order = seed_order(spec, seed)
    result = RoutingEngine(permute_spec(spec, order)).solve(config)
    if result is not None:
        result.routes = [[order[node] for node in route] for route in result.routes]
    return result


def _solve_job(job: tuple[RoutingSpec, SearchConfig, int]) -> EngineResult | None:
    return solve_seeded(*job)


def solve_portfolio(
    spec: RoutingSpec, config: SearchConfig, seeds: Sequence[int], workers: int
) -> tuple[EngineResult | None, list[EngineResult | None]]:
    """Run one search per seed over ``workers`` processes; return the best and all results."""
    jobs = [(spec, config, seed) for seed in seeds]
    if workers <= 1 or len(jobs) == 1:
        results = [_solve_job(job) for job in jobs]
    else:
        with multiprocessing.get_context("fork").Pool(min(workers, len(jobs))) as pool:
            results = pool.map(_solve_job, jobs)
    found = [r for r in results if r is not None]
    best = min(found, key=lambda r: r.objective) if found else None
    return best, results
