"""Search configurations: which first solution, operators and metaheuristic OR-Tools runs."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

# A lean set: cheap routing moves plus those that add, drop or trade optional stops.
# OR-Tools' default set adds many costly LNS operators that cut moves/s by ~5x here.
LEAN_OPERATORS = (
    "use_relocate",
    "use_exchange",
    "use_two_opt",
    "use_or_opt",
    "use_make_active",
    "use_make_inactive",
    "use_swap_active",
    "use_relocate_and_make_active",
)

# Operators that add, drop or trade optional stops: the moves that matter for orienteering.
ORIENTEERING_OPERATORS = (
    "use_make_active",
    "use_make_inactive",
    "use_make_chain_inactive",
    "use_swap_active",
    "use_extended_swap_active",
    "use_relocate_and_make_active",
    "use_exchange_and_make_active",
    "use_inactive_lns",
)


@dataclass(frozen=True)
class SearchConfig:
    """How to search: limits, first solution, metaheuristic and extra operators.

    ``metaheuristic`` is an OR-Tools LocalSearchMetaheuristic name, or ``"ILS"`` for the
    iterated local search with SISR ruin-and-recreate of OR-Tools 9.15.
    ``solution_limit`` makes a run deterministic (the count of accepted solutions does not
    depend on machine speed); ``time_limit_s`` is then only a safety cap.
    """

    time_limit_s: float
    first_solution: str = "LOCAL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    orienteering_operators: bool = False
    disabled_operators: tuple[str, ...] = ()
    only_operators: tuple[str, ...] | None = LEAN_OPERATORS  # None: OR-Tools defaults
    solution_limit: int | None = None
    sisr_avg_removed: int = 10
    sisr_max_sequence: int = 10
    annealing_start: float = 0.0  # 0: OR-Tools' automatic temperatures
    gls_lambda: float = 100.0
    log_search: bool = False


def _set_ils(params: pywrapcp.DefaultRoutingSearchParameters, config: SearchConfig) -> None:
    params.use_iterated_local_search = True
    ils = params.iterated_local_search_parameters
    ruin = ils.ruin_recreate_parameters
    del ruin.ruin_strategies[:]
    sisr = ruin.ruin_strategies.add().sisr
    sisr.avg_num_removed_visits = config.sisr_avg_removed
    sisr.max_removed_sequence_size = config.sisr_max_sequence
    sisr.bypass_factor = 0.01
    ruin.recreate_strategy.heuristic = (
        routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    )
    ils.improve_perturbed_solution = True
    annealing = ils.reference_solution_acceptance_strategy.simulated_annealing
    if config.annealing_start > 0:
        annealing.automatic_temperatures = False
        annealing.initial_temperature = config.annealing_start
        annealing.final_temperature = max(1.0, config.annealing_start / 100)
    else:
        annealing.automatic_temperatures = True


def search_parameters(config: SearchConfig) -> object:
    """Translate a SearchConfig into OR-Tools RoutingSearchParameters."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, config.first_solution
    )
    if config.metaheuristic == "ILS":
        _set_ils(params, config)
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
        )
    else:
        params.local_search_metaheuristic = getattr(
            routing_enums_pb2.LocalSearchMetaheuristic, config.metaheuristic
        )
    if config.orienteering_operators:
        for name in ORIENTEERING_OPERATORS:
            setattr(params.local_search_operators, name, optional_boolean_pb2.BOOL_TRUE)
    if config.only_operators is not None:
        for descriptor in params.local_search_operators.DESCRIPTOR.fields:
            wanted = descriptor.name in config.only_operators
            value = optional_boolean_pb2.BOOL_TRUE if wanted else optional_boolean_pb2.BOOL_FALSE
            setattr(params.local_search_operators, descriptor.name, value)
    for name in config.disabled_operators:
        setattr(params.local_search_operators, name, optional_boolean_pb2.BOOL_FALSE)
    params.guided_local_search_lambda_coefficient = config.gls_lambda
    params.time_limit.FromMilliseconds(max(1, int(config.time_limit_s * 1000)))
    if config.solution_limit is not None:
        params.solution_limit = config.solution_limit
    params.log_search = config.log_search
    return params
