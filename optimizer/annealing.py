"""VRPTW improvement: OR-Tools opening, then ruin-and-recreate under simulated annealing.

After OR-Tools' guided local search opens (a share of the time), each iteration removes
strings of consecutive customers from routes near a random seed customer (the "slack
induction by string removals" ruin of Christiaens & Vanden Berghe, 2020), reinserts them
one by one at their cheapest feasible position with a small chance of skipping a position
("blinks"), and accepts the result by simulated annealing against the current routes. The
recreate keeps every customer served and every route feasible (time windows with the
rounded-up travel times, capacity), so no penalty is needed; a customer with no feasible
position opens a spare vehicle, and a result needing more vehicles than the fleet is
dropped.

Only for specs where every vehicle starts and ends at the same depot with the same shift,
one window per customer and hard mandatory customers (``benchmark_model.vrptw_spec``).
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.engine import RoutingEngine, RoutingSpec
from optimizer.portfolio import permute_spec, run_chains, seed_order
from optimizer.search import SearchConfig


@dataclass(frozen=True)
class AnnealConfig:
    """One annealing chain: its time, GLS opening share, ruin sizes and temperatures.

    Temperatures are relative to the current routes' cost (0.01: a move 1% worse is
    accepted with probability 1/e), cooled geometrically from ``t_start`` to ``t_end``.
    """

    time_limit_s: float
    seed: int = 0
    opening_share: float = 0.1
    avg_removed: float = 10.0  # SISR's average number of removed customers
    max_string: int = 10  # SISR's longest removed string
    t_start: float = 0.01
    t_end: float = 0.0001
    blink: float = 0.01


@dataclass
class AnnealResult:
    """Best routes (node indices, empty routes dropped) with their cost and the work done."""

    routes: list[list[int]]
    cost: int
    iterations: int
    opening_cost: int


def remove_strings(
    routes: list[list[int]],
    nearest: Sequence[Sequence[int]],
    rng: random.Random,
    avg_removed: float,
    max_string: int,
) -> list[int]:
    """SISR's ruin, in place: remove strings of consecutive visits from the routes nearest a
    random visited customer (``nearest[c]``: customers by distance from c); return them in the
    order removed. About ``avg_removed`` visits go, in strings of at most ``max_string``."""
    where = {c: r for r, route in enumerate(routes) for c in route}
    if not where:
        return []
    string_max = min(float(max_string), statistics.mean(len(r) for r in routes if r))
    strings_max = 4 * avg_removed / (1 + string_max) - 1
    strings = int(rng.uniform(1, strings_max + 1))
    removed: list[int] = []
    ruined: set[int] = set()
    for c in nearest[rng.choice(list(where))]:
        if len(ruined) >= strings:
            break
        if c not in where or where[c] in ruined:
            continue
        r = where[c]
        route = routes[r]
        length = int(rng.uniform(1, min(len(route), string_max) + 1))
        at = route.index(c)
        first = rng.randint(max(0, at - length + 1), min(at, len(route) - length))
        chunk = route[first : first + length]
        del route[first : first + length]
        for x in chunk:
            del where[x]
        removed += chunk
        ruined.add(r)
    return removed


class _Recreate:
    """Cheapest feasible insertion over routes of one depot, single windows, one capacity."""

    def __init__(self, spec: RoutingSpec) -> None:
        if len(set(spec.starts) | set(spec.ends)) != 1 or len(set(spec.shifts)) != 1:
            raise ValueError("annealing needs one depot and one shift for every vehicle")
        if any(len(w) != 1 for k, w in enumerate(spec.windows) if k != spec.starts[0]):
            raise ValueError("annealing needs exactly one window per customer")
        self.depot = spec.starts[0]
        self.travel: list[list[int]] = spec.travel.tolist()
        costs = spec.travel if spec.arc_cost is None else spec.arc_cost
        self.cost: list[list[int]] = costs.tolist()
        self.service = [int(s) for s in spec.service]
        self.ready = [w[0][0] if w else 0 for w in spec.windows]
        self.due = [w[0][1] if w else 0 for w in spec.windows]
        self.open, self.close = spec.shifts[0]
        n = len(self.service)
        self.demand = [int(d) for d in spec.demand] if spec.demand is not None else [0] * n
        self.capacity = int(spec.capacities[0]) if spec.capacities is not None else sum(self.demand)
        self.vehicles = spec.n_vehicles
        order = np.argsort(costs, axis=1, kind="stable")
        self.nearest = [[int(j) for j in row if j != self.depot] for row in order]
        self._costs: dict[tuple[int, ...], int] = {}
        self._schedules: dict[tuple[int, ...], tuple[list[int], list[int], list[int], int]] = {}

    def route_cost(self, route: Sequence[int]) -> int:
        """Return the arc cost of a depot-to-depot route."""
        key = tuple(route)
        known = self._costs.get(key)
        if known is not None:
            return known
        nodes = [self.depot, *route, self.depot] if route else []
        value = sum(self.cost[a][b] for a, b in itertools.pairwise(nodes))
        if len(self._costs) > 20_000:
            self._costs.clear()
        self._costs[key] = value
        return value

    def _schedule(self, route: list[int]) -> tuple[list[int], list[int], list[int], int]:
        """Return nodes with depots, earliest and latest service starts, and the load."""
        key = tuple(route)
        cached = self._schedules.get(key)
        if cached is not None:
            return cached
        travel, service, ready, due = self.travel, self.service, self.ready, self.due
        nodes = [self.depot, *route, self.depot]
        k = len(route)
        earliest = [self.open] * (k + 2)
        for i in range(1, k + 1):
            p, c = nodes[i - 1], nodes[i]
            earliest[i] = max(ready[c], earliest[i - 1] + service[p] + travel[p][c])
        latest = [self.close] * (k + 2)
        for i in range(k, 0, -1):
            c, nxt = nodes[i], nodes[i + 1]
            latest[i] = min(due[c], latest[i + 1] - travel[c][nxt] - service[c])
        schedule = nodes, earliest, latest, sum(self.demand[c] for c in route)
        if len(self._schedules) > 20_000:
            self._schedules.clear()
        self._schedules[key] = schedule
        return schedule

    def _inserted(
        self, plan: tuple[list[int], list[int], list[int], int], i: int, u: int
    ) -> tuple[list[int], list[int], list[int], int]:
        """Return the schedule with u inserted after position i: earliest starts change
        only after it, latest starts only before it."""
        travel, service, ready, due = self.travel, self.service, self.ready, self.due
        nodes, earliest, latest, load = plan
        nodes, earliest, latest = list(nodes), list(earliest), list(latest)
        nodes.insert(i + 1, u)
        earliest.insert(i + 1, 0)
        latest.insert(i + 1, 0)
        last = len(nodes) - 1
        for k in range(i + 1, last):
            p, c = nodes[k - 1], nodes[k]
            start = earliest[k - 1] + service[p] + travel[p][c]
            if start < ready[c]:
                start = ready[c]
            if k > i + 1 and start == earliest[k]:
                break  # unchanged from here on
            earliest[k] = start
        for k in range(i + 1, 0, -1):
            c, nxt = nodes[k], nodes[k + 1]
            start = latest[k + 1] - travel[c][nxt] - service[c]
            if start > due[c]:
                start = due[c]
            if k < i + 1 and start == latest[k]:
                break
            latest[k] = start
        return nodes, earliest, latest, load + self.demand[u]

    def insert(
        self, routes: list[list[int]], removed: Sequence[int], rng: random.Random, blink: float
    ) -> list[list[int]]:
        """Insert each removed customer at its cheapest feasible position (new route if none)."""
        travel, cost, service = self.travel, self.cost, self.service
        plans = [self._schedule(route) for route in routes]
        for u in removed:
            best: tuple[int, int, int] | None = None
            ready_u, due_u, service_u, demand_u = (
                self.ready[u],
                self.due[u],
                service[u],
                self.demand[u],
            )
            travel_u, cost_u = travel[u], cost[u]
            for r, (nodes, earliest, latest, load) in enumerate(plans):
                if load + demand_u > self.capacity:
                    continue
                for i in range(len(nodes) - 1):
                    p = nodes[i]
                    start = earliest[i] + service[p] + travel[p][u]
                    if start > due_u:
                        break  # earliest starts only grow along the route
                    if start < ready_u:
                        start = ready_u
                    nxt = nodes[i + 1]
                    if start + service_u + travel_u[nxt] > latest[i + 1]:
                        continue
                    delta = cost[p][u] + cost_u[nxt] - cost[p][nxt]
                    if best is None or delta < best[0]:
                        if blink and rng.random() < blink:
                            continue
                        best = (delta, r, i)
            if best is None:
                routes.append([u])
                plans.append(self._schedule(routes[-1]))
            else:
                _, r, i = best
                routes[r].insert(i, u)
                plans[r] = self._inserted(plans[r], i, u)
        return routes

    def ruin(
        self, routes: list[list[int]], rng: random.Random, avg_removed: float, max_string: int
    ) -> tuple[list[list[int]], list[int]]:
        """Remove strings from routes near a random customer (SISR); return routes, removed."""
        kept = [list(route) for route in routes if route]
        removed = remove_strings(kept, self.nearest, rng, avg_removed, max_string)
        draw = rng.random()  # SISR's insertion orders: random, demand, far from the depot
        if draw < 0.4:
            rng.shuffle(removed)
        elif draw < 0.8:
            removed.sort(key=lambda x: -self.demand[x])
        else:
            removed.sort(key=lambda x: -self.cost[self.depot][x])
        return [route for route in kept if route], removed


def anneal(spec: RoutingSpec, config: AnnealConfig) -> AnnealResult | None:
    """Open with OR-Tools GLS, then anneal ruin-and-recreate until the time limit."""
    began = time.perf_counter()
    deadline = began + config.time_limit_s
    order = seed_order(spec, config.seed)
    relabelled = permute_spec(spec, order)
    engine = RoutingEngine(relabelled)
    opening = SearchConfig(
        time_limit_s=max(0.05, config.time_limit_s * config.opening_share),
        first_solution="PARALLEL_CHEAPEST_INSERTION",
        only_operators=None,
    )
    opened = engine.solve(opening)
    if opened is None:
        return None
    recreate = _Recreate(relabelled)
    rng = random.Random(config.seed)
    current = [route for route in opened.routes if route]
    current_cost = sum(recreate.route_cost(route) for route in current)
    best, best_cost, opening_cost = current, current_cost, current_cost
    iterations = 0
    span = max(1e-9, deadline - time.perf_counter())
    while (now := time.perf_counter()) < deadline:
        routes, removed = recreate.ruin(current, rng, config.avg_removed, config.max_string)
        routes = recreate.insert(routes, removed, rng, config.blink)
        iterations += 1
        if len(routes) > recreate.vehicles:
            continue
        cost = sum(recreate.route_cost(route) for route in routes)
        progress = 1 - (deadline - now) / span
        temperature = config.t_start * (config.t_end / config.t_start) ** progress
        threshold = current_cost * (1 - temperature * math.log(1 - rng.random()))
        if cost < threshold:
            current, current_cost = routes, cost
            if cost < best_cost:
                best, best_cost = routes, cost
    routes = [[order[node] for node in route] for route in best]
    return AnnealResult(routes, best_cost, iterations, opening_cost)


def anneal_portfolio(
    spec: RoutingSpec, configs: Sequence[AnnealConfig], workers: int
) -> AnnealResult | None:
    """Run one annealing chain per config over ``workers`` processes; return the cheapest.

    With one worker the chains run one after the other, each with its share of the time.
    """
    found = run_chains(anneal, spec, configs, workers)
    return min(found, key=lambda r: r.cost) if found else None
