"""Solve a RoutingSpec with several seeds, in parallel processes, and keep the best.

A seed relabels the optional nodes (a seeded permutation), which changes OR-Tools'
tie-breaking and neighbourhood order: a cheap, deterministic way to diversify runs of
an otherwise deterministic search.
"""

from __future__ import annotations

import math
import multiprocessing
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

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


@dataclass
class DescentChain:
    """The best result of a descent chain, whether it ran to the end, and its work."""

    best: EngineResult | None
    complete: bool  # every restart ran and every descent stopped on its own (or on the count)
    solutions_seen: int
    restarts_run: int
    wall_time_s: float


def descent_chain(
    spec: RoutingSpec,
    config: SearchConfig,
    seeds: Sequence[int],
    time_limit_s: float,
    warm_start: list[list[int]] | None = None,
    temperatures: tuple[float, float] | None = None,
) -> DescentChain:
    """Iterated greedy descents: each restart ruins the best routes and descends again.

    A greedy descent stops by itself at a local optimum, so the chain does the same work
    whatever the machine's speed: ``time_limit_s`` (shared by the whole chain) is only a
    safety cap, and ``complete`` says whether it cut the chain. The first descent starts
    from ``warm_start`` when given (and feasible), otherwise from the first-solution heuristic.
    With ``temperatures`` (start, end), each restart ruins the *current* routes instead of
    the best, and a descent's result replaces them by simulated annealing: a result worse by
    d is accepted with probability exp(-d / T), T cooling geometrically over the time limit
    from start to end, both in units of the spec's total prize (times the prize weight).
    """
    descent = replace(config, metaheuristic="GREEDY_DESCENT")
    began = time.perf_counter()
    deadline = began + time_limit_s
    best: EngineResult | None = None
    current: EngineResult | None = None
    scale = spec.prize_weight() * max(1, sum(spec.prize))
    rng = random.Random(seeds[0] if len(seeds) else 0)
    complete, seen, run = True, 0, 0
    for seed in seeds:
        remaining = deadline - time.perf_counter()
        if remaining <= 0.005:
            complete = False
            break
        base = current if temperatures is not None else best
        start = warm_start if base is None else ruin(base.routes, seed)
        result = solve_seeded(spec, replace(descent, time_limit_s=remaining), seed, start)
        run += 1
        if result is None:
            continue
        seen += result.solutions_seen
        limit = descent.solution_limit
        if result.wall_time_s >= remaining * 0.98 and (
            limit is None or result.solutions_seen < limit
        ):
            complete = False
        if best is None or result.objective < best.objective:
            best = result
        if current is None or result.objective < current.objective:
            current = result
        elif temperatures is not None:
            progress = min(1.0, (time.perf_counter() - began) / time_limit_s)
            first, last = temperatures
            temperature = scale * first * (last / first) ** progress
            if rng.random() < math.exp(-(result.objective - current.objective) / temperature):
                current = result
    return DescentChain(best, complete, seen, run, time.perf_counter() - began)


def _descent_job(
    job: tuple[RoutingSpec, SearchConfig, int, tuple[float, float] | None],
) -> EngineResult | None:
    spec, config, seed, temperatures = job
    seeds = range(seed, seed + 10**12, 1000)  # the time limit ends the chain
    chain = descent_chain(spec, config, seeds, config.time_limit_s, temperatures=temperatures)
    return chain.best


def solve_descent_portfolio(
    spec: RoutingSpec,
    chains: Sequence[tuple[SearchConfig, int]],
    workers: int,
    temperatures: tuple[float, float] | None = None,
) -> EngineResult | None:
    """Run one descent chain per (config, seed) over ``workers`` processes until each
    config's time limit; return the best result."""
    jobs = [(spec, c, seed, temperatures) for c, seed in chains]
    if workers <= 1 or len(jobs) == 1:
        results = [_descent_job(job) for job in jobs]
    else:
        with multiprocessing.get_context("fork").Pool(min(workers, len(jobs))) as pool:
            results = pool.map(_descent_job, jobs)
    found = [r for r in results if r is not None]
    return min(found, key=lambda r: r.objective) if found else None


Config = TypeVar("Config")
Result = TypeVar("Result")


def _chain_job(
    job: tuple[Callable[[RoutingSpec, Config], Result | None], RoutingSpec, Config],
) -> Result | None:
    solve, spec, config = job
    return solve(spec, config)


def run_chains(
    solve: Callable[[RoutingSpec, Config], Result | None],
    spec: RoutingSpec,
    configs: Sequence[Config],
    workers: int,
) -> list[Result]:
    """Run ``solve(spec, config)`` for each config (a dataclass with ``time_limit_s``) over
    ``workers`` processes; return the results found.

    With one worker the chains run one after the other, each with its share of the time.
    ``solve`` must be a module-level function (the processes receive it by name).
    """
    if workers <= 1 or len(configs) == 1:
        share = 1 / len(configs)
        shared = [
            replace(c, time_limit_s=c.time_limit_s * share)  # type: ignore[type-var, attr-defined]
            for c in configs
        ]
        results = [solve(spec, c) for c in shared]
    else:
        with multiprocessing.get_context("fork").Pool(min(workers, len(configs))) as pool:
            jobs: list[Any] = [(solve, spec, c) for c in configs]
            results = pool.map(_chain_job, jobs)
    return [r for r in results if r is not None]
