"""The OR-Tools model shared by the benchmarks and the daily-route API.

Everything entering the engine is an integer in one time unit (a "tick": 1/10 or 1/100 of
the benchmark's unit, or one second for the daily API). Travel time equals arc cost
unless a separate cost matrix is given (Solomon VRPTW ranks by rounded distance while
its time windows use conservatively rounded-up travel times).

Objective, minimised by OR-Tools::

    sum(arc costs) + sum(prize[i] * prize_weight for each dropped optional stop i)

``prize_weight`` is one more than the largest total arc cost any solution can have
(the sum of every vehicle's shift length, since travel fits inside the shift), so one
unit of prize always outweighs all travel: the objective is lexicographic — prize
first, then travel — while staying far inside int64 (see optimizer/README.md).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.constraint_solver import pywrapcp

from optimizer.search import SearchConfig, search_parameters

Window = tuple[int, int]
MANDATORY_PENALTY_FACTOR = 1000  # a mandatory stop costs this many prize units more to drop


@dataclass(frozen=True)
class VehicleBreak:
    """A break of fixed duration whose start must fall in [earliest, latest]."""

    earliest: int
    latest: int
    duration: int


@dataclass(frozen=True)
class RoutingSpec:
    """An integer routing problem: nodes with windows and prizes, vehicles with shifts."""

    travel: np.ndarray  # (N, N) int64 travel ticks between node indices
    service: Sequence[int]
    windows: Sequence[Sequence[Window]]  # allowed start-of-service windows per node
    prize: Sequence[int]  # 0 for start/end nodes
    optional: Sequence[bool]  # False: must be served (VRPTW) or heavily penalised (mandatory)
    starts: Sequence[int]
    ends: Sequence[int]
    shifts: Sequence[Window]  # per vehicle: leave start >= open, reach end <= close
    demand: Sequence[int] | None = None
    capacities: Sequence[int] | None = None
    max_stops: Sequence[int] | None = None
    breaks: Sequence[VehicleBreak | None] | None = None
    arc_cost: np.ndarray | None = None  # defaults to travel
    hard_mandatory: bool = False  # mandatory nodes are constraints rather than penalties

    @property
    def n_vehicles(self) -> int:
        """Return the number of vehicles."""
        return len(self.starts)

    def prize_weight(self) -> int:
        """Return the cost of one unit of prize: above any possible total arc cost."""
        if self.arc_cost is not None:
            # Each node leaves by one arc at most, so this bounds any total arc cost.
            return int(self.arc_cost.max()) * (len(self.service) + self.n_vehicles) + 1
        return sum(close - open_ for open_, close in self.shifts) + 1


@dataclass
class EngineResult:
    """Routes as node indices (start/end nodes excluded), with the solver's figures."""

    routes: list[list[int]]
    objective: int
    status: str
    wall_time_s: float
    solutions_seen: int = 0
    starts: list[list[int]] = field(default_factory=list)  # service start per stop
    route_starts: list[int] = field(default_factory=list)  # cumul at each vehicle's start
    break_starts: list[int | None] = field(default_factory=list)


