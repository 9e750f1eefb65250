"""Idempotent creates hold under real concurrency: separate connections, real commits."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.identity.models import Role
from backend.kit.db import set_tenant
from backend.kit.ids import encode_global_id
from backend.parties.models import Retailer
from tests.factories.scenarios import TenantWorld
from tests.support.committed import committing_sessionmaker
from tests.support.graphql_client import GraphQLClient


async def test_concurrent_retries_with_one_key_create_exactly_one_retailer(
    committed_world: TenantWorld, real_client: GraphQLClient, committing_engine: AsyncEngine
) -> None:
    world = committed_world
    variables = {
        "input": {
            "code": "RT-777777",
            "name": "Toko Serentak",
            "channel": "GT",
            "outletClass": "B",
            "location": {"latitude": -6.21, "longitude": 106.84},
            "openingHours": [],
            "distributorId": encode_global_id("Distributor", world.distributors[0].id),
            "territoryId": encode_global_id("Territory", world.hierarchy.territories[0].id),
            "idempotencyKey": "phone-7-seq-12",
        }
    }

    results = await asyncio.gather(
        *(
            real_client.run("CreateRetailer", variables, token=world.tokens[Role.ADMIN])
            for _ in range(8)
        )
    )

    payloads = [r["data"]["createRetailer"] for r in results]
    assert [p["errors"] for p in payloads] == [[]] * 8
    assert len({p["retailer"]["id"] for p in payloads}) == 1
    async with committing_sessionmaker(committing_engine)() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        count = await session.execute(
            select(func.count()).select_from(Retailer).where(Retailer.code == "RT-777777")
        )
        assert count.scalar_one() == 1
