"""The real API refuses deep, aliased, batched and over-budget abuse before any SQL runs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from graphql import parse
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.api.app import create_app
from backend.api.guard.cost import estimate_cost
from backend.api.schema import build_schema
from backend.identity.models import Role
from backend.kit.settings import Settings
from tests.factories.scenarios import TenantWorld, make_tenant_world
from tests.support.graphql_client import OPERATIONS, GraphQLClient


@pytest.fixture
async def world(session: AsyncSession, settings: Settings) -> TenantWorld:
    built = await make_tenant_world(session, settings)
    await session.commit()
    return built


def _code(body: dict[str, object]) -> str:
    return body["errors"][0]["extensions"]["code"]  # type: ignore[index]


async def test_a_too_deep_query_is_refused(world: TenantWorld, client: GraphQLClient) -> None:
    nested = "parent { " * 12 + "id" + " }" * 12
    query = f"{{ territories(first: 1) {{ edges {{ node {{ {nested} }} }} }} }}"

    body = await client.raw({"query": query}, token=world.tokens[Role.ADMIN])

    assert body["data"] is None
    assert _code(body) == "QUERY_TOO_DEEP"


async def test_too_many_aliases_are_refused(world: TenantWorld, client: GraphQLClient) -> None:
    query = "{ " + " ".join(f"a{n}: me {{ id }}" for n in range(31)) + " }"

    body = await client.raw({"query": query}, token=world.tokens[Role.ADMIN])

    assert _code(body) == "TOO_MANY_ALIASES"


async def test_a_wide_costly_query_is_refused(world: TenantWorld, client: GraphQLClient) -> None:
    page = "retailers(first: 100) { edges { node { openingHours { windows { opens } } distributor { id } } } }"
    query = "{ " + " ".join(f"p{n}: {page}" for n in range(5)) + " }"

    body = await client.raw({"query": query}, token=world.tokens[Role.ADMIN])

    assert _code(body) == "QUERY_TOO_COSTLY"


async def test_an_oversized_batch_is_refused_and_a_small_one_runs(
    committed_world: TenantWorld, real_client: GraphQLClient
) -> None:
    client = real_client
    one = {"query": OPERATIONS["Me"], "operationName": "Me"}
    token = committed_world.tokens[Role.ADMIN]

    refused = await client.http.post(
        "/graphql", json=[one] * 11, headers={"Authorization": f"Bearer {token}"}
    )
    served = await client.raw([one, one], token=token)

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_OPERATIONS"
    assert [item["data"]["me"]["role"] for item in served] == ["ADMIN", "ADMIN"]


def me_cost() -> int:
    return estimate_cost(build_schema(), parse(OPERATIONS["Me"]), {}, "Me")


@pytest.fixture
async def stingy_client(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], redis: Redis
) -> AsyncIterator[GraphQLClient]:
    graphql = settings.graphql.model_copy(
        update={"cost_budget_per_window": 2 * me_cost() + 1, "cost_budget_window_seconds": 60}
    )
    app = create_app(settings.model_copy(update={"graphql": graphql}))
    app.state.sessionmaker = sessionmaker
    app.state.redis = redis
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        yield GraphQLClient(http)


async def test_a_principal_over_its_cost_budget_gets_429_with_retry_after(
    world: TenantWorld, stingy_client: GraphQLClient, redis: Redis
) -> None:
    headers = {"Authorization": f"Bearer {world.tokens[Role.REP]}"}
    body = {"query": OPERATIONS["Me"], "operationName": "Me"}

    statuses = [
        (await stingy_client.http.post("/graphql", json=body, headers=headers)) for _ in range(4)
    ]

    assert [r.status_code for r in statuses] == [200, 200, 429, 429]
    assert int(statuses[-1].headers["Retry-After"]) > 0
    assert statuses[-1].json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    other = {"Authorization": f"Bearer {world.tokens[Role.ADMIN]}"}
    assert (await stingy_client.http.post("/graphql", json=body, headers=other)).status_code == 200
