"""A tenant never sees, nor touches, another tenant's rows — through any query or principal."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.identity.models import Role, Tenant, User
from backend.kit.db import new_id, set_tenant
from backend.kit.idempotency import IdempotencyKey
from backend.kit.settings import Settings
from backend.parties.models import Distributor, Retailer
from backend.territories.models import Territory
from tests.factories.scenarios import TenantWorld, make_tenant_world
from tests.support.graphql_client import GraphQLClient

LISTS = {
    "Retailers": "retailers",
    "Distributors": "distributors",
    "Territories": "territories",
    "Products": "products",
    "Users": "users",
}
TENANT_TABLES = (Territory, Distributor, Retailer, Product, User, IdempotencyKey)


@pytest.fixture
async def worlds(session: AsyncSession, settings: Settings) -> list[TenantWorld]:
    built = [await make_tenant_world(session, settings) for _ in range(3)]
    await session.commit()
    return built


async def test_node_and_nodes_return_null_for_every_other_tenants_id_for_every_principal(
    worlds: list[TenantWorld], client: GraphQLClient
) -> None:
    for viewer in worlds:
        for token in viewer.tokens.values():
            for other in worlds:
                if other is viewer:
                    continue
                ids = list(other.global_ids().values())
                for global_id in ids:
                    body = await client.run("Node", {"id": global_id}, token=token)
                    assert body == {"data": {"node": None}}, body
                body = await client.run("Nodes", {"ids": ids}, token=token)
                assert body == {"data": {"nodes": [None] * len(ids)}}


async def test_lists_show_only_the_viewers_tenant_for_every_principal(
    worlds: list[TenantWorld], client: GraphQLClient
) -> None:
    foreign_ids = {
        w.tenant.id: {gid for other in worlds if other is not w for gid in _all_global_ids(other)}
        for w in worlds
    }
    for viewer in worlds:
        for role, token in viewer.tokens.items():
            for operation, field in LISTS.items():
                body = await client.run(operation, {"first": 100}, token=token)
                assert "errors" not in body, (role, operation, body)
                seen = {edge["node"]["id"] for edge in body["data"][field]["edges"]}
                assert seen.isdisjoint(foreign_ids[viewer.tenant.id]), (role, operation)


async def test_writes_carrying_another_tenants_ids_are_refused_and_change_nothing(
    worlds: list[TenantWorld], client: GraphQLClient, session: AsyncSession
) -> None:
    viewer, other = worlds[0], worlds[1]
    token = viewer.tokens[Role.ADMIN]
    ids = other.global_ids()

    attempts: list[tuple[str, dict[str, Any], str]] = [
        (
            "UpdateRetailer",
            {"input": {"id": ids["Retailer"], "name": "Hijacked"}},
            "updateRetailer",
        ),
        (
            "UpdateDistributor",
            {"input": {"id": ids["Distributor"], "name": "Hijacked"}},
            "updateDistributor",
        ),
        (
            "UpdateTerritory",
            {"input": {"id": ids["Territory"], "name": "Hijacked"}},
            "updateTerritory",
        ),
        ("UpdateProduct", {"input": {"id": ids["Product"], "name": "Hijacked"}}, "updateProduct"),
        (
            "CreateRetailer",
            {"input": _retailer_input(ids["Distributor"], ids["Territory"])},
            "createRetailer",
        ),
        (
            "CreateTerritory",
            {
                "input": {
                    "code": "X-1",
                    "name": "X",
                    "level": "TERRITORY",
                    "parentId": ids["Territory"],
                }
            },
            "createTerritory",
        ),
        (
            "CreateUser",
            {
                "input": {
                    "username": "spy",
                    "displayName": "Spy",
                    "role": "REP",
                    "territoryId": ids["Territory"],
                }
            },
            "createUser",
        ),
    ]
    for operation, variables, field in attempts:
        body = await client.run(operation, variables, token=token)
        payload = body["data"][field]
        assert payload["errors"], (operation, payload)
        assert {e["code"] for e in payload["errors"]} == {"NOT_FOUND"}, (operation, payload)
        assert next(iter(v for k, v in payload.items() if k != "errors")) is None

    await set_tenant(session, other.tenant.id)
    names = (
        await session.execute(select(Retailer.name).where(Retailer.id == other.retailers[0].id))
    ).scalar_one()
    assert names == "Toko Test"
    assert (await session.execute(select(func.count()).select_from(Retailer))).scalar_one() == 4


async def test_a_transaction_without_a_tenant_sees_nothing(
    worlds: list[TenantWorld], session: AsyncSession
) -> None:
    await set_tenant(session, None)

    for model in (*TENANT_TABLES, Tenant):
        assert (await session.execute(select(func.count()).select_from(model))).scalar_one() == 0


async def test_the_database_refuses_rows_for_another_tenant(
    worlds: list[TenantWorld], session: AsyncSession
) -> None:
    viewer, other = worlds[0], worlds[1]
    await set_tenant(session, viewer.tenant.id)

    changed = await session.execute(
        update(Product).where(Product.id == other.product.id).values(name="Hijacked")
    )
    assert changed.rowcount == 0  # type: ignore[attr-defined]

    with pytest.raises(DBAPIError, match="row-level security"):
        async with session.begin_nested():
            await session.execute(
                text(
                    "INSERT INTO product (id, tenant_id, sku, name, brand, category, unit, case_size,"
                    " tax_class, must_sell, is_active) VALUES (:id, :tenant, 'X', 'X', 'X', 'X', 'PCS', 1,"
                    " 'STANDARD', false, true)"
                ),
                {"id": new_id(), "tenant": other.tenant.id},
            )


async def test_a_row_cannot_reference_another_tenants_parent_even_past_rls(
    worlds: list[TenantWorld], session: AsyncSession
) -> None:
    viewer, other = worlds[0], worlds[1]
    await set_tenant(session, viewer.tenant.id)

    with pytest.raises(DBAPIError, match="foreign key"):
        async with session.begin_nested():
            await session.execute(
                update(Retailer)
                .where(Retailer.id == viewer.retailers[0].id)
                .values(distributor_id=other.distributors[0].id)
            )


async def test_an_anonymous_request_is_refused(
    worlds: list[TenantWorld], client: GraphQLClient
) -> None:
    for operation in (*LISTS, "Me"):
        variables: dict[str, object] = {"first": 10} if operation in LISTS else {}
        body = await client.run(operation, variables)
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


def _all_global_ids(world: TenantWorld) -> set[str]:
    from backend.kit.ids import encode_global_id

    ids = {encode_global_id("Retailer", r.id) for r in world.retailers}
    ids |= {encode_global_id("Distributor", d.id) for d in world.distributors}
    ids |= {encode_global_id("Territory", t) for t in world.hierarchy.ids()}
    ids |= {encode_global_id("User", u.id) for u in world.users.values()}
    ids.add(encode_global_id("Product", world.product.id))
    return ids


def _retailer_input(distributor_id: str, territory_id: str) -> dict[str, object]:
    return {
        "code": "RT-NEW",
        "name": "Toko Baru",
        "channel": "GT",
        "outletClass": "C",
        "location": {"latitude": -6.2, "longitude": 106.8},
        "openingHours": [{"weekday": "MONDAY", "windows": [{"opens": "08:00", "closes": "20:00"}]}],
        "distributorId": distributor_id,
        "territoryId": territory_id,
    }
