"""TOPTW: prize-collecting ruin-and-recreate under simulated annealing.

On team-orienteering instances one OR-Tools greedy descent takes up to seconds (pr04-pr06,
pr09, pr10: 192-288 customers), so the descent chains of ``optimizer.portfolio`` fit only a
few restarts in the time. Here, from the greedy recreate of empty routes (or, with
``opening_share`` > 0, from OR-Tools' guided local search: measured worse, see
optimizer/README.md), each iteration

* ruins the current routes: strings of consecutive visits removed from routes near a
  random visited customer (the SISR ruin of Christiaens & Vanden Berghe, 2020);
* recreates greedily over **every** unvisited customer, not only the removed ones: each
  step inserts the customer with the highest ``prize² / time consumed`` (the insertion
  ratio of Vansteenwegen et al., 2009), time consumed being how much later the next visit
  is served — travel, waiting and service together — and each ratio perturbed by a seeded
  noise factor; the positions of all customers in a route are evaluated at once (NumPy),
  from the route's forward earliest and backward latest start-of-service times;
* accepts the result by simulated annealing on ``prize − travel / W`` (W the spec's prize
  weight, so travel only breaks ties of prize), the temperature a fraction of the current
  prize cooled geometrically over the time limit.

Every route stays feasible throughout (windows, the shift), so no penalty is needed.
Only for specs where every vehicle starts and ends at one depot with one shift, every
other node has one window and is optional, with no capacities, breaks or stop limits
(``benchmark_model.optw_spec``).
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.annealing import remove_strings
from optimizer.engine import RoutingEngine, RoutingSpec
from optimizer.portfolio import run_chains
from optimizer.search import SearchConfig


@dataclass(frozen=True)
class OrienteeringConfig:
    """One chain: time, OR-Tools opening share, ruin sizes, temperatures and noise.

    Temperatures are fractions of the current routes' prize (0.01: a result 1% poorer is
    accepted with probability 1/e), cooled geometrically from ``t_start`` to ``t_end``.
    """

    time_limit_s: float
    seed: int = 0
    opening_share: float = 0.0  # 0: start from the greedy recreate of empty routes
    first_solution: str = "LOCAL_CHEAPEST_INSERTION"
    avg_removed: float = 10.0
    max_string: int = 10
    t_start: float = 0.03
    t_end: float = 0.0003
    noise: float = 0.2  # each ratio is multiplied by a uniform factor in [1 - noise, 1 + noise]


@dataclass
class OrienteeringResult:
    """Best routes (node indices, empty routes kept) with their prize, travel and work."""

    routes: list[list[int]]
    prize: int
    travel: int
    iterations: int
    opening_prize: int


_NEVER = np.iinfo(np.int64).max  # time consumed by an infeasible insertion


@dataclass
class _Plan:
    """A route's nodes with depots, earliest and latest service starts, as arrays."""

    nodes: np.ndarray
    earliest: np.ndarray
    latest: np.ndarray


