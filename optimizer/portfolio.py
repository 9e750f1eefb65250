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


def solve_seeded(
    spec: RoutingSpec,
    config: SearchConfig,
    seed: int,
    warm_start: list[list[int]] | None = None,
) -> EngineResult | None:
    """Solve the spec relabelled by a seed (optionally from routes) and map routes back."""
    order = seed_order(spec, seed)
    position = {node: k for k, node in enumerate(order)}
    initial = None if warm_start is None else [[position[n] for n in r] for r in warm_start]
    result = RoutingEngine(permute_spec(spec, order)).solve(config, initial)
    if result is not None:
        result.routes = [[order[node] for node in route] for route in result.routes]
    return result


RUIN_FRACTION = 1 / 3  # of one route, removed as a block before a warm restart


def ruin(routes: list[list[int]], seed: int) -> list[list[int]]:
    """Remove a seeded random block of consecutive visits (up to a third of a route)."""
    rng = random.Random(seed)
    kept = [list(route) for route in routes]
    candidates = [k for k, route in enumerate(kept) if route]
    if not candidates:
        return kept
    route = kept[rng.choice(candidates)]
    size = rng.randint(1, max(1, int(len(route) * RUIN_FRACTION)))
    start = rng.randrange(0, len(route) - size + 1)
    del route[start : start + size]
    return kept


def solve_chain(
    spec: RoutingSpec, config: SearchConfig, seeds: Sequence[int], warm: bool = True
) -> EngineResult | None:
    """Split the time over seeds; each later run restarts from the best routes, partly ruined.

    With ``warm`` False every run starts afresh (a plain multi-start).
    """
    segment = replace(config, time_limit_s=config.time_limit_s / len(seeds))
    best: EngineResult | None = None
    for seed in seeds:
        start = None if best is None or not warm else ruin(best.routes, seed)
        result = solve_seeded(spec, segment, seed, start)
        if result is not None and (best is None or result.objective < best.objective):
            best = result
    return best


def _solve_job(job: tuple[RoutingSpec, SearchConfig, list[int]]) -> EngineResult | None:
    return solve_chain(*job)


def solve_portfolio(
    spec: RoutingSpec,
    chains: Sequence[tuple[SearchConfig, int]],
    workers: int,
    restarts: int = 1,
) -> tuple[EngineResult | None, list[EngineResult | None]]:
    """Run one warm-started chain per (config, seed) over ``workers`` processes.

    Return the best result and every chain's result.
    """
    jobs = [(spec, config, [seed + 1000 * r for r in range(restarts)]) for config, seed in chains]
    if workers <= 1 or len(jobs) == 1:
        results = [_solve_job(job) for job in jobs]
    else:
        with multiprocessing.get_context("fork").Pool(min(workers, len(jobs))) as pool:
            results = pool.map(_solve_job, jobs)
    found = [r for r in results if r is not None]
    best = min(found, key=lambda r: r.objective) if found else None
    return best, results
