"""The per-principal cost budget in real Redis: spent, refused, recovered after the window."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import strawberry
from redis.asyncio import Redis
from strawberry.types import ExecutionResult

from backend.api.guard import CostBudget, GuardSettings, guard_extensions, retry_after_seconds

REDIS_URL = os.environ.get("JALUR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WINDOW_SECONDS = 1.0
# 1 + 33 * (edges 1 + node 1 + name 1) = 100 per query
PAGE_OF_33 = "query Page($n: Int!) { retailers(first: $n) { edges { node { name } } } }"


@dataclass
class BudgetContext:
    redis: Redis | None
    rate_limit_key: str | None
    calls: Counter[str] = field(default_factory=Counter)


@strawberry.type
class Retailer:
    code: str

    @strawberry.field
    def name(self, info: strawberry.Info[BudgetContext | dict[str, Any], None]) -> str:
        context = info.context
        calls = context["calls"] if isinstance(context, dict) else context.calls
        calls["Retailer.name"] += 1
        return self.code


@strawberry.type
class RetailerEdge:
    node: Retailer


@strawberry.type
class RetailerConnection:
    edges: list[RetailerEdge]


@strawberry.type
class Query:
    @strawberry.field
    def retailers(self, first: int) -> RetailerConnection:
        return RetailerConnection(edges=[RetailerEdge(node=Retailer(code="R1"))])


def budget_schema(prefix: str, *, budget: int = 300, fail_open: bool = True) -> strawberry.Schema:
    settings = GuardSettings(
        cost_budget_per_window=budget,
        cost_budget_window_seconds=WINDOW_SECONDS,
        budget_key_prefix=prefix,
        budget_fail_open=fail_open,
    )
    return strawberry.Schema(Query, extensions=guard_extensions(settings))


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.connection_pool.disconnect()


@pytest.fixture
async def prefix(redis: Redis) -> AsyncIterator[str]:
    key_prefix = f"jalur-test:guard:{uuid.uuid4().hex}:"
    yield key_prefix
    keys = [key async for key in redis.scan_iter(match=f"{key_prefix}*")]
    if keys:
        await redis.delete(*keys)


async def run(schema: strawberry.Schema, context: Any) -> ExecutionResult:
    return await schema.execute(PAGE_OF_33, {"n": 33}, context_value=context)


def codes(result: ExecutionResult) -> list[str]:
    return [(error.extensions or {}).get("code", "") for error in result.errors or []]


async def test_budget_refuses_once_spent_and_recovers_after_the_window(
    redis: Redis, prefix: str
) -> None:
    schema = budget_schema(prefix)
    context = BudgetContext(redis, "tenant:1:user:7")
    for _ in range(3):
        assert (await run(schema, context)).errors is None
    assert context.calls["Retailer.name"] == 3

    refused = await run(schema, context)
    assert codes(refused) == ["RATE_LIMITED"]
    assert refused.errors is not None
    assert refused.errors[0].extensions == {
        "code": "RATE_LIMITED",
        "cost": 100,
        "retryAfterSeconds": 1,
    }
    assert refused.data is None
    assert retry_after_seconds(refused.errors) == 1
    assert context.calls["Retailer.name"] == 3
    assert await redis.get(f"{prefix}tenant:1:user:7") == b"300"

    await asyncio.sleep(WINDOW_SECONDS + 0.2)
    assert (await run(schema, context)).errors is None
    assert await redis.get(f"{prefix}tenant:1:user:7") == b"100"


async def test_budgets_are_per_principal(redis: Redis, prefix: str) -> None:
    schema = budget_schema(prefix, budget=100)
    assert (await run(schema, BudgetContext(redis, "tenant:1:user:7"))).errors is None
    assert codes(await run(schema, BudgetContext(redis, "tenant:1:user:7"))) == ["RATE_LIMITED"]
    assert (await run(schema, BudgetContext(redis, "ip:203.0.113.7"))).errors is None


async def test_concurrent_queries_cannot_overspend(redis: Redis, prefix: str) -> None:
    schema = budget_schema(prefix, budget=500)
    context = BudgetContext(redis, "tenant:1:user:8")
    results = await asyncio.gather(*(run(schema, context) for _ in range(12)))
    assert sum(result.errors is None for result in results) == 5
    assert context.calls["Retailer.name"] == 5
    assert await redis.get(f"{prefix}tenant:1:user:8") == b"500"


async def test_mapping_context_is_read_too(redis: Redis, prefix: str) -> None:
    schema = budget_schema(prefix, budget=100)
    calls: Counter[str] = Counter()
    context = {"redis": redis, "rate_limit_key": "tenant:2:user:1", "calls": calls}
    assert (await run(schema, context)).errors is None
    assert codes(await run(schema, context)) == ["RATE_LIMITED"]
    assert calls == Counter({"Retailer.name": 1})


async def test_budget_is_skipped_without_redis_in_the_context(prefix: str) -> None:
    schema = budget_schema(prefix, budget=100)
    context = BudgetContext(None, "tenant:1:user:7")
    for _ in range(3):
        assert (await run(schema, context)).errors is None


async def test_unreachable_redis_fails_open_with_a_warning(
    prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0")
    context = BudgetContext(unreachable, "tenant:1:user:7")
    with caplog.at_level(logging.WARNING, logger="backend.api.guard.extension"):
        result = await run(budget_schema(prefix), context)
    assert result.errors is None
    assert context.calls["Retailer.name"] == 1
    assert "cost budget unavailable; serving the query" in caplog.text
    await unreachable.connection_pool.disconnect()


async def test_unreachable_redis_fails_closed_when_configured(prefix: str) -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0")
    context = BudgetContext(unreachable, "tenant:1:user:7")
    result = await run(budget_schema(prefix, fail_open=False), context)
    assert codes(result) == ["RATE_LIMITED"]
    assert context.calls == Counter()
    await unreachable.connection_pool.disconnect()


async def test_cost_budget_decisions(redis: Redis, prefix: str) -> None:
    budget = CostBudget(budget=10, window_seconds=30, key_prefix=prefix)
    first = await budget.spend(redis, "k", 6)
    refused = await budget.spend(redis, "k", 5)
    last = await budget.spend(redis, "k", 4)
    assert (first.allowed, first.spent, refused.allowed, refused.spent) == (True, 6, False, 6)
    assert (last.allowed, last.spent) == (True, 10)
    assert 29_000 < refused.resets_in_ms <= 30_000
    assert refused.retry_after_seconds == 30
