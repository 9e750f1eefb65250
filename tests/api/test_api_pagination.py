"""Keyset connections: complete, stable pages; bounded page sizes; constant SQL per page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backend.identity.models import Role
from backend.kit.settings import Settings
from tests.factories.parties import make_retailer
from tests.factories.scenarios import TenantWorld, make_tenant_world
from tests.support.graphql_client import GraphQLClient


@pytest.fixture
async def world(session: AsyncSession, settings: Settings) -> TenantWorld:
    built = await make_tenant_world(session, settings)
    for n in range(21):
        territory = built.hierarchy.territories[n % 4]
        await make_retailer(
            session, built.tenant, territory, built.distributors[n % 2], code=f"RT-P{n:03d}"
        )
    await session.commit()
    return built


@contextmanager
def count_statements(connection: AsyncConnection) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", record)


async def test_pages_walk_every_retailer_once_in_code_order(
    world: TenantWorld, client: GraphQLClient
) -> None:
    token = world.tokens[Role.ADMIN]
    codes: list[str] = []
    after = None
    pages = 0
    while True:
        body = await client.run("Retailers", {"first": 10, "after": after}, token=token)
        connection = body["data"]["retailers"]
        codes += [edge["node"]["code"] for edge in connection["edges"]]
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]

    assert pages == 3
    assert len(codes) == 25
    assert codes == sorted(codes)
    assert connection["totalCount"] == 25


@pytest.mark.parametrize("first", [0, -1, 101])
async def test_a_page_size_outside_1_to_100_is_refused(
    world: TenantWorld, client: GraphQLClient, first: int
) -> None:
    body = await client.run("Retailers", {"first": first}, token=world.tokens[Role.ADMIN])

    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "first"}


async def test_a_forged_cursor_is_a_field_error(world: TenantWorld, client: GraphQLClient) -> None:
    body = await client.run(
        "Retailers", {"first": 5, "after": "bm90LWEtY3Vyc29y"}, token=world.tokens[Role.ADMIN]
    )

    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "after"}


async def test_sql_statements_per_page_do_not_grow_with_page_size(
    world: TenantWorld, client: GraphQLClient, connection: AsyncConnection
) -> None:
    token = world.tokens[Role.ADMIN]
    counts = {}
    for first in (2, 25):
        with count_statements(connection) as statements:
            body = await client.run("Retailers", {"first": first}, token=token)
        assert len(body["data"]["retailers"]["edges"]) == first
        counts[first] = len([s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))])

    assert counts[2] == counts[25]
    assert counts[25] <= 6  # tenant, principal, page, count, distributors, territories
