"""Protection of the GraphQL API: query limits, a cost budget and the production error policy.

Install with `strawberry.Schema(..., extensions=guard_extensions(settings.guard))`, and wrap the
GraphQL ASGI app in `BatchLimitMiddleware` (with strawberry's `batching_config` set by
`strawberry_batching_config`).

Request context contract. The per-principal cost budget reads two values from the strawberry
context (attributes of an object, or keys of a mapping):

- `redis`: a `redis.asyncio.Redis` client;
- `rate_limit_key`: a `str` naming the principal, e.g. `"tenant:<id>:user:<id>"`, or the client
  address for anonymous requests (e.g. `"ip:203.0.113.7"`).

When either is missing or None the budget is not applied (scripts, tests); the other limits
always are. When Redis fails, the query is served and a warning logged (`budget_fail_open`).

Refusals are top-level errors with `extensions.code`: `TOO_MANY_TOKENS`, `QUERY_TOO_DEEP`,
`TOO_MANY_ALIASES`, `QUERY_TOO_COSTLY`, `RATE_LIMITED` (with `retryAfterSeconds`),
`PERSISTED_QUERY_NOT_FOUND`; an oversized batch gets HTTP 400 with `TOO_MANY_OPERATIONS`.
No resolver runs for a refused operation. `retry_after_seconds(result.errors)` gives the view
what it needs to answer a refused budget with HTTP 429 and `Retry-After`.

Notes for the composition root: the extensions are asynchronous (`Schema.execute`, not
`execute_sync`); strawberry's `ValidationCache` never hits with `QueryGuard` installed, because
the cost rule is built per request (it needs the variables), and the guard re-checks the cost at
execution when validation was skipped or cached; strawberry itself logs every refusal at ERROR
through `strawberry.execution` (override `Schema.process_errors` to quieten it).
"""

from backend.api.guard.allow_list import (
    PersistedQueriesOnly,
    canonical_operation,
    load_operation_allow_list,
    operation_hash,
)
from backend.api.guard.batch import (
    BatchLimitMiddleware,
    check_batch_size,
    strawberry_batching_config,
)
from backend.api.guard.budget import BudgetDecision, CostBudget
from backend.api.guard.builder import guard_extensions
from backend.api.guard.cost import FieldCost, cost, estimate_cost
from backend.api.guard.errors import GuardCode, TooManyOperations, retry_after_seconds
from backend.api.guard.extension import QueryGuard
from backend.api.guard.production import (
    HideSuggestions,
    JalurErrorCodes,
    MaskUnexpectedErrors,
    should_mask_error,
)
from backend.api.guard.settings import GuardSettings

__all__ = [
    "BatchLimitMiddleware",
    "BudgetDecision",
    "CostBudget",
    "FieldCost",
    "GuardCode",
    "GuardSettings",
    "HideSuggestions",
    "JalurErrorCodes",
    "MaskUnexpectedErrors",
    "PersistedQueriesOnly",
    "QueryGuard",
    "TooManyOperations",
    "canonical_operation",
    "check_batch_size",
    "cost",
    "estimate_cost",
    "guard_extensions",
    "load_operation_allow_list",
    "operation_hash",
    "retry_after_seconds",
    "should_mask_error",
    "strawberry_batching_config",
]
