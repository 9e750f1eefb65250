"""Return credit notes: capped at what was billed less returned; delivered goods leave stock."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.delivery import DeliveredBatch, deliver_invoice, dispatch_invoice
from backend.billing.models import BillingDocument, DocumentKind, NoteReason
from backend.billing.notes import NoteDraft, NoteLine, issue_note
from backend.inventory.models import MovementKind, StockMovement
from backend.inventory.service import StockKey, stock_of
from backend.kit.errors import JalurError
from backend.ledger.models import JournalEntry
from tests.factories.claims import make_invoice
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.orders import ORDER_DAY, make_primary_world

D = Decimal


async def test_a_return_takes_delivered_goods_out_of_stock_and_cannot_exceed_the_invoice(
    session: AsyncSession,
) -> None:
    # given 10 units invoiced and delivered into batch B1
    world = await make_primary_world(session)
    invoice, lines = await make_invoice(session, world, quantity=10)
    await dispatch_invoice(
        session, principal=world.admin, invoice_id=invoice.id, dispatched_on=ORDER_DAY
    )
    await deliver_invoice(
        session,
        principal=world.admin,
        invoice_id=invoice.id,
        delivered_on=date(2026, 11, 3),
        batches=[DeliveredBatch(lines[0].id, "B1", 10)],
    )
    sku = world.products[0].id
    key = StockKey(world.distributor.id, sku, "B1")

    async def give_back(
        qty: int, batch: str | None, price: Decimal = D("1000.00")
    ) -> BillingDocument:
        draft = NoteDraft(
            DocumentKind.CREDIT_NOTE,
            invoice.id,
            NoteReason.RETURN,
            "CN",
            date(2026, 11, 6),
            [NoteLine(sku, qty, price, batch)],
        )
        async with session.begin_nested():
            return await issue_note(
                session, principal=world.admin, draft=draft, idempotency_key=None
            )

    # when 3 units come back from B1
    note = await give_back(3, "B1")
    # then stock lost them with a RETURN movement pointing at the note
    assert await stock_of(session, key) == 7
    movement = (
        await session.execute(select(StockMovement).where(StockMovement.source_id == note.id))
    ).scalar_one()
    assert (movement.kind, movement.quantity) == (MovementKind.RETURN, -3)
    assert (note.total, invoice.open_amount) == (D("3330.00"), D("7770.00"))
    entries = await session.scalar(select(func.count()).select_from(JournalEntry))
    # when more units than are left (even at a lower value), no batch, or a batch without the
    # goods is given
    for qty, batch, price, code, field in (
        (8, "B1", D("100.00"), "OVER_RETURNED", "input.lines[0].quantity"),
        (1, None, D("1000.00"), "INVALID_INPUT", "input.lines[0].batch"),
        (2, "B9", D("1000.00"), "INSUFFICIENT_STOCK", "input.lines[0].quantity"),
    ):
        with pytest.raises(JalurError) as refused:
            await give_back(qty, batch, price)
        assert (refused.value.code, refused.value.field) == (code, field)
    # then nothing changed
    assert await stock_of(session, key) == 7
    assert await session.scalar(select(func.count()).select_from(JournalEntry)) == entries
    assert invoice.open_amount == D("7770.00")
    await assert_ledger_invariants(session, world.tenant.id)
