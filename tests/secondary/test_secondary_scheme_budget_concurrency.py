"""A budget-capped scheme under concurrent billing never exceeds its budget: real connections
bill through the secondary billing path with the stored schemes."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.auth.principal import Principal
from backend.kit.db import set_tenant
from backend.kit.settings import Settings
from backend.schemes.models import SchemeAccrual, TradeScheme
from backend.secondary.billing import bill_order
from backend.secondary.models import SecondaryLineScheme
from backend.secondary.schemes import STORED_SCHEMES
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.schemes import make_scheme
from tests.factories.secondary import SALE_DAY, desk_order, make_secondary_world, receive
from tests.support.committed import concurrent_sessions, in_tenant, purge_tenant

ORDERS = 24
BUDGET = Decimal("1000.00")  # 10% of 1100.00 per bill: 9 bills fit (990.00)


async def _bill(
    maker: async_sessionmaker[AsyncSession], principal: Principal, order_id: uuid.UUID
) -> Decimal:
    async def work(session: AsyncSession) -> Decimal:
        doc = await bill_order(
            session,
            principal=principal,
            order_id=order_id,
            issued_on=SALE_DAY,
            schemes=STORED_SCHEMES,
        )
        return doc.discount

    return await in_tenant(maker, principal.tenant_id, work)


async def test_budget_capped_scheme_under_concurrent_billing_never_exceeds_its_budget(
    committed_engine_url: str, settings: Settings
) -> None:
    # given a 10% scheme capped at 1000.00 and 24 one-unit orders (110.00 of discount each)
    async with concurrent_sessions(committed_engine_url) as maker:
        async with maker() as session, session.begin():
            world = await make_secondary_world(session)
            await make_scheme(session, world.admin, "CAP10", budget=BUDGET)
            await receive(session, world, world.products[0], "B1", ORDERS, None)
            order_ids = [
                (await desk_order(session, world, [1, 0], retailer=i % 2)).id for i in range(ORDERS)
            ]
        try:
            # when every order is billed at the same time on 8 connections
            discounts = await asyncio.gather(*(_bill(maker, world.desk, oid) for oid in order_ids))
            async with maker() as session, session.begin():
                await set_tenant(session, world.tenant.id)
                consumed = await session.scalar(select(TradeScheme.consumed))
                on_lines = await session.scalar(select(func.sum(SecondaryLineScheme.discount)))
                accrued = await session.scalar(select(func.sum(SchemeAccrual.amount)))
                await assert_ledger_invariants(session, world.tenant.id)
            # then every order was billed, exactly the 9 affordable ones with the scheme, and the
            # budget, the invoices and the accruals agree on 990.00
            assert sorted(discounts) == [Decimal("0.00")] * 15 + [Decimal("110.00")] * 9
            assert consumed == on_lines == accrued == Decimal("990.00")
        finally:
            await purge_tenant(settings.test_database_owner_url, world.tenant.id)