class _Moves:
    """Schedules, insertion evaluation, ruin and recreate for one spec."""

    def __init__(self, spec: RoutingSpec) -> None:
        depots = set(spec.starts) | set(spec.ends)
        if len(depots) != 1 or len(set(spec.shifts)) != 1:
            raise ValueError("orienteering annealing needs one depot and one shift")
        self.depot = spec.starts[0]
        customers = [k for k in range(len(spec.service)) if k != self.depot]
        if any(len(spec.windows[k]) != 1 or not spec.optional[k] for k in customers):
            raise ValueError("orienteering annealing needs one window per optional customer")
        if spec.capacities is not None or spec.max_stops is not None or spec.breaks:
            raise ValueError("orienteering annealing has no capacities, stop limits or breaks")
        self.customers = customers
        self.travel = np.asarray(spec.travel, dtype=np.int64)
        self.rows: list[list[int]] = self.travel.tolist()
        self.service = np.asarray(spec.service, dtype=np.int64)
        self.open, self.close = spec.shifts[0]
        ready = [w[0][0] if w else self.open for w in spec.windows]
        due = [w[0][1] if w else self.close for w in spec.windows]
        ready[self.depot], due[self.depot] = self.open, self.close
        self.ready = np.asarray(ready, dtype=np.int64)
        self.due = np.asarray(due, dtype=np.int64)
        self.prize = np.asarray(spec.prize, dtype=np.int64)
        self.service_list = [int(x) for x in spec.service]
        self.ready_list, self.due_list = ready, due
        self.square = self.prize.astype(np.float64) ** 2
        self.vehicles = spec.n_vehicles
        order = np.argsort(self.travel, axis=1, kind="stable")
        self.nearest = [[int(j) for j in row if j != self.depot] for row in order]

    def plan(self, route: Sequence[int]) -> _Plan:
        """Return the route's schedule: earliest starts forward, latest starts backward."""
        rows, service, ready, due = self.rows, self.service_list, self.ready_list, self.due_list
        nodes = [self.depot, *route, self.depot]
        k = len(nodes)
        earliest = [self.open] * k
        at = self.open
        for i in range(1, k):
            p, c = nodes[i - 1], nodes[i]
            at = at + service[p] + rows[p][c]
            if at < ready[c]:
                at = ready[c]
            earliest[i] = at
        latest = [self.close] * k
        at = self.close
        for i in range(k - 2, -1, -1):
            c = nodes[i]
            at = at - rows[c][nodes[i + 1]] - service[c]
            if at > due[c]:
                at = due[c]
            latest[i] = at
        return _Plan(np.asarray(nodes), np.asarray(earliest), np.asarray(latest))

    def route_travel(self, route: Sequence[int]) -> int:
        """Return the travel of a depot-to-depot route (0 when empty)."""
        if not route:
            return 0
        nodes = [self.depot, *route, self.depot]
        return sum(self.rows[a][b] for a, b in itertools.pairwise(nodes))

    def evaluate(
        self, plan: _Plan, candidates: np.ndarray, weight: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return, per candidate, its best noisy ratio in this route (-inf: no feasible
        position) and the position to insert it at (an index into the route's visits)."""
        prev, nxt = plan.nodes[:-1], plan.nodes[1:]
        leave = plan.earliest[:-1] + self.service[prev]  # (P,)
        to_u = self.travel[prev[:, None], candidates[None, :]]  # (P, U)
        from_u = self.travel[candidates[None, :], nxt[:, None]]  # (P, U)
        start = np.maximum(leave[:, None] + to_u, self.ready[candidates])
        reach_next = start + self.service[candidates] + from_u
        feasible = (start <= self.due[candidates]) & (reach_next <= plan.latest[1:, None])
        served_next = np.maximum(leave + self.travel[prev, nxt], self.ready[nxt])
        consumed = np.maximum(reach_next - served_next[:, None], 0) + 1
        consumed[~feasible] = _NEVER
        position = consumed.argmin(axis=0)
        least = consumed[position, np.arange(len(candidates))]
        ratio = np.where(least < _NEVER, weight / least, -np.inf)
        return ratio, position

    def recreate(
        self, routes: list[list[int]], unvisited: list[int], rng: np.random.Generator, noise: float
    ) -> list[list[int]]:
        """Insert unvisited customers by best noisy ratio until none fits anywhere.

        A customer with no feasible position in a route keeps none after an insertion
        there (earliest starts only grow and latest starts only shrink; a position next to
        the new visit would, by the triangle inequality, have fitted before it), so each
        route re-evaluates only the customers that still fit it.
        """
        if not unvisited:
            return routes
        candidates = np.asarray(unvisited)
        factor = rng.uniform(1 - noise, 1 + noise, len(candidates)) if noise else 1.0
        weight = self.square[candidates] * factor
        ratios = np.empty((len(routes), len(candidates)))
        positions = np.zeros((len(routes), len(candidates)), dtype=np.int64)
        for r, route in enumerate(routes):
            ratios[r], positions[r] = self.evaluate(self.plan(route), candidates, weight)
        while True:
            flat = int(ratios.argmax())
            r, j = divmod(flat, len(candidates))
            if ratios[r, j] == -np.inf:
                return routes
            routes[r].insert(int(positions[r, j]), int(candidates[j]))
            ratios[:, j] = -np.inf
            fits = np.flatnonzero(ratios[r] > -np.inf)
            if len(fits):
                ratio, position = self.evaluate(
                    self.plan(routes[r]), candidates[fits], weight[fits]
                )
                ratios[r, fits], positions[r, fits] = ratio, position

    def ruin(
        self, routes: list[list[int]], rng: random.Random, avg_removed: float, max_string: int
    ) -> list[list[int]]:
        """Remove strings from routes near a random visited customer (SISR)."""
        kept = [list(route) for route in routes]
        remove_strings(kept, self.nearest, rng, avg_removed, max_string)
        return kept


def anneal_orienteering(spec: RoutingSpec, config: OrienteeringConfig) -> OrienteeringResult | None:
    """Anneal ruin-and-recreate until the time limit; return the richest routes seen."""
    began = time.perf_counter()
    deadline = began + config.time_limit_s
    moves = _Moves(spec)
    routes: list[list[int]] = [[] for _ in range(spec.n_vehicles)]
    if config.opening_share > 0:
        opening = SearchConfig(
            time_limit_s=max(0.05, config.time_limit_s * config.opening_share),
            first_solution=config.first_solution,
        )
        opened = RoutingEngine(spec).solve(opening)
        if opened is not None:
            routes = [list(r) for r in opened.routes]
    rng = random.Random(config.seed)
    noise_rng = np.random.default_rng(config.seed)
    weight = 1 / spec.prize_weight()

    def value(candidate: list[list[int]]) -> tuple[int, int]:
        prize = int(sum(int(moves.prize[c]) for route in candidate for c in route))
        return prize, sum(moves.route_travel(route) for route in candidate)

    # Fill the opening greedily: it may leave customers that fit.
    visited = {c for route in routes for c in route}
    routes = moves.recreate(
        routes, [c for c in moves.customers if c not in visited], noise_rng, 0.0
    )
    current = routes
    current_prize, current_travel = value(current)
    best, best_prize, best_travel = current, current_prize, current_travel
    opening_prize = current_prize
    iterations = 0
    span = max(1e-9, deadline - time.perf_counter())
    while moves.customers and (now := time.perf_counter()) < deadline:
        ruined = moves.ruin(current, rng, config.avg_removed, config.max_string)
        visited = {c for route in ruined for c in route}
        unvisited = [c for c in moves.customers if c not in visited]
        candidate = moves.recreate(ruined, unvisited, noise_rng, config.noise)
        prize, travel = value(candidate)
        iterations += 1
        progress = 1 - (deadline - now) / span
        temperature = config.t_start * (config.t_end / config.t_start) ** progress
        threshold = (current_prize - current_travel * weight) + (
            temperature * max(1, current_prize) * math.log(1 - rng.random())
        )
        if prize - travel * weight > threshold:
            current, current_prize, current_travel = candidate, prize, travel
            if (prize, -travel) > (best_prize, -best_travel):
                best, best_prize, best_travel = candidate, prize, travel
    return OrienteeringResult(best, best_prize, best_travel, iterations, opening_prize)


def orienteering_portfolio(
    spec: RoutingSpec, configs: Sequence[OrienteeringConfig], workers: int
) -> OrienteeringResult | None:
    """Run one chain per config over ``workers`` processes; return the richest result.

    With one worker the chains run one after the other, each with its share of the time.
    """
    found = run_chains(anneal_orienteering, spec, configs, workers)
    return max(found, key=lambda r: (r.prize, -r.travel)) if found else None
