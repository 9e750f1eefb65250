"""Batched abuse: a JSON array of too many operations is refused before any of them runs."""

from __future__ import annotations

import json
from collections import Counter

import httpx
import pytest
import strawberry
from strawberry.asgi import GraphQL
from strawberry.schema.config import StrawberryConfig

from backend.api.guard import (
    BatchLimitMiddleware,
    GuardSettings,
    TooManyOperations,
    check_batch_size,
    guard_extensions,
    strawberry_batching_config,
)

SETTINGS = GuardSettings(max_operations_per_batch=3)
calls: Counter[str] = Counter()


@strawberry.type
class Query:
    @strawberry.field
    def hello(self, name: str) -> str:
        calls["Query.hello"] += 1
        return f"Halo {name}"


schema = strawberry.Schema(
    Query,
    extensions=guard_extensions(SETTINGS),
    config=StrawberryConfig(batching_config=strawberry_batching_config(SETTINGS)),
)
app = BatchLimitMiddleware(GraphQL(schema), max_operations=SETTINGS.max_operations_per_batch)


def batch(size: int) -> list[dict[str, object]]:
    return [
        {"query": "query Hi($n: String!) { hello(name: $n) }", "variables": {"n": f"{i}"}}
        for i in range(size)
    ]


async def post(body: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://jalur.test") as client:
        return await client.post("/graphql", json=body)


async def test_oversized_batch_is_refused_with_a_code_and_runs_nothing() -> None:
    calls.clear()
    response = await post(batch(4))
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "The batch holds 4 operations; the maximum is 3.",
                "extensions": {"code": "TOO_MANY_OPERATIONS", "operations": 4, "maxOperations": 3},
            }
        ]
    }
    assert calls == Counter()


async def test_batch_within_the_limit_runs_every_operation() -> None:
    calls.clear()
    response = await post(batch(3))
    assert response.status_code == 200
    assert response.json() == [{"data": {"hello": f"Halo {i}"}} for i in range(3)]
    assert calls == Counter({"Query.hello": 3})


async def test_single_operation_passes_through() -> None:
    response = await post({"query": '{ hello(name: "Ani") }'})
    assert response.status_code == 200
    assert response.json() == {"data": {"hello": "Halo Ani"}}


def test_check_batch_size_reads_only_arrays() -> None:
    check_batch_size(json.dumps(batch(3)).encode(), 3)
    check_batch_size(b'{"query": "{ hello }"}', 1)
    check_batch_size(b"[not json", 1)
    with pytest.raises(TooManyOperations) as refused:
        check_batch_size(b"  " + json.dumps(batch(2)).encode(), 1)
    assert refused.value.code == "TOO_MANY_OPERATIONS"
    assert refused.value.details == {"operations": 2, "maxOperations": 1}