class RoutingEngine:
    """Build the OR-Tools model of a RoutingSpec once and solve it."""

    def __init__(self, spec: RoutingSpec) -> None:
        self.spec = spec
        self.manager = pywrapcp.RoutingIndexManager(
            len(spec.service), spec.n_vehicles, list(spec.starts), list(spec.ends)
        )
        self.routing = pywrapcp.RoutingModel(self.manager)
        self._callbacks: list[int] = []
        self._breaks: dict[int, pywrapcp.IntervalVar] = {}
        self._build()

    def _node(self, index: int) -> int:
        return int(self.manager.IndexToNode(index))

    def _build(self) -> None:
        spec = self.spec
        # Matrix callbacks run in C++: Python callbacks would cap the search at ~60k moves/s.
        travel = spec.travel.astype(np.int64)
        costs = travel if spec.arc_cost is None else spec.arc_cost.astype(np.int64)
        service = np.asarray(spec.service, dtype=np.int64)
        cost_cb = self.routing.RegisterTransitMatrix(costs.tolist())
        time_cb = self.routing.RegisterTransitMatrix((travel + service[:, None]).tolist())
        self._callbacks += [cost_cb, time_cb]
        self.routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
        horizon = max(close for _, close in spec.shifts)
        self.routing.AddDimension(time_cb, horizon, horizon, False, "time")
        self.time = self.routing.GetDimensionOrDie("time")
        self._add_windows()
        self._add_disjunctions()
        self._add_capacity()
        self._add_max_stops()
        self._add_breaks()

    def _add_windows(self) -> None:
        spec = self.spec
        for node, windows in enumerate(spec.windows):
            if node in spec.starts or node in spec.ends or not windows:
                continue
            cumul = self.time.CumulVar(self.manager.NodeToIndex(node))
            ordered = sorted(windows)
            cumul.SetRange(ordered[0][0], ordered[-1][1])
            for (_, close), (next_open, _) in itertools.pairwise(ordered):
                if next_open > close + 1:
                    cumul.RemoveInterval(close + 1, next_open - 1)
        for vehicle, (open_, close) in enumerate(spec.shifts):
            self.time.CumulVar(self.routing.Start(vehicle)).SetRange(open_, close)
            self.time.CumulVar(self.routing.End(vehicle)).SetRange(open_, close)

    def _add_disjunctions(self) -> None:
        spec = self.spec
        weight = spec.prize_weight()
        for node in range(len(spec.service)):
            if node in spec.starts or node in spec.ends:
                continue
            index = self.manager.NodeToIndex(node)
            if spec.optional[node]:
                self.routing.AddDisjunction([index], int(spec.prize[node]) * weight)
            elif not spec.hard_mandatory and spec.prize is not None:
                penalty = (int(spec.prize[node]) + 1) * weight * MANDATORY_PENALTY_FACTOR
                self.routing.AddDisjunction([index], penalty)

    def _add_capacity(self) -> None:
        spec = self.spec
        if spec.demand is None or spec.capacities is None:
            return
        callback = self.routing.RegisterUnaryTransitVector([int(d) for d in spec.demand])
        self._callbacks.append(callback)
        self.routing.AddDimensionWithVehicleCapacity(
            callback, 0, list(spec.capacities), True, "load"
        )

    def _add_max_stops(self) -> None:
        spec = self.spec
        if spec.max_stops is None:
            return
        callback = self.routing.RegisterUnaryTransitVector([1] * len(spec.service))
        self._callbacks.append(callback)
        self.routing.AddDimensionWithVehicleCapacity(
            callback, 0, [s + 1 for s in spec.max_stops], True, "stops"
        )

    def _add_breaks(self) -> None:
        spec = self.spec
        if spec.breaks is None:
            return
        solver = self.routing.solver()
        size = self.routing.Size() + spec.n_vehicles
        visit = [int(spec.service[self._node(i)]) for i in range(size)]
        for vehicle, rest in enumerate(spec.breaks):
            if rest is None:
                continue
            interval = solver.FixedDurationIntervalVar(
                rest.earliest, rest.latest, rest.duration, False, f"break {vehicle}"
            )
            self.time.SetBreakIntervalsOfVehicle([interval], vehicle, visit)
            self.routing.AddIntervalToAssignment(interval)
            self._breaks[vehicle] = interval

    def solve(
        self, config: SearchConfig, initial_routes: list[list[int]] | None = None
    ) -> EngineResult | None:
        """Solve with the given search configuration, optionally from initial routes (nodes)."""
        params = search_parameters(config)
        initial = None
        if initial_routes is not None:
            indices = [[self.manager.NodeToIndex(n) for n in route] for route in initial_routes]
            initial = self.routing.ReadAssignmentFromRoutes(indices, True)
        if config.metaheuristic == "ILS":
            solution = self.routing.SolveWithIteratedLocalSearch(params)
        elif initial is not None:
            solution = self.routing.SolveFromAssignmentWithParameters(initial, params)
        else:
            solution = self.routing.SolveWithParameters(params)
        if solution is None:
            return None
        return self._extract(solution)

    def _extract(self, solution: pywrapcp.Assignment) -> EngineResult:
        routes: list[list[int]] = []
        starts: list[list[int]] = []
        for vehicle in range(self.spec.n_vehicles):
            index = solution.Value(self.routing.NextVar(self.routing.Start(vehicle)))
            route: list[int] = []
            times: list[int] = []
            while not self.routing.IsEnd(index):
                route.append(self._node(index))
                times.append(solution.Min(self.time.CumulVar(index)))
                index = solution.Value(self.routing.NextVar(index))
            routes.append(route)
            starts.append(times)
        route_starts = [
            solution.Min(self.time.CumulVar(self.routing.Start(v)))
            for v in range(self.spec.n_vehicles)
        ]
        break_starts: list[int | None] = [
            solution.StartValue(self._breaks[v]) if v in self._breaks else None
            for v in range(self.spec.n_vehicles)
        ]
        return EngineResult(
            routes=routes,
            objective=solution.ObjectiveValue(),
            status=str(self.routing.status()),
            wall_time_s=self.routing.solver().WallTime() / 1000.0,
            solutions_seen=int(self.routing.solver().Solutions()),
            starts=starts,
            route_starts=route_starts,
            break_starts=break_starts,
        )
