"""One rep's tour in Python, after OR-Tools: re-tour the stops, then trade stops as a set.

Why (optimizer/README.md, rep day): OR-Tools' greedy descents leave each route at a 2-opt /
or-opt local optimum of its travel. On a full rep day the shift binds on service plus travel, so
a tour a few per cent longer than the best order of the same stops costs a whole visit. Day 3 of
the rep-day bench: the chain keeps 22 stops in 10,608 s of travel; the best plan found in 60 s
drops two of them (s22, s34), re-tours the other 20 in 9,613 s (a descent stops at 10,080 s) and
fits three others (s16, s31, s40) in 9,899 s, one second inside the shift. Nothing in the 2888
tour marks that pair: s22 is 3 s off its way there. It shows in another tour: without s34, the
best tour of the rest passes s22 by a 164 s detour, the worst prize per second of the route.

``refine`` runs, for each route, the *guided exchange*: for each of the ``candidates`` visits
whose prize per second of the route (detour + service) is lowest, re-tour the route without it
(travel only, iterated local search), take the visit of lowest prize per second in *that* tour
as a second drop, and for the drop of one and of both: re-tour what is left, then add the best
set of up to ``len(drop) + 1`` unserved stops (scored by their cheapest insertions against the
time the tour leaves, then inserted for real), then any other stop that still fits. The best
route (prize first, then travel) is kept. It is fixed work for a seed: deterministic, like the
chain before it; ``deadline`` only cuts it short under load.

Schedule rules (``Tour.finish``) are those of the OR-Tools model (``optimizer.engine``) and of
``optimizer.plan_check``: start-of-service windows (several per stop), the shift, and a break
whose start lies in its range and which falls in travel or waiting, before leaving or after the
return, never in a visit. Two states per stop (break taken or not) make the earliest schedule
exact, since arriving earlier never hurts. Callers hand the result back to OR-Tools, which
schedules it (and keeps the chain's plan if it disagrees).
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.engine import MANDATORY_PENALTY_FACTOR, RoutingSpec

INFEASIBLE = -1
KICKS = 30  # double-bridge kicks per re-tour (9,613 s on day 3 in 13-50 ms)
CANDIDATES = 3  # first drops tried per route
REFILL_POOL = 18  # unserved stops considered for a refill set, best prize per second first
REFILL_TRIES = 30  # sets inserted for real, best first, until one fits


@dataclass(frozen=True)
class Route:
    """A route's stops in order, what they are worth (prize units) and its travel."""

    nodes: tuple[int, ...]
    worth: int
    travel: int

    def beats(self, other: Route) -> bool:
        """Return True if this route is worth more (prize first, then less travel)."""
        return (self.worth, -self.travel) > (other.worth, -other.travel)


def _begin(windows: Sequence[tuple[int, int]], ready: int) -> int | None:
    """Return the earliest service start at or after ``ready`` inside a window, or None."""
    if not windows:
        return ready
    for open_, latest in windows:
        if ready <= latest:
            return max(ready, open_)
    return None


