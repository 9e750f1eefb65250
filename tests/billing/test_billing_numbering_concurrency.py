"""Concurrent invoicing across series with forced rollbacks: every series runs 1..N, no gap, no dupe."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from backend.auth.principal import Principal
from backend.billing.invoicing import invoice_order
from backend.billing.models import BillingDocument
from backend.kit.db import new_id, set_tenant
from backend.kit.settings import Settings
from backend.orders.models import OrderStatus, PrimaryOrder, PrimaryOrderLine
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.orders import ORDER_DAY, PrimaryWorld, make_primary_world
from tests.support.committed import purge_tenant

ORDERS = 120
SERIES = ("A", "B", "C")
TOTAL = Decimal("1110.00")


class ForcedRollback(Exception):
    """Raised after invoicing to undo the transaction."""


async def _approved_orders(session: AsyncSession, world: PrimaryWorld) -> list[uuid.UUID]:
    ids = []
    for i in range(ORDERS):
        order = PrimaryOrder(
            id=new_id(),
            tenant_id=world.tenant.id,
            reference=f"N-{i:04d}",
            distributor_id=world.distributor.id,
            status=OrderStatus.APPROVED,
            currency="IDR",
            order_date=ORDER_DAY,
            total=TOTAL,
            invoiced_total=Decimal("0.00"),
            created_by=world.admin.user_id,
        )
        session.add(order)
        session.add(
            PrimaryOrderLine(
                id=new_id(),
                tenant_id=world.tenant.id,
                order_id=order.id,
                line_no=1,
                product_id=world.products[0].id,
                quantity=1,
                unit_price=Decimal("1000.00"),
                gross=TOTAL,
                invoiced_quantity=0,
                delivered_quantity=0,
            )
        )
        ids.append(order.id)
    await session.flush()
    return ids


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
        ids = await _approved_orders(session, world)
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
