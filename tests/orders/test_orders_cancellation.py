"""Cancelling before dispatch: an invoiced order is credited in full; after dispatch, refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.cancellation import cancel_primary_order
from backend.billing.delivery import dispatch_invoice
from backend.billing.invoicing import InvoiceLineRequest, invoice_order
from backend.billing.models import BillingDocument, DocumentKind, NoteReason
from backend.kit.errors import JalurError
from backend.ledger.models import JournalEntry, LedgerAccount
from backend.orders.models import OrderStatus, OrderTransition
from backend.orders.repository import lines_of
from backend.orders.workflow import approve_order, reopen_order
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.orders import ORDER_DAY, make_order, make_primary_world

D = Decimal


async def _balances(session: AsyncSession) -> dict[str, Decimal]:
    rows = await session.execute(
        select(LedgerAccount.key, LedgerAccount.balance).execution_options(populate_existing=True)
    )
    return {key.split(":")[0]: balance for key, balance in rows.all()}


async def test_a_partly_invoiced_order_is_cancelled_by_crediting_its_invoice(
    session: AsyncSession,
) -> None:
    # given an order of 10 units invoiced for 4 (4,440.00), not dispatched
    world = await make_primary_world(session)
    order = await make_order(session, world, quantity=10)
    await approve_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    line = (await lines_of(session, [order.id]))[order.id][0]
    invoice = await invoice_order(
        session,
        principal=world.admin,
        order_id=order.id,
        series="INV",
        issued_on=ORDER_DAY,
        lines=[InvoiceLineRequest(line.id, 4)],
    )
    # when it is cancelled
    await cancel_primary_order(
        session,
        principal=world.admin,
        order_id=order.id,
        reason="distributor closed the branch",
        today=date(2026, 11, 3),
    )
    # then a CANCELLATION credit note reverses the invoice exactly and the order is CANCELLED
    note = (
        await session.execute(
            select(BillingDocument).where(BillingDocument.kind == DocumentKind.CREDIT_NOTE)
        )
    ).scalar_one()
    assert (note.reason, note.corrects_id, note.total, note.number) == (
        NoteReason.CANCELLATION,
        invoice.id,
        D("4440.00"),
        "CN/2026/00001",
    )
    assert (order.status, invoice.open_amount, note.open_amount) == (
        OrderStatus.CANCELLED,
        D("0.00"),
        D("0.00"),
    )
    balances = await _balances(session)
    assert (balances["RECEIVABLE"], balances["REVENUE"], balances["TAX_PAYABLE"]) == (
        D("0.00"),
        D("0.00"),
        D("0.00"),
    )
    last = (
        await session.execute(
            select(OrderTransition)
            .where(OrderTransition.order_id == order.id)
            .order_by(OrderTransition.at.desc())
            .limit(1)
        )
    ).scalar_one()
    assert (last.to_status, last.reason, last.details) == (
        "CANCELLED",
        "distributor closed the branch",
        {"creditNotes": ["CN/2026/00001"]},
    )
    # and it cannot be reopened to be invoiced again
    with pytest.raises(JalurError) as refused:
        await reopen_order(session, principal=world.admin, order_id=order.id, reason="again")
    assert refused.value.code == "INVALID_TRANSITION"
    await assert_ledger_invariants(session, world.tenant.id)


async def test_an_order_with_a_dispatched_invoice_cannot_be_cancelled(
    session: AsyncSession,
) -> None:
    world = await make_primary_world(session)
    order = await make_order(session, world, quantity=10)
    await approve_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    invoice = await invoice_order(
        session, principal=world.admin, order_id=order.id, series="INV", issued_on=ORDER_DAY
    )
    await dispatch_invoice(
        session, principal=world.admin, invoice_id=invoice.id, dispatched_on=ORDER_DAY
    )
    entries = await session.scalar(select(func.count()).select_from(JournalEntry))
    with pytest.raises(JalurError) as refused:
        async with session.begin_nested():
            await cancel_primary_order(
                session, principal=world.admin, order_id=order.id, reason="too late"
            )
    assert (refused.value.code, refused.value.field) == ("INVALID_TRANSITION", "input.orderId")
    assert order.status is OrderStatus.DISPATCHED
    assert await session.scalar(select(func.count()).select_from(JournalEntry)) == entries
    assert await session.scalar(select(func.count()).select_from(BillingDocument)) == 1
