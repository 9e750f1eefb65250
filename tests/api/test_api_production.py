"""Production mode on the real app: no IDE, no introspection, allow-listed documents only, masked errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.api.app import create_app
from backend.identity.models import Role
from backend.kit.settings import Settings
from tests.factories.scenarios import TenantWorld, make_tenant_world
from tests.support.graphql_client import GraphQLClient


@pytest.fixture
async def world(session: AsyncSession, settings: Settings) -> TenantWorld:
    built = await make_tenant_world(session, settings)
    await session.commit()
    return built


@pytest.fixture
async def production(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], redis: Redis
) -> AsyncIterator[GraphQLClient]:
    hardened = settings.model_copy(
        update={"environment": "production", "jwt_secret": settings.jwt_secret}
    )
    app = create_app(hardened)
    app.state.sessionmaker = sessionmaker
    app.state.redis = redis
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        yield GraphQLClient(http)


async def test_graphiql_is_not_served(production: GraphQLClient) -> None:
    response = await production.http.get("/graphql", headers={"Accept": "text/html"})

    assert "graphiql" not in response.text.lower()


async def test_a_document_outside_the_allow_list_is_refused(
    world: TenantWorld, production: GraphQLClient
) -> None:
    body = await production.raw({"query": "{ me { id username } }"}, token=world.tokens[Role.ADMIN])

    assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_introspection_is_refused(world: TenantWorld, production: GraphQLClient) -> None:
    body = await production.raw(
        {"query": "{ __schema { types { name } } }"}, token=world.tokens[Role.ADMIN]
    )

    assert body.get("data") is None
    assert body["errors"]


async def test_an_allow_listed_operation_runs_and_domain_errors_stay_readable(
    world: TenantWorld, production: GraphQLClient
) -> None:
    me = await production.run("Me", token=world.tokens[Role.REP])
    refused = await production.run("Retailers", {"first": 0}, token=world.tokens[Role.REP])

    assert me["data"]["me"]["role"] == "REP"
    assert refused["errors"][0]["message"] == "first must be between 1 and 100"
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
