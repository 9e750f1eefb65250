"""A budget-capped PRIMARY scheme under concurrent invoicing never exceeds its budget: real
connections invoice approved primary orders through the invoicing path with the stored schemes
(the same approach as the secondary budget test, through the shared committed-session helpers)."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.auth.principal import Principal
from backend.billing.invoicing import invoice_order
from backend.billing.models import BillingDocument, BillingLineScheme
from backend.kit.settings import Settings
from backend.orders.workflow import approve_order
from backend.schemes.models import SchemeFlow, TradeScheme
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.orders import ORDER_DAY, make_order, make_primary_world
from tests.factories.schemes import make_scheme
from tests.support.committed import concurrent_sessions, in_tenant, purge_tenant

ORDERS = 24
BUDGET = Decimal("950.00")  # 10% of 1000.00 per invoice: 9 invoices fit (900.00)


async def _invoice(
    maker: async_sessionmaker[AsyncSession], principal: Principal, order_id: uuid.UUID
) -> Decimal:
    async def work(session: AsyncSession) -> Decimal:
        doc = await invoice_order(
            session, principal=principal, order_id=order_id, series="INV", issued_on=ORDER_DAY
        )
        return doc.discount

    return await in_tenant(maker, principal.tenant_id, work)


async def test_budget_capped_primary_scheme_under_concurrent_invoicing_never_exceeds_its_budget(
    committed_engine_url: str, settings: Settings
) -> None:
    # given a PRIMARY 10% capped at 950.00 and 24 approved one-unit orders (100.00 off each)
    async with concurrent_sessions(committed_engine_url) as maker:
        async with maker() as session, session.begin():
            world = await make_primary_world(session)
            await make_scheme(session, world.admin, "CAP10", flow=SchemeFlow.PRIMARY, budget=BUDGET)
            order_ids = []
            for _ in range(ORDERS):
                order = await make_order(session, world, quantity=1)
                await approve_order(
                    session, principal=world.admin, order_id=order.id, today=ORDER_DAY
                )
                order_ids.append(order.id)
        try:
            # when every order is invoiced at the same time on 8 connections
            discounts = await asyncio.gather(
                *(_invoice(maker, world.admin, oid) for oid in order_ids)
            )

            async def figures(session: AsyncSession) -> tuple[Decimal | None, ...]:
                await assert_ledger_invariants(session, world.tenant.id)
                return (
                    await session.scalar(select(TradeScheme.consumed)),
                    await session.scalar(select(func.sum(BillingLineScheme.discount))),
                    await session.scalar(select(func.sum(BillingDocument.discount))),
                )

            consumed, on_lines, on_invoices = await in_tenant(maker, world.tenant.id, figures)
            # then every order was invoiced, exactly the 9 affordable ones with the scheme, and
            # the budget, the invoice lines and the invoices agree on 900.00
            assert sorted(discounts) == [Decimal("0.00")] * 15 + [Decimal("100.00")] * 9
            assert consumed == on_lines == on_invoices == Decimal("900.00")
        finally:
            await purge_tenant(settings.test_database_owner_url, world.tenant.id)
