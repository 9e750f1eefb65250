"""Builders for claims: an invoiced order whose lines can be claimed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.invoicing import invoice_order
from backend.billing.models import BillingDocument, BillingLine
from backend.orders.workflow import approve_order
from tests.factories.orders import ORDER_DAY, PrimaryWorld, make_order


async def make_invoice(
    session: AsyncSession, world: PrimaryWorld, *, quantity: int = 10
) -> tuple[BillingDocument, list[BillingLine]]:
    """Place, approve and invoice an order; return the invoice and its lines."""
    order = await make_order(session, world, quantity=quantity)
    await approve_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    invoice = await invoice_order(
        session, principal=world.admin, order_id=order.id, series="INV", issued_on=ORDER_DAY
    )
    lines = (
        await session.execute(select(BillingLine).where(BillingLine.document_id == invoice.id))
    ).scalars()
    return invoice, list(lines)
