"""Price list rows and primary settings over GraphQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backend.identity.models import User
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from tests.factories.identity import token_for
from tests.factories.orders import make_primary_world
from tests.support.graphql_client import GraphQLClient


async def test_set_price_and_configure_numbering(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world = await make_primary_world(session)
    await session.commit()
    token = token_for(await session.get_one(User, world.admin.user_id), settings)
    price = {
        "productId": encode_global_id("Product", world.products[0].id),
        "tier": "GOLD",
        "distributorPrice": "950.00",
        "retailerPrice": "1100.00",
        "mrp": "1200.00",
        "validFrom": "2026-12-01",
    }
    made = (await client.run("SetPrice", {"input": price}, token=token))["data"]["setPrice"]
    assert made["price"]["distributorPrice"] == {"amount": "950.00", "currency": "IDR"}
    duplicate = (await client.run("SetPrice", {"input": price}, token=token))["data"]["setPrice"]
    assert duplicate["errors"][0]["code"] == "ALREADY_EXISTS"
    inverted = (
        await client.run(
            "SetPrice",
            {"input": {**price, "validFrom": "2027-01-01", "mrp": "900.00"}},
            token=token,
        )
    )["data"]["setPrice"]
    assert inverted["errors"][0]["code"] == "INVALID_INPUT"
    too_long = (
        await client.run(
            "ConfigurePrimary", {"input": {"numberFormat": "{series}-{fy}-{n:09d}"}}, token=token
        )
    )["data"]["configurePrimary"]
    assert too_long["errors"][0]["code"] == "NUMBER_TOO_LONG"
    no_year = (
        await client.run(
            "ConfigurePrimary", {"input": {"numberFormat": "{series}{n:06d}"}}, token=token
        )
    )["data"]["configurePrimary"]
    assert [(e["code"], e["field"]) for e in no_year["errors"]] == [
        ("INVALID_INPUT", "input.numberFormat")
    ]
    saved = (
        await client.run(
            "ConfigurePrimary",
            {"input": {"numberFormat": "{series}{fy}{n:06d}", "creditAction": "REFUSE"}},
            token=token,
        )
    )["data"]["configurePrimary"]
    assert saved["settings"]["numberFormat"] == "{series}{fy}{n:06d}"
    assert saved["settings"]["creditAction"] == "REFUSE"
