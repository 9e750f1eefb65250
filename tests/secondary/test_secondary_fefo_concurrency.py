"""Concurrent invoices against the same batches never oversell: every unit sold was in stock,
FEFO drains the earliest batch first, and stock equals its movements."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from backend.auth.principal import Principal
from backend.inventory.models import DistributorStock
from backend.kit.db import set_tenant
from backend.kit.errors import JalurError
from backend.kit.settings import Settings
from backend.secondary.billing import bill_order
from backend.secondary.models import SecondaryLine, SecondaryLineBatch, ShortfallPolicy
from backend.secondary.schemes import NO_SCHEMES
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.secondary import SALE_DAY, desk_order, make_secondary_world, receive
from tests.support.committed import purge_tenant

ORDERS = 40
UNITS = 3  # 40 × 3 = 120 units wanted against 70 in stock
BATCHES = (("EARLY", 30, date(2026, 12, 1)), ("LATER", 40, date(2027, 3, 1)))


async def _bill(
    maker: async_sessionmaker[AsyncSession], principal: Principal, order_id: uuid.UUID
) -> int:
    try:
        async with maker() as session, session.begin():
            await set_tenant(session, principal.tenant_id)
            doc = await bill_order(
                session,
                principal=principal,
                order_id=order_id,
                issued_on=SALE_DAY,
                schemes=NO_SCHEMES,
            )
            return int(doc.gross > 0)
    except JalurError as exc:
        assert exc.code == "NOTHING_TO_BILL"
        return 0


async def test_concurrent_invoices_never_oversell_a_batch(
    committed_engine_url: str, settings: Settings
) -> None:
    engine = create_async_engine(
        committed_engine_url, pool_size=8, max_overflow=0, pool_timeout=300
    )
    maker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    async with maker() as session, session.begin():
        world = await make_secondary_world(session, shortfall=ShortfallPolicy.SPLIT)
        for batch, quantity, expiry in BATCHES:
            await receive(session, world, world.products[0], batch, quantity, expiry)
        order_ids = [
            (await desk_order(session, world, [UNITS, 0], retailer=i % 2)).id for i in range(ORDERS)
        ]
    try:
        # when every order is billed at the same time
        billed = await asyncio.gather(*(_bill(maker, world.desk, oid) for oid in order_ids))
        async with maker() as session, session.begin():
            await set_tenant(session, world.tenant.id)
            stock = dict(
                (
                    await session.execute(select(DistributorStock.batch, DistributorStock.quantity))
                ).all()
            )
            sold = dict(
                (
                    await session.execute(
                        select(SecondaryLineBatch.batch, func.sum(SecondaryLineBatch.quantity))
                        .join(SecondaryLine, SecondaryLine.id == SecondaryLineBatch.line_id)
                        .group_by(SecondaryLineBatch.batch)
                    )
                ).all()
            )
            await assert_ledger_invariants(session, world.tenant.id)
        # then exactly the 70 units in stock were sold, none twice, both batches are empty
        assert stock == {"EARLY": 0, "LATER": 0}
        assert sold == {"EARLY": 30, "LATER": 40}
        # 23 orders filled in full (69 units), one with the last unit, the rest refused
        assert sum(billed) == 24
    finally:
        await engine.dispose()
        await purge_tenant(settings.test_database_owner_url, world.tenant.id)
