"""Concurrent uploads of overlapping feeds and concurrent derivations, with real commits."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.identity.models import Role
from backend.kit.db import set_tenant
from backend.offtake.derive import derive_offtake
from backend.offtake.ingest import FeedHeader, FeedRow, ingest_feed
from backend.offtake.models import DerivedOfftake, ImportSource, OfftakeImport, SellOutLine
from tests.factories.field import make_rep
from tests.factories.identity import principal_of
from tests.factories.offtake import make_count
from tests.factories.scenarios import TenantWorld
from tests.support.committed import committing_sessionmaker


async def test_overlapping_uploads_at_once_store_each_row_once(
    committed_world: TenantWorld, committing_engine: AsyncEngine
) -> None:
    world = committed_world
    maker = committing_sessionmaker(committing_engine)
    admin = principal_of(world.users[Role.ADMIN])
    retailer, sku = world.retailers[0].code, world.product.sku
    days = [date(2026, 10, 1) + timedelta(days=n) for n in range(40)]

    async def send(first_day: int) -> tuple[int, int]:
        rows = [
            FeedRow(i + 1, retailer, sku, day, 3)
            for i, day in enumerate(days[first_day : first_day + 30])
        ]
        async with maker() as session, session.begin():
            await set_tenant(session, world.tenant.id)
            record, _ = await ingest_feed(
                session,
                principal=admin,
                header=FeedHeader("RACE", ImportSource.API),
                rows=rows,
            )
            return record.rows_accepted, record.rows_duplicate

    results = await asyncio.gather(send(0), send(5), send(10))
    # 40 distinct days across the three files: each stored once, the rest counted as duplicates
    assert sum(a for a, _ in results) == 40
    assert sum(d for _, d in results) == 90 - 40
    async with maker() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        count, units = (
            await session.execute(select(func.count(), func.sum(SellOutLine.quantity)))
        ).one()
        imports = (
            await session.execute(select(func.count()).select_from(OfftakeImport))
        ).scalar_one()
    assert (count, units, imports) == (40, 120, 3)


async def test_concurrent_derivations_leave_one_consistent_set_of_rows(
    committed_world: TenantWorld, committing_engine: AsyncEngine
) -> None:
    world = committed_world
    maker = committing_sessionmaker(committing_engine)
    async with maker() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        rep = await make_rep(session, world.tenant, world.users[Role.REP])
        for n, quantity in enumerate((50, 41, 30, 28)):
            moment = datetime(2026, 10, 5, 9, tzinfo=UTC) + timedelta(weeks=n)
            await make_count(session, rep, world.retailers[0], moment, {world.product: quantity})

    async def derive() -> int:
        async with maker() as session, session.begin():
            await set_tenant(session, world.tenant.id)
            summary = await derive_offtake(
                session, tenant_id=world.tenant.id, start=date(2026, 10, 1), end=date(2026, 10, 31)
            )
            return summary.intervals

    assert await asyncio.gather(*(derive() for _ in range(4))) == [3, 3, 3, 3]
    async with maker() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        rows = (
            await session.execute(
                select(DerivedOfftake.quantity).order_by(DerivedOfftake.period_end)
            )
        ).scalars()
        assert list(rows) == [9, 11, 2]
