"""The demo seed loads the generated world once; a second run reuses it."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.demo.seed import seed_demo
from backend.kit.geo import point_coordinates
from backend.parties.models import Retailer
from backend.territories.models import Territory


async def test_seeding_twice_creates_the_demo_tenant_once(session: AsyncSession) -> None:
    first = await seed_demo(session, seed=7)
    second = await seed_demo(session, seed=7)

    assert first.created is True
    assert second.created is False
    assert second.tenant_id == first.tenant_id
    assert (
        first.counts
        == second.counts
        == {
            "territories": 47,
            "distributors": 8,
            "retailers": 4000,
            "products": 150,
            "users": 54,
        }
    )


async def test_every_seeded_retailer_lies_inside_its_territory_polygon(
    session: AsyncSession,
) -> None:
    await seed_demo(session, seed=7)

    outside = await session.execute(
        select(func.count())
        .select_from(Retailer)
        .join(Territory, Territory.id == Retailer.territory_id)
        .where(~func.ST_Covers(Territory.boundary, Retailer.location))
    )
    first = (await session.execute(select(Retailer).order_by(Retailer.code).limit(1))).scalar_one()

    assert outside.scalar_one() == 0
    latitude, longitude = point_coordinates(first.location) or (0.0, 0.0)
    assert -6.40 < latitude < -6.08
    assert 106.68 < longitude < 106.98