class Tour:
    """Schedule, re-tour and refill the route of one vehicle of a spec."""

    def __init__(self, spec: RoutingSpec, vehicle: int) -> None:
        self.spec = spec
        self.travel = np.asarray(spec.travel, dtype=np.int64)
        self.rows: list[list[int]] = self.travel.tolist()
        self.service = [int(s) for s in spec.service]
        self.windows = [sorted(w) for w in spec.windows]
        self.start, self.end = spec.starts[vehicle], spec.ends[vehicle]
        self.open, self.close = spec.shifts[vehicle]
        rest = None if spec.breaks is None else spec.breaks[vehicle]
        self.rest = None if rest is None else (rest.earliest, rest.latest, rest.duration)
        self.max_stops = None if spec.max_stops is None else spec.max_stops[vehicle]
        self.worth = [
            int(p) if optional else (int(p) + 1) * MANDATORY_PENALTY_FACTOR
            for p, optional in zip(spec.prize, spec.optional, strict=True)
        ]

    # -- schedule ------------------------------------------------------------------------

    def finish(self, nodes: Sequence[int]) -> int:
        """Return the earliest return to the end of the order, or INFEASIBLE."""
        if self.max_stops is not None and len(nodes) > self.max_stops:
            return INFEASIBLE
        rows, windows, service, rest = self.rows, self.windows, self.service, self.rest
        # earliest departure with the break still to take (free) and with it taken (taken)
        free: int | None = None if rest is None else self.open
        taken: int | None = self.open if rest is None else None
        where = self.start
        for node in nodes:
            leg = rows[where][node]
            next_free = next_taken = None
            if free is not None and rest is not None:
                next_free = _begin(windows[node], free + leg)
                pause = max(free, rest[0])  # the break starts on the way or while waiting
                if pause <= rest[1]:
                    next_taken = _begin(windows[node], max(free + leg, pause) + rest[2])
            if taken is not None:
                begin = _begin(windows[node], taken + leg)
                if begin is not None and (next_taken is None or begin < next_taken):
                    next_taken = begin
            if next_free is None and next_taken is None:
                return INFEASIBLE
            free = None if next_free is None else next_free + service[node]
            taken = None if next_taken is None else next_taken + service[node]
            where = node
        leg = rows[where][self.end]
        ends = []
        if taken is not None:
            ends.append(taken + leg)
        if free is not None and rest is not None:
            back = free + leg
            if max(back, rest[0]) <= rest[1]:  # after the return
                ends.append(back)
            pause = max(free, rest[0])
            if pause < back and pause <= rest[1]:  # on the last leg
                ends.append(back + rest[2])
        inside = [e for e in ends if e <= self.close]
        return min(inside) if inside else INFEASIBLE

    def feasible(self, nodes: Sequence[int]) -> bool:
        """Return True if the order fits windows, shift, break and stop cap."""
        return self.finish(nodes) != INFEASIBLE

    def length(self, nodes: Sequence[int]) -> int:
        """Return the travel from the start through the order to the end."""
        rows, where, total = self.rows, self.start, 0
        for node in nodes:
            total += rows[where][node]
            where = node
        return total + rows[where][self.end]

    def route(self, nodes: Sequence[int]) -> Route:
        """Return the route of an order."""
        return Route(tuple(nodes), sum(self.worth[n] for n in nodes), self.length(nodes))

    def by_worth_per_second(self, nodes: Sequence[int]) -> list[int]:
        """Return the order's optional stops, least prize per second of the route first
        (the detour the stop costs plus its service)."""
        rows, path = self.rows, [self.start, *nodes, self.end]
        scored = []
        for i in range(1, len(path) - 1):
            node = path[i]
            if not self.spec.optional[node]:
                continue
            detour = (
                rows[path[i - 1]][node] + rows[node][path[i + 1]] - rows[path[i - 1]][path[i + 1]]
            )
            scored.append((self.worth[node] / max(1, detour + self.service[node]), node))
        return [node for _, node in sorted(scored)]

    # -- travel descent and iterated local search ----------------------------------------

    def polish(self, nodes: Sequence[int], *, free: bool = False) -> list[int]:
        """Return the order after 2-opt and or-opt descents on travel; with ``free``, travel
        only (the order may not fit), otherwise every move keeps the order feasible."""
        order = list(nodes)
        while self._two_opt(order, free) or self._or_opt(order, free):
            pass
        return order

    def retour(
        self, nodes: Sequence[int], rng: random.Random, kicks: int, *, free: bool = False
    ) -> list[int]:
        """Return the shortest order found by an iterated local search: descents after
        seeded double-bridge kicks, keeping the shortest (feasible unless ``free``)."""
        best = self.polish(nodes, free=free)
        best_length = self.length(best)
        if len(best) < 8:
            return best
        for _ in range(kicks):
            a, b, c = sorted(rng.sample(range(1, len(best)), 3))
            kicked = best[:a] + best[b:c] + best[a:b] + best[c:]
            if not free and not self.feasible(kicked):
                continue
            kicked = self.polish(kicked, free=free)
            length = self.length(kicked)
            if length < best_length:
                best, best_length = kicked, length
        return best

    def _apply(
        self,
        order: list[int],
        deltas: np.ndarray,
        build: Callable[[int], list[int]],
        free: bool,
    ) -> bool:
        flat = deltas.ravel()
        improving = np.flatnonzero(flat < 0)
        for move in improving[np.argsort(flat[improving], kind="stable")]:
            candidate = build(int(move))
            if free or self.feasible(candidate):
                order[:] = candidate
                return True
        return False

    def _path_matrix(self, order: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The travel among the path's places (start, order, end) and prefix sums of its arcs
        forwards and backwards (travel may be asymmetric)."""
        path = np.asarray([self.start, *order, self.end])
        among = self.travel[np.ix_(path, path)]
        steps = np.arange(len(path) - 1)
        forward = np.concatenate([[0], np.cumsum(among[steps, steps + 1])])
        backward = np.concatenate([[0], np.cumsum(among[steps + 1, steps])])
        return among, forward, backward

    def _two_opt(self, order: list[int], free: bool) -> bool:
        n = len(order)
        if n < 2:
            return False
        among, forward, backward = self._path_matrix(order)
        arcs = np.diff(forward)  # arcs[k]: path[k] -> path[k + 1]
        i = np.arange(1, n + 1)[:, None]
        j = np.arange(1, n + 1)[None, :]
        # reverse path[i..j]: arcs (i-1, i) and (j, j+1) change, the inner ones turn round
        deltas = (
            among[0:n, 1 : n + 1]
            + among[1 : n + 1, 2 : n + 2]
            - arcs[0:n, None]
            - arcs[None, 1 : n + 1]
            + (backward[j] - backward[i])
            - (forward[j] - forward[i])
        )
        deltas = np.where(j > i, deltas, 0)

        def build(move: int) -> list[int]:
            a, b = divmod(move, n)
            return order[:a] + order[a : b + 1][::-1] + order[b + 1 :]

        return self._apply(order, deltas, build, free)

    def _or_opt(self, order: list[int], free: bool) -> bool:
        n = len(order)
        if n < 2:
            return False
        among, forward, backward = self._path_matrix(order)
        arcs = np.diff(forward)
        segments = [(first, size) for size in (1, 2, 3) for first in range(1, n - size + 2)]
        first = np.asarray([s[0] for s in segments])
        last = first + np.asarray([s[1] for s in segments]) - 1
        out = among[first - 1, last + 1] - arcs[first - 1] - arcs[last]
        gap = arcs[None, 0 : n + 1]  # put the segment between path[k] and path[k + 1]
        into_first = among[0 : n + 1][:, first].T  # path[k] -> path[first]
        from_last = among[last][:, 1 : n + 2]  # path[last] -> path[k + 1]
        into_last = among[0 : n + 1][:, last].T
        from_first = among[first][:, 1 : n + 2]
        turned = (backward[last] - backward[first]) - (forward[last] - forward[first])
        ahead = into_first + from_last - gap + out[:, None]
        back = into_last + from_first - gap + (out + turned)[:, None]
        k = np.arange(0, n + 1)[None, :]
        valid = (k + 1 < first[:, None]) | (k > last[:, None])
        deltas = np.stack([np.where(valid, ahead, 0), np.where(valid, back, 0)])
        width = n + 1

        def build(move: int) -> list[int]:
            reverse, rest = divmod(move, len(segments) * width)
            index, gap_at = divmod(rest, width)
            start, size = segments[index]
            piece = order[start - 1 : start - 1 + size]
            piece = piece[::-1] if reverse else piece
            if gap_at + 1 < start:
                return (
                    order[:gap_at] + piece + order[gap_at : start - 1] + order[start - 1 + size :]
                )
            return order[: start - 1] + order[start - 1 + size : gap_at] + piece + order[gap_at:]

        return self._apply(order, deltas, build, free)

    # -- refill ----------------------------------------------------------------------------

    def free_time(self, nodes: Sequence[int]) -> int:
        """Return the shift's time the order leaves: no travel, service or break, waits
        counted as free (an upper bound on what one more visit may take)."""
        rest = 0 if self.rest is None else self.rest[2]
        used = self.length(nodes) + sum(self.service[n] for n in nodes) + rest
        return self.close - self.open - used

    def added_travel(self, nodes: Sequence[int], stops: np.ndarray) -> np.ndarray:
        """Return the travel each stop adds at each place of the order: (places, stops), place
        k being between the k-th place of the path (start, order) and the next."""
        t, path = self.travel, np.asarray([self.start, *nodes, self.end])
        before, after = path[:-1], path[1:]
        return t[before][:, stops] + t[stops][:, after].T - t[before, after][:, None]

    def insert(self, nodes: Sequence[int], node: int) -> list[int] | None:
        """Return the order with the node at its cheapest feasible place, or None."""
        costs = self.added_travel(nodes, np.asarray([node]))[:, 0]
        room = self.free_time(nodes) - self.service[node]
        for place in np.argsort(costs, kind="stable"):
            if costs[place] > room:  # no place further on can fit either
                break
            candidate = [*nodes[: int(place)], node, *nodes[int(place) :]]
            if self.feasible(candidate):
                return candidate
        return None

    def refill(self, nodes: Sequence[int], pool: Sequence[int], most: int) -> list[int]:
        """Add the best set of up to ``most`` pool stops that fits, then any that still fits.

        Sets are scored by their stops' cheapest insertions into the order (travel added plus
        service) against the time the order leaves free, counting waits as free (a new visit may
        fill one); the best-worth sets are then inserted for real until one fits.
        """
        order = list(nodes)
        if not pool:
            return order
        free_time = self.free_time(order)
        stops = np.asarray(sorted(pool))
        need = self.added_travel(order, stops).min(axis=0) + np.asarray(self.service)[stops]
        worth = np.asarray(self.worth)[stops]
        fits = np.flatnonzero(need <= free_time)
        fits = fits[np.argsort(-worth[fits] / np.maximum(need[fits], 1), kind="stable")]
        fits = fits[:REFILL_POOL]
        options: list[tuple[int, int, tuple[int, ...]]] = []
        for size in range(1, most + 1):
            for combo in itertools.combinations(fits.tolist(), size):
                total = int(need[list(combo)].sum())
                if total <= free_time:
                    options.append((-int(worth[list(combo)].sum()), total, combo))
        options.sort()
        for _, _, combo in options[:REFILL_TRIES]:
            added_nodes = [int(stops[c]) for c in sorted(combo, key=lambda c: (-need[c], c))]
            placed = self._place(order, added_nodes)
            if placed is not None:
                order = placed
                break
        for index in fits.tolist():  # any other stop that still fits
            node = int(stops[index])
            placed = None if node in order else self.insert(order, node)
            if placed is not None:
                order = placed
        return order

    def _place(self, order: list[int], added: list[int]) -> list[int] | None:
        """Insert the stops one by one at their cheapest feasible places, polishing after each,
        dearest first and then cheapest first (on rep day 9 only the second fits all three)."""
        for sequence in (added, added[::-1]):
            trial: list[int] | None = order
            for node in sequence:
                trial = None if trial is None else self.insert(trial, node)
                trial = None if trial is None else self.polish(trial)
            if trial is not None or len(added) == 1:
                return trial
        return None


def exchange(
    tour: Tour, nodes: Sequence[int], pool: set[int], rng: random.Random, deadline: float
) -> tuple[Route, bool]:
    """Run the guided exchange (module docstring) on one route; return the best route found
    (the route itself when nothing beats it) and whether it ran before ``deadline``."""
    best = tour.route(nodes)
    weakest = tour.by_worth_per_second(nodes)
    for rank, first in enumerate(weakest[:CANDIDATES]):
        if time.perf_counter() >= deadline:
            return best, False
        rest = tour.retour([n for n in nodes if n != first], rng, KICKS, free=True)
        drops = [{first}, {first, *tour.by_worth_per_second(rest)[:1]}]
        drops += [{first, weakest[rank + 1]}] if rank + 1 < len(weakest) else []
        for dropped in [d for k, d in enumerate(drops) if d not in drops[:k]]:
            if time.perf_counter() >= deadline:
                return best, False
            base = _best_feasible_tour(tour, rest, nodes, dropped, rng)
            if base is None:
                continue
            refilled = tour.refill(base, sorted(pool | dropped), len(dropped) + 1)
            candidate = tour.route(refilled)
            if candidate.beats(best):
                best = candidate
    return best, True


def _best_feasible_tour(
    tour: Tour,
    rest: Sequence[int],
    nodes: Sequence[int],
    dropped: set[int],
    rng: random.Random,
) -> list[int] | None:
    """Re-tour the route without the dropped stops: by travel alone first (often feasible and
    shorter), else among feasible orders, from the travel-only tour or the route's own order."""
    left = [n for n in rest if n not in dropped]
    shortest = left if len(left) == len(rest) else tour.retour(left, rng, KICKS, free=True)
    if tour.feasible(shortest):
        return shortest
    for start in (left, [n for n in nodes if n not in dropped]):
        if tour.feasible(start):
            return tour.retour(start, rng, KICKS)
    return None


def refine(
    spec: RoutingSpec, routes: Sequence[Sequence[int]], seed: int, deadline: float
) -> tuple[list[list[int]], bool]:
    """Improve each vehicle's route in turn by the guided exchange (stops dropped by one
    route may join the next); return the routes and whether every route was refined before
    ``deadline`` (a ``time.perf_counter()`` value)."""
    rng = random.Random(seed)
    refined = [list(r) for r in routes]
    fixed = set(spec.starts) | set(spec.ends)
    served = {n for r in refined for n in r}
    pool = {n for n in range(len(spec.service)) if n not in fixed and n not in served}
    for vehicle, nodes in enumerate(refined):
        if time.perf_counter() >= deadline:
            return refined, False
        tour = Tour(spec, vehicle)
        if not tour.feasible(nodes):
            continue
        best, complete = exchange(tour, nodes, pool, rng, deadline)
        pool = (pool | set(nodes)) - set(best.nodes)
        refined[vehicle] = list(best.nodes)
        if not complete:
            return refined, False
    return refined, True
