"""An order from placement to payment: states, locked prices, postings, and refusals that change nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.delivery import DeliveredBatch, deliver_invoice, dispatch_invoice
from backend.billing.errors import OverInvoiced
from backend.billing.invoicing import InvoiceLineRequest, invoice_order
from backend.billing.models import BillingLine, DocumentKind, NoteReason, PaymentMethod
from backend.billing.notes import NoteDraft, NoteLine, issue_note
from backend.billing.payments import PaymentDraft, bounce_cheque, record_payment
from backend.inventory.service import StockKey, stock_of
from backend.kit.errors import JalurError
from backend.ledger.models import AccountKind, JournalEntry, LedgerAccount
from backend.orders.errors import InvalidTransition
from backend.orders.models import CreditAction, OrderStatus, OrderTransition
from backend.orders.placing import LineDraft, OrderDraft, place_order
from backend.orders.repository import lines_of
from backend.orders.workflow import approve_order, reject_order, reopen_order, submit_order
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.orders import ORDER_DAY, make_order, make_price, make_primary_world

D = Decimal


async def _balance(session: AsyncSession, key: str) -> Decimal:
    value = await session.scalar(
        select(LedgerAccount.balance)
        .where(LedgerAccount.key == key)
        .execution_options(populate_existing=True)
    )
    return Decimal(value or 0)


async def test_order_to_cash_posts_balanced_entries(session: AsyncSession) -> None:
    # given an approved order of 10 units at 1,000.00 (PPN 12% on 11/12 → 1,100.00 tax)
    world = await make_primary_world(session)
    order = await make_order(session, world, quantity=10)
    await approve_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    assert order.total == D("11100.00")
    line = (await lines_of(session, [order.id]))[order.id][0]
    # when it is invoiced in two parts
    first = await invoice_order(
        session,
        principal=world.admin,
        order_id=order.id,
        series="INV",
        issued_on=ORDER_DAY,
        lines=[InvoiceLineRequest(line.id, 4)],
    )
    assert order.status is OrderStatus.PARTLY_INVOICED
    second = await invoice_order(
        session, principal=world.admin, order_id=order.id, series="INV", issued_on=ORDER_DAY
    )
    # then numbers are consecutive and the totals and ledger agree
    assert (first.number, second.number) == ("INV/2026/00001", "INV/2026/00002")
    assert (first.total, second.total) == (D("4440.00"), D("6660.00"))
    assert order.status is OrderStatus.INVOICED
    receivable = f"RECEIVABLE:{world.distributor.id}"
    assert await _balance(session, receivable) == D("11100.00")
    assert await _balance(session, "REVENUE") == D("-10000.00")
    assert await _balance(session, "TAX_PAYABLE") == D("-1100.00")
    # when a payment covers more than the first invoice, oldest first
    payment = await record_payment(
        session,
        principal=world.admin,
        idempotency_key=None,
        draft=PaymentDraft(
            world.distributor.id, PaymentMethod.CHEQUE, D("5000.00"), ORDER_DAY, "CHQ-1"
        ),
    )
    assert (first.open_amount, second.open_amount, payment.unallocated) == (
        D("0.00"),
        D("6100.00"),
        D("0.00"),
    )
    # and the cheque bounces
    await bounce_cheque(
        session,
        principal=world.admin,
        payment_id=payment.id,
        bounced_on=date(2026, 11, 5),
        reason="insufficient funds",
    )
    assert (first.open_amount, second.open_amount) == (D("4440.00"), D("6660.00"))
    assert await _balance(session, receivable) == D("11100.00")
    assert await _balance(session, "CHEQUES_IN_HAND") == D("0.00")
    await assert_ledger_invariants(session, world.tenant.id)


async def test_delivery_puts_goods_in_distributor_stock(session: AsyncSession) -> None:
    world = await make_primary_world(session)
    order = await make_order(session, world, quantity=10)
    await approve_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    invoice = await invoice_order(
        session, principal=world.admin, order_id=order.id, series="INV", issued_on=ORDER_DAY
    )
    await dispatch_invoice(
        session, principal=world.admin, invoice_id=invoice.id, dispatched_on=ORDER_DAY
    )
    assert order.status is OrderStatus.DISPATCHED
    bl = (
        await session.execute(select(BillingLine).where(BillingLine.document_id == invoice.id))
    ).scalar_one()
    await deliver_invoice(
        session,
        principal=world.admin,
        invoice_id=invoice.id,
        delivered_on=date(2026, 11, 3),
        batches=[DeliveredBatch(bl.id, "B1", 6), DeliveredBatch(bl.id, "B2", 4)],
    )
    assert order.status is OrderStatus.DELIVERED
    key = StockKey(world.distributor.id, world.products[0].id, "B1")
    assert await stock_of(session, key) == 6
    await assert_ledger_invariants(session, world.tenant.id)


async def test_price_is_locked_at_placement(session: AsyncSession) -> None:
    world = await make_primary_world(session)
    order = await make_order(session, world, quantity=1, submit=False)
    await make_price(
        session, world.tenant, world.products[0], price=D("2000.00"), valid_from=date(2026, 11, 3)
    )
    await submit_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    await approve_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    invoice = await invoice_order(
        session, principal=world.admin, order_id=order.id, series="INV", issued_on=date(2026, 11, 4)
    )
    assert invoice.net == D("1000.00")


async def test_credit_failure_holds_then_refuses_approval_without_change(
    session: AsyncSession,
) -> None:
    # given a limit below the order
    world = await make_primary_world(session, credit_limit=D("10000.00"))
    order = await make_order(session, world, quantity=10)
    assert order.status is OrderStatus.HELD
    history = (
        (
            await session.execute(
                select(OrderTransition)
                .where(OrderTransition.order_id == order.id)
                .order_by(OrderTransition.at)
            )
        )
        .scalars()
        .all()
    )
    assert [h.to_status for h in history] == ["DRAFT", "HELD"]
    assert history[-1].details["exposure"] == "11100.00"
    assert history[-1].details["limit"] == "10000.00"
    # when approval is tried, it is refused and nothing changes
    with pytest.raises(JalurError) as refused:
        await approve_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    assert refused.value.code == "CREDIT_LIMIT_EXCEEDED"
    assert order.status is OrderStatus.HELD
    # and reopening sends it back through the same check
    await reopen_order(session, principal=world.admin, order_id=order.id, reason="retry")
    await submit_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    assert order.status is OrderStatus.HELD


async def test_refuse_policy_refuses_submission_with_the_figures(session: AsyncSession) -> None:
    world = await make_primary_world(
        session, credit_limit=D("10000.00"), credit_action=CreditAction.REFUSE
    )
    order = await make_order(session, world, quantity=10, submit=False)
    with pytest.raises(JalurError) as refused:
        await submit_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    assert (refused.value.code, refused.value.details["exposure"]) == (
        "CREDIT_LIMIT_EXCEEDED",
        "11100.00",
    )


async def test_overdue_invoice_holds_the_next_order(session: AsyncSession) -> None:
    world = await make_primary_world(session)
    order = await make_order(session, world, quantity=1)
    await approve_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    await invoice_order(
        session, principal=world.admin, order_id=order.id, series="INV", issued_on=ORDER_DAY
    )
    late = await make_order(session, world, quantity=1, submit=False)
    await submit_order(session, principal=world.admin, order_id=late.id, today=date(2026, 12, 15))
    assert late.status is OrderStatus.HELD


async def test_refusals_are_coded_and_change_nothing(session: AsyncSession) -> None:
    world = await make_primary_world(session)
    order = await make_order(session, world, quantity=2)
    await reject_order(session, principal=world.admin, order_id=order.id, reason="duplicate")
    entries_before = await session.scalar(select(func.count()).select_from(JournalEntry))
    with pytest.raises(InvalidTransition):
        await invoice_order(
            session, principal=world.admin, order_id=order.id, series="INV", issued_on=ORDER_DAY
        )
    assert await session.scalar(select(func.count()).select_from(JournalEntry)) == entries_before
    assert order.status is OrderStatus.REJECTED
    # over-invoicing and over-crediting
    other = await make_order(session, world, quantity=2)
    await approve_order(session, principal=world.admin, order_id=other.id, today=ORDER_DAY)
    line = (await lines_of(session, [other.id]))[other.id][0]
    with pytest.raises(OverInvoiced):
        await invoice_order(
            session,
            principal=world.admin,
            order_id=other.id,
            series="INV",
            issued_on=ORDER_DAY,
            lines=[InvoiceLineRequest(line.id, 3)],
        )
    invoice = await invoice_order(
        session, principal=world.admin, order_id=other.id, series="INV", issued_on=ORDER_DAY
    )
    # (a return of more units than billed, and a price difference above the invoice's total)
    for reason, quantity, code in (
        (NoteReason.RETURN, 3, "OVER_RETURNED"),
        (NoteReason.PRICE_DIFFERENCE, 3, "OVER_ALLOCATED"),
    ):
        note = NoteDraft(
            DocumentKind.CREDIT_NOTE,
            invoice.id,
            reason,
            "CN",
            ORDER_DAY,
            [NoteLine(world.products[0].id, quantity, D("1000.00"))],
        )
        with pytest.raises(JalurError) as refused:
            async with session.begin_nested():
                await issue_note(session, principal=world.admin, draft=note, idempotency_key=None)
        assert refused.value.code == code
    assert invoice.open_amount == D("2220.00")
    await assert_ledger_invariants(session, world.tenant.id)


async def test_unknown_sku_is_refused_with_its_line_path(session: AsyncSession) -> None:
    world = await make_primary_world(session)
    draft = OrderDraft(
        world.distributor.id,
        [LineDraft(world.products[0].id, 1), LineDraft(world.distributor.id, 1)],
        ORDER_DAY,
    )
    with pytest.raises(JalurError) as refused:
        await place_order(session, principal=world.admin, draft=draft, idempotency_key=None)
    assert (refused.value.code, refused.value.field) == ("UNKNOWN_SKU", "input.lines[1].productId")


async def test_credit_note_posts_against_sales_returns_and_pays_down_the_invoice(
    session: AsyncSession,
) -> None:
    world = await make_primary_world(session)
    order = await make_order(session, world, quantity=2)
    await approve_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    invoice = await invoice_order(
        session, principal=world.admin, order_id=order.id, series="INV", issued_on=ORDER_DAY
    )
    note = await issue_note(
        session,
        principal=world.admin,
        idempotency_key="cn-1",
        draft=NoteDraft(
            DocumentKind.CREDIT_NOTE,
            invoice.id,
            NoteReason.RETURN,
            "CN",
            ORDER_DAY,
            [NoteLine(world.products[0].id, 1, D("1000.00"))],
        ),
    )
    again = await issue_note(
        session,
        principal=world.admin,
        idempotency_key="cn-1",
        draft=NoteDraft(
            DocumentKind.CREDIT_NOTE,
            invoice.id,
            NoteReason.RETURN,
            "CN",
            ORDER_DAY,
            [NoteLine(world.products[0].id, 1, D("1000.00"))],
        ),
    )
    assert again.id == note.id and note.number == "CN/2026/00001"
    assert (note.total, invoice.open_amount) == (D("1110.00"), D("1110.00"))
    assert await _balance(session, "SALES_RETURNS") == D("1000.00")
    assert await _balance(session, AccountKind.RECEIVABLE.value + f":{world.distributor.id}") == D(
        "1110.00"
    )
    await assert_ledger_invariants(session, world.tenant.id)
