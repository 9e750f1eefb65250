"""The schema extension that refuses abusive queries before any resolver runs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, ValidationContext, ValidationRule
from redis.asyncio import Redis
from redis.exceptions import RedisError
from strawberry.extensions import SchemaExtension

from backend.api.guard.budget import CostBudget
from backend.api.guard.cost import estimate_cost
from backend.api.guard.errors import GuardCode, guard_error
from backend.api.guard.settings import GuardSettings
from backend.api.guard.shape import alias_count, query_depth

logger = logging.getLogger(__name__)

_TOKEN_LIMIT_MESSAGE = "Document contains more than"


class QueryGuard(SchemaExtension):
    """Enforce tokens (at parse), depth, aliases and cost (at validation), then the budget.

    Pass it to the schema as a factory, one instance per request:
    `extensions=[lambda: QueryGuard(settings)]` (see `guard_extensions`).
    """

    def __init__(self, settings: GuardSettings) -> None:
        self.settings = settings
        self.cost: int | None = None
        self.budget = CostBudget(
            budget=settings.cost_budget_per_window,
            window_seconds=settings.cost_budget_window_seconds,
            key_prefix=settings.budget_key_prefix,
        )

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.settings.max_tokens
        context.validation_rules = (*context.validation_rules, self._limits_rule())
        yield

    def on_parse(self) -> Iterator[None]:
        yield
        # strawberry catches the parser's error inside this hook and answers with that very
        # object, so the token-limit error is given its code in place.
        for error in self.execution_context.pre_execution_errors or ():
            if _TOKEN_LIMIT_MESSAGE in error.message:
                error.message = f"The document has more than {self.settings.max_tokens} tokens."
                error.extensions = {
                    "code": GuardCode.TOO_MANY_TOKENS.value,
                    "maxTokens": self.settings.max_tokens,
                }

    async def on_execute(self) -> AsyncIterator[None]:
        refusal = self._check_unvalidated_cost() or await self._spend_budget()
        if refusal is not None:
            # A result set before execution makes strawberry skip running the resolvers.
            self.execution_context.result = GraphQLExecutionResult(data=None, errors=[refusal])
        yield

    def _limits_rule(self) -> type[ValidationRule]:
        guard = self

        class GuardLimitsRule(ValidationRule):
            def __init__(self, context: ValidationContext) -> None:
                super().__init__(context)
                for error in guard.check_limits(context):
                    self.report_error(error)

        return GuardLimitsRule

    def check_limits(self, validation: ValidationContext) -> list[GraphQLError]:
        """Measure the document against the depth, alias and cost limits."""
        document, settings, context = validation.document, self.settings, self.execution_context
        errors: list[GraphQLError] = []
        depth = query_depth(document)
        if depth > settings.max_depth:
            errors.append(_too_deep(depth, settings.max_depth))
        aliases = alias_count(document)
        if aliases > settings.max_aliases:
            errors.append(_too_many_aliases(aliases, settings.max_aliases))
        self.cost = estimate_cost(
            validation.schema,
            document,
            context.variables,
            context.operation_name,
            default_list_size=settings.default_list_size,
            max_page_size=settings.max_page_size,
        )
        if self.cost > settings.max_query_cost:
            errors.append(_too_costly(self.cost, settings.max_query_cost))
        return errors

    def _check_unvalidated_cost(self) -> GraphQLError | None:
        """Estimate here when our rule did not run (validation skipped or served from a cache)."""
        if self.cost is not None:
            return None
        context = self.execution_context
        assert context.graphql_document is not None
        self.cost = estimate_cost(
            context.schema,
            context.graphql_document,
            context.variables,
            context.operation_name,
            default_list_size=self.settings.default_list_size,
            max_page_size=self.settings.max_page_size,
        )
        if self.cost > self.settings.max_query_cost:
            return _too_costly(self.cost, self.settings.max_query_cost)
        return None

    async def _spend_budget(self) -> GraphQLError | None:
        redis, rate_limit_key = _budget_context(self.execution_context.context)
        if self.budget.budget == 0 or redis is None or rate_limit_key is None:
            return None
        assert self.cost is not None
        try:
            decision = await self.budget.spend(redis, rate_limit_key, self.cost)
        except RedisError:
            if not self.settings.budget_fail_open:
                logger.exception("cost budget unavailable; refusing the query")
                return _rate_limited(self.cost, retry_after=1)
            logger.warning("cost budget unavailable; serving the query", exc_info=True)
            return None
        if decision.allowed:
            return None
        return _rate_limited(self.cost, retry_after=decision.retry_after_seconds)


def _budget_context(context: Any) -> tuple[Redis | None, str | None]:
    """Read `redis` and `rate_limit_key` from the request context (an object or a mapping)."""
    if isinstance(context, Mapping):
        return context.get("redis"), context.get("rate_limit_key")
    return getattr(context, "redis", None), getattr(context, "rate_limit_key", None)


def _too_deep(depth: int, max_depth: int) -> GraphQLError:
    return guard_error(
        GuardCode.QUERY_TOO_DEEP,
        f"The query is nested {depth} levels deep; the maximum is {max_depth}.",
        depth=depth,
        maxDepth=max_depth,
    )


def _too_many_aliases(aliases: int, max_aliases: int) -> GraphQLError:
    return guard_error(
        GuardCode.TOO_MANY_ALIASES,
        f"The query uses {aliases} aliases; the maximum is {max_aliases}.",
        aliases=aliases,
        maxAliases=max_aliases,
    )


def _too_costly(cost: int, max_cost: int) -> GraphQLError:
    return guard_error(
        GuardCode.QUERY_TOO_COSTLY,
        f"The query's estimated cost is {cost}; the maximum is {max_cost}.",
        cost=cost,
        maxCost=max_cost,
    )


def _rate_limited(cost: int, *, retry_after: int) -> GraphQLError:
    return guard_error(
        GuardCode.RATE_LIMITED,
        f"The query cost budget is spent; retry in {retry_after} seconds.",
        cost=cost,
        retryAfterSeconds=retry_after,
    )
