"""Concurrent invoicing across series with forced rollbacks: every series runs 1..N, no gap, no dupe."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from backend.auth.principal import Principal
from backend.billing.invoicing import invoice_order
from backend.billing.models import BillingDocument
from backend.kit.db import set_tenant
from backend.kit.settings import Settings
from backend.orders.models import OrderStatus
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.orders import (
    ORDER_DAY,
    make_one_unit_orders,
    make_primary_world,
)
from tests.support.committed import purge_tenant

ORDERS = 120
SERIES = ("A", "B", "C")


class ForcedRollback(Exception):
    """Raised after invoicing to undo the transaction."""


async def _invoice(
    maker: async_sessionmaker[AsyncSession],
    admin: Principal,
    order_id: uuid.UUID,
    series: str,
    roll_back: bool,
) -> None:
    try:
        async with maker() as session, session.begin():
            await set_tenant(session, admin.tenant_id)
            await invoice_order(
                session, principal=admin, order_id=order_id, series=series, issued_on=ORDER_DAY
            )
            if roll_back:
                raise ForcedRollback
    except ForcedRollback:
        pass


async def test_series_have_no_gaps_or_duplicates(
    committed_engine_url: str, settings: Settings
) -> None:
    engine = create_async_engine(
        committed_engine_url, pool_size=8, max_overflow=0, pool_timeout=300
    )
    maker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    async with maker() as session, session.begin():
        world = await make_primary_world(session, number_format="{series}{fy}{n:06d}")
        ids = await make_one_unit_orders(
            session, world, ORDERS, status=OrderStatus.APPROVED, prefix="N"
        )
    try:
        # when every fourth invoicing rolls back after taking its number
        await asyncio.gather(
            *(
                _invoice(maker, world.admin, order_id, SERIES[i % 3], roll_back=i % 4 == 0)
                for i, order_id in enumerate(ids)
            )
        )
        async with maker() as session, session.begin():
            await set_tenant(session, world.tenant.id)
            docs = (
                await session.execute(
                    select(BillingDocument.series, BillingDocument.sequence, BillingDocument.number)
                )
            ).all()
            await assert_ledger_invariants(session, world.tenant.id)
        # then each series is exactly 1..N and the committed count is what did not roll back
        assert len(docs) == ORDERS - ORDERS // 4
        for series in SERIES:
            numbers = sorted(seq for s, seq, _ in docs if s == series)
            assert numbers == list(range(1, len(numbers) + 1))
        assert f"A2026{1:06d}" in {n for _, _, n in docs}
    finally:
        await engine.dispose()
        await purge_tenant(settings.test_database_owner_url, world.tenant.id)
