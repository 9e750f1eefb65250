"""Creates are idempotent, validated field by field, and write nothing when refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.identity.models import Role
from backend.kit.db import set_tenant
from backend.kit.idempotency import IdempotencyKey
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from backend.parties.models import Retailer
from tests.factories.scenarios import TenantWorld, make_tenant_world
from tests.support.graphql_client import GraphQLClient


@pytest.fixture
async def world(session: AsyncSession, settings: Settings) -> TenantWorld:
    built = await make_tenant_world(session, settings)
    await session.commit()
    return built


def retailer_input(world: TenantWorld, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": "RT-900001",
        "name": "Toko Maju",
        "channel": "GT",
        "outletClass": "A",
        "location": {"latitude": -6.2088, "longitude": 106.8456},
        "openingHours": [
            {
                "weekday": "MONDAY",
                "windows": [
                    {"opens": "07:00", "closes": "12:00"},
                    {"opens": "13:00", "closes": "21:00"},
                ],
            },
            {"weekday": "FRIDAY", "windows": [{"opens": "07:00", "closes": "11:30"}]},
        ],
        "distributorId": encode_global_id("Distributor", world.distributors[0].id),
        "territoryId": encode_global_id("Territory", world.hierarchy.territories[0].id),
    }
    values.update(overrides)
    return values


async def _retailer_count(session: AsyncSession, world: TenantWorld) -> int:
    await set_tenant(session, world.tenant.id)
    return int((await session.execute(select(func.count()).select_from(Retailer))).scalar_one())


async def test_create_retailer_returns_it_with_normalised_hours(
    world: TenantWorld, client: GraphQLClient
) -> None:
    body = await client.run(
        "CreateRetailer", {"input": retailer_input(world)}, token=world.tokens[Role.ADMIN]
    )

    payload = body["data"]["createRetailer"]
    assert payload["errors"] == []
    retailer = payload["retailer"]
    assert retailer["code"] == "RT-900001"
    assert retailer["location"] == {"latitude": -6.2088, "longitude": 106.8456}
    hours = {day["weekday"]: day["windows"] for day in retailer["openingHours"]}
    assert len(hours) == 7
    assert hours["MONDAY"] == [
        {"opens": "07:00", "closes": "12:00"},
        {"opens": "13:00", "closes": "21:00"},
    ]
    assert hours["FRIDAY"] == [{"opens": "07:00", "closes": "11:30"}]
    assert hours["SUNDAY"] == []


async def test_a_retry_with_the_same_idempotency_key_returns_the_first_object(
    world: TenantWorld, client: GraphQLClient, session: AsyncSession
) -> None:
    variables = {"input": retailer_input(world, idempotencyKey="phone-1-create-42")}
    token = world.tokens[Role.ADMIN]

    first = (await client.run("CreateRetailer", variables, token=token))["data"]["createRetailer"]
    second = (await client.run("CreateRetailer", variables, token=token))["data"]["createRetailer"]

    assert first["errors"] == [] and second["errors"] == []
    assert second["retailer"]["id"] == first["retailer"]["id"]
    assert await _retailer_count(session, world) == 5


async def test_the_same_key_with_a_different_input_is_refused(
    world: TenantWorld, client: GraphQLClient, session: AsyncSession
) -> None:
    token = world.tokens[Role.ADMIN]
    await client.run(
        "CreateRetailer", {"input": retailer_input(world, idempotencyKey="k-1")}, token=token
    )

    body = await client.run(
        "CreateRetailer",
        {"input": retailer_input(world, idempotencyKey="k-1", name="Other")},
        token=token,
    )

    assert body["data"]["createRetailer"] == {
        "retailer": None,
        "errors": [
            {
                "code": "IDEMPOTENCY_KEY_REUSED",
                "field": "idempotencyKey",
                "message": "this idempotency key was already used with a different input",
            }
        ],
    }
    assert await _retailer_count(session, world) == 5


async def test_bad_input_gets_every_coded_field_error_and_writes_nothing(
    world: TenantWorld, client: GraphQLClient, session: AsyncSession
) -> None:
    bad = retailer_input(
        world,
        code="bad code!",
        name="  ",
        location={"latitude": -95.0, "longitude": 181.0},
        openingHours=[
            {
                "weekday": "MONDAY",
                "windows": [
                    {"opens": "09:00", "closes": "12:00"},
                    {"opens": "11:00", "closes": "14:00"},
                ],
            },
            {"weekday": "TUESDAY", "windows": [{"opens": "25:00", "closes": "26:00"}]},
            {"weekday": "WEDNESDAY", "windows": [{"opens": "18:00", "closes": "08:00"}]},
            {"weekday": "MONDAY", "windows": []},
        ],
        idempotencyKey="k-bad",
    )

    body = await client.run("CreateRetailer", {"input": bad}, token=world.tokens[Role.ADMIN])

    payload = body["data"]["createRetailer"]
    assert payload["retailer"] is None
    assert sorted((e["code"], e["field"]) for e in payload["errors"]) == [
        ("INVALID_INPUT", "input.code"),
        ("INVALID_INPUT", "input.location.latitude"),
        ("INVALID_INPUT", "input.location.longitude"),
        ("INVALID_INPUT", "input.name"),
        ("INVALID_INPUT", "input.openingHours[0].windows"),
        ("INVALID_INPUT", "input.openingHours[1].windows[0]"),
        ("INVALID_INPUT", "input.openingHours[2].windows[0]"),
        ("INVALID_INPUT", "input.openingHours[3].weekday"),
    ]
    assert await _retailer_count(session, world) == 4
    keys = (await session.execute(select(func.count()).select_from(IdempotencyKey))).scalar_one()
    assert keys == 0


async def test_a_duplicate_code_is_a_field_error(
    world: TenantWorld, client: GraphQLClient, session: AsyncSession
) -> None:
    duplicate = retailer_input(world, code=world.retailers[1].code)

    payload = (
        await client.run("CreateRetailer", {"input": duplicate}, token=world.tokens[Role.ADMIN])
    )["data"]["createRetailer"]

    assert payload["errors"] == [
        {
            "code": "ALREADY_EXISTS",
            "field": "input.code",
            "message": "a retailer with this code already exists",
        }
    ]
    assert await _retailer_count(session, world) == 4


async def test_a_manager_may_onboard_only_inside_its_territories(
    world: TenantWorld, client: GraphQLClient, session: AsyncSession
) -> None:
    outside = retailer_input(
        world, territoryId=encode_global_id("Territory", world.hierarchy.territories[2].id)
    )
    inside = retailer_input(world, code="RT-900002")
    token = world.tokens[Role.MANAGER]

    refused = (await client.run("CreateRetailer", {"input": outside}, token=token))["data"][
        "createRetailer"
    ]
    accepted = (await client.run("CreateRetailer", {"input": inside}, token=token))["data"][
        "createRetailer"
    ]

    assert refused["errors"] == [
        {
            "code": "NOT_FOUND",
            "field": "input.territoryId",
            "message": "no such territory in your scope",
        }
    ]
    assert accepted["errors"] == []
    assert await _retailer_count(session, world) == 5


async def test_update_changes_only_what_is_given(world: TenantWorld, client: GraphQLClient) -> None:
    retailer_id = encode_global_id("Retailer", world.retailers[0].id)

    payload = (
        await client.run(
            "UpdateRetailer",
            {"input": {"id": retailer_id, "outletClass": "A"}},
            token=world.tokens[Role.ADMIN],
        )
    )["data"]["updateRetailer"]

    assert payload["errors"] == []
    assert payload["retailer"] == {
        "id": retailer_id,
        "code": world.retailers[0].code,
        "name": "Toko Test",
        "outletClass": "A",
        "isActive": True,
        "location": {"latitude": -6.2, "longitude": 106.85},
    }


async def test_a_credit_limit_in_another_currency_or_negative_is_refused(
    world: TenantWorld, client: GraphQLClient
) -> None:
    distributor_id = encode_global_id("Distributor", world.distributors[0].id)
    token = world.tokens[Role.ADMIN]

    wrong_currency = await client.run(
        "UpdateDistributor",
        {
            "input": {
                "id": distributor_id,
                "creditLimit": {"amount": "5000000.00", "currency": "USD"},
            }
        },
        token=token,
    )
    negative = await client.run(
        "UpdateDistributor",
        {"input": {"id": distributor_id, "creditLimit": {"amount": "-1", "currency": "IDR"}}},
        token=token,
    )
    fine = await client.run(
        "UpdateDistributor",
        {
            "input": {
                "id": distributor_id,
                "creditLimit": {"amount": "250000000.50", "currency": "IDR"},
            }
        },
        token=token,
    )

    assert [e["field"] for e in wrong_currency["data"]["updateDistributor"]["errors"]] == [
        "input.creditLimit.currency"
    ]
    assert [e["field"] for e in negative["data"]["updateDistributor"]["errors"]] == [
        "input.creditLimit.amount"
    ]
    assert fine["data"]["updateDistributor"]["distributor"]["creditLimit"] == {
        "amount": "250000000.50",
        "currency": "IDR",
    }


async def test_territory_levels_follow_the_hierarchy(
    world: TenantWorld, client: GraphQLClient
) -> None:
    region_id = encode_global_id("Territory", world.hierarchy.region.id)
    token = world.tokens[Role.ADMIN]
    polygon = {
        "type": "Polygon",
        "coordinates": [[[106.8, -6.3], [106.9, -6.3], [106.9, -6.2], [106.8, -6.3]]],
    }

    wrong = await client.run(
        "CreateTerritory",
        {"input": {"code": "TR-X", "name": "X", "level": "TERRITORY", "parentId": region_id}},
        token=token,
    )
    right = await client.run(
        "CreateTerritory",
        {
            "input": {
                "code": "AR-X",
                "name": "X",
                "level": "AREA",
                "parentId": region_id,
                "boundary": polygon,
            }
        },
        token=token,
    )

    assert wrong["data"]["createTerritory"]["errors"] == [
        {
            "code": "INVALID_INPUT",
            "field": "input.parentId",
            "message": "a TERRITORY cannot sit under a REGION",
        }
    ]
    created = right["data"]["createTerritory"]["territory"]
    assert created["level"] == "AREA"
    assert created["boundary"]["type"] == "MultiPolygon"
    assert created["parent"] == {"id": region_id}
