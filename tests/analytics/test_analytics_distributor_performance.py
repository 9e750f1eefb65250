"""Distributor KPIs from real orders, deliveries, payments and claims."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.analytics.distributor_performance import distributor_performance
from backend.billing.delivery import DeliveredBatch, deliver_invoice, dispatch_invoice
from backend.billing.invoicing import InvoiceLineRequest, invoice_order
from backend.billing.models import BillingLine
from backend.claims.models import ClaimType
from backend.claims.service import ClaimDraft, ClaimLineDraft, submit_claim
from backend.orders.repository import lines_of
from backend.orders.workflow import approve_order
from tests.factories.orders import ORDER_DAY, make_order, make_primary_world

D = Decimal


async def test_kpis_for_one_partly_delivered_and_one_full_order(session: AsyncSession) -> None:
    # given two orders of 10 units on 2 Nov: one fully delivered on 12 Nov (late: > 2 Nov + 7),
    # one invoiced for 6 units and delivered on 5 Nov (on time); a claim of 2 × 800.00
    world = await make_primary_world(session)
    full = await make_order(session, world, quantity=10)
    part = await make_order(session, world, quantity=10)
    for order in (full, part):
        await approve_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    part_line = (await lines_of(session, [part.id]))[part.id][0]
    inv_full = await invoice_order(
        session, principal=world.admin, order_id=full.id, series="INV", issued_on=ORDER_DAY
    )
    inv_part = await invoice_order(
        session,
        principal=world.admin,
        order_id=part.id,
        series="INV",
        issued_on=ORDER_DAY,
        lines=[InvoiceLineRequest(part_line.id, 6)],
    )
    for invoice, delivered_on in ((inv_full, date(2026, 11, 12)), (inv_part, date(2026, 11, 5))):
        await dispatch_invoice(
            session, principal=world.admin, invoice_id=invoice.id, dispatched_on=ORDER_DAY
        )
        line = (
            await session.execute(select(BillingLine).where(BillingLine.document_id == invoice.id))
        ).scalar_one()
        await deliver_invoice(
            session,
            principal=world.admin,
            invoice_id=invoice.id,
            delivered_on=delivered_on,
            batches=[DeliveredBatch(line.id, "B1", line.quantity)],
        )
        last_line = line
    await submit_claim(
        session,
        principal=world.admin,
        idempotency_key=None,
        draft=ClaimDraft(
            world.distributor.id,
            ClaimType.DAMAGE,
            date(2026, 11, 20),
            [ClaimLineDraft(last_line.id, "B1", 2, D("800.00"))],
        ),
    )
    # when the KPIs of November are computed
    kpi = await distributor_performance(
        session,
        principal=world.admin,
        distributor_id=world.distributor.id,
        start=date(2026, 11, 1),
        end=date(2026, 11, 30),
    )
    # then
    assert kpi.fill_rate == D("0.8000")  # 16 of 20 units
    assert kpi.delivery_adherence == D("0.5000")  # 12 Nov is after 2 Nov + 7 days
    assert kpi.order_accuracy == D("1.0000")  # only the full order is DELIVERED, and exactly
    assert kpi.primary_sales == D("16000.00")
    assert kpi.claims_ratio == D("0.1000")  # 1,600 ÷ 16,000
    assert kpi.overdue_percent == D("0.00")
