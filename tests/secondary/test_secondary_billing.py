"""Secondary billing: FEFO picks, the distributor's own numbering, taxes, ledger postings,
short lines refused or split, and refusals that change nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import TaxClass
from backend.inventory.models import DistributorStock, StockMovement
from backend.inventory.service import InsufficientStock
from backend.kit.errors import JalurError
from backend.ledger.models import AccountKind, JournalEntry, LedgerAccount
from backend.ledger.posting import account_key
from backend.secondary.billing import bill_order
from backend.secondary.errors import NothingToBill, OrderStateError
from backend.secondary.models import (
    SecondaryDocument,
    SecondaryLine,
    SecondaryLineBatch,
    SecondaryOrderLine,
    SecondaryOrderStatus,
    ShortfallPolicy,
)
from backend.secondary.ordering import cancel_order
from backend.secondary.schemes import NO_SCHEMES
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.parties import make_distributor, make_retailer
from tests.factories.secondary import (
    SALE_DAY,
    SecondaryWorld,
    desk_order,
    make_secondary_world,
    receive,
)
from tests.factories.territories import make_territory

D = Decimal


async def _stock(session: AsyncSession, world: SecondaryWorld) -> dict[tuple[int, str], int]:
    index = {p.id: i for i, p in enumerate(world.products)}
    rows = (
        await session.execute(select(DistributorStock).execution_options(populate_existing=True))
    ).scalars()
    return {(index[r.product_id], r.batch): r.quantity for r in rows if r.product_id in index}


async def _counts(session: AsyncSession) -> tuple[int, int, int, int]:
    async def n(model: type) -> int:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)

    return (
        await n(SecondaryDocument),
        await n(SecondaryLine),
        await n(JournalEntry),
        await n(StockMovement),
    )


async def test_invoice_takes_earliest_expiry_first_and_posts_to_the_distributors_book(
    session: AsyncSession,
) -> None:
    # given three batches of SKU 0 (one already expired on the sale day) and one of SKU 1
    world = await make_secondary_world(session)
    p0, p1 = world.products
    await receive(session, world, p0, "OLD", 50, SALE_DAY - timedelta(days=1))
    await receive(session, world, p0, "LATE", 10, date(2027, 6, 1))
    await receive(session, world, p0, "SOON", 4, date(2026, 12, 1))
    await receive(session, world, p1, "B1", 10, None)
    order = await desk_order(session, world, [6, 3])
    # when the order is billed
    doc = await bill_order(
        session, principal=world.desk, order_id=order.id, issued_on=SALE_DAY, schemes=NO_SCHEMES
    )
    # then the soonest unexpired batch goes first, the expired one is never sold
    assert await _stock(session, world) == {
        (0, "OLD"): 50,
        (0, "SOON"): 0,
        (0, "LATE"): 8,
        (1, "B1"): 7,
    }
    picks = (
        await session.execute(
            select(SecondaryLine.line_no, SecondaryLineBatch.batch, SecondaryLineBatch.quantity)
            .join(SecondaryLineBatch, SecondaryLineBatch.line_id == SecondaryLine.id)
            .where(SecondaryLine.document_id == doc.id)
            .order_by(SecondaryLine.line_no, SecondaryLineBatch.expires_on)
        )
    ).all()
    assert picks == [(1, "SOON", 4), (1, "LATE", 2), (2, "B1", 3)]
    # and the invoice is numbered in the distributor's own series, taxed with PPN 12% × 11/12
    # (6 × 1,100 = 6,600 → 726.00; 3 × 2,200 = 6,600 → 726.00), due after 0 credit days
    assert doc.number == "SI202600001"
    assert (doc.gross, doc.discount, doc.net, doc.tax, doc.total) == (
        D("13200.00"),
        D("0.00"),
        D("13200.00"),
        D("1452.00"),
        D("14652.00"),
    )
    assert doc.due_on == SALE_DAY and doc.open_amount == D("14652.00")
    order_status = order.status
    assert order_status is SecondaryOrderStatus.BILLED
    # and the retailer's receivable sits in the distributor's book, not the brand's
    balances = dict(
        (
            await session.execute(
                select(LedgerAccount.key, LedgerAccount.balance).execution_options(
                    populate_existing=True
                )
            )
        ).all()
    )
    book = world.distributor.id
    retailer = world.retailers[0].id
    assert balances[account_key(AccountKind.RECEIVABLE, retailer, book)] == D("14652.00")
    assert balances[account_key(AccountKind.REVENUE, None, book)] == D("-13200.00")
    assert balances[account_key(AccountKind.TAX_PAYABLE, None, book)] == D("-1452.00")
    assert account_key(AccountKind.RECEIVABLE, world.distributor.id) not in balances
    await assert_ledger_invariants(session, world.tenant.id)


async def test_each_distributor_numbers_its_invoices_from_one(session: AsyncSession) -> None:
    # given a second distributor with its own retailer, both stocked
    world = await make_secondary_world(session)
    territory = await make_territory(session, world.tenant)
    other = await make_distributor(session, world.tenant, territory)
    other_retailer = await make_retailer(session, world.tenant, territory, other)
    p0 = world.products[0]
    await receive(session, world, p0, "B1", 100, None)
    world2 = SecondaryWorld(
        world.tenant, world.admin, world.admin, other, [other_retailer], world.products
    )
    await receive(session, world2, p0, "B1", 100, None)
    numbers = []
    # when each bills two orders, interleaved
    for w in (world, world2, world, world2):
        order = await desk_order(session, w, [1, 0])
        doc = await bill_order(
            session,
            principal=world.admin,
            order_id=order.id,
            issued_on=SALE_DAY,
            schemes=NO_SCHEMES,
        )
        numbers.append((doc.distributor_id == other.id, doc.number))
    # then each series runs 1, 2 on its own
    assert numbers == [
        (False, "SI202600001"),
        (True, "SI202600001"),
        (False, "SI202600002"),
        (True, "SI202600002"),
    ]


async def test_a_short_line_refuses_the_whole_invoice_and_changes_nothing(
    session: AsyncSession,
) -> None:
    # given 5 units in stock for an order of 8, under the REFUSE policy
    world = await make_secondary_world(session, shortfall=ShortfallPolicy.REFUSE)
    await receive(session, world, world.products[0], "B1", 5, None)
    await receive(session, world, world.products[1], "B1", 9, None)
    order = await desk_order(session, world, [8, 2])
    before = (await _counts(session), await _stock(session, world))
    # when billing is attempted
    with pytest.raises(InsufficientStock) as refused:
        await bill_order(
            session, principal=world.desk, order_id=order.id, issued_on=SALE_DAY, schemes=NO_SCHEMES
        )
    # then it is refused with the line's path and the figures, and nothing changed
    error = refused.value
    assert error.field == "input.lines[0]"
    assert error.details == {"ordered": 8, "available": 5}
    assert (await _counts(session), await _stock(session, world)) == before
    billed = await session.scalar(select(func.sum(SecondaryOrderLine.billed_quantity)))
    assert billed == 0


async def test_split_bills_what_is_there_and_keeps_the_rest_as_a_backorder(
    session: AsyncSession,
) -> None:
    # given 5 of 8 units of SKU 0 in stock, under the SPLIT policy
    world = await make_secondary_world(session, shortfall=ShortfallPolicy.SPLIT)
    await receive(session, world, world.products[0], "B1", 5, None)
    await receive(session, world, world.products[1], "B1", 9, None)
    order = await desk_order(session, world, [8, 2])
    # when billed, then 5 + 2 are invoiced and the order is partly billed
    first = await bill_order(
        session, principal=world.desk, order_id=order.id, issued_on=SALE_DAY, schemes=NO_SCHEMES
    )
    quantities = (
        (
            await session.execute(
                select(SecondaryLine.quantity)
                .where(SecondaryLine.document_id == first.id)
                .order_by(SecondaryLine.line_no)
            )
        )
        .scalars()
        .all()
    )
    assert quantities == [5, 2]
    assert order.status is SecondaryOrderStatus.PARTLY_BILLED
    # and with no more stock, billing the backorder refuses and changes nothing
    before = await _counts(session)
    with pytest.raises(NothingToBill):
        await bill_order(
            session, principal=world.desk, order_id=order.id, issued_on=SALE_DAY, schemes=NO_SCHEMES
        )
    assert await _counts(session) == before
    # when the backorder's stock arrives, the last 3 units are billed on a second invoice
    await receive(session, world, world.products[0], "B2", 10, None)
    second = await bill_order(
        session, principal=world.desk, order_id=order.id, issued_on=SALE_DAY, schemes=NO_SCHEMES
    )
    assert second.number == "SI202600002" and second.gross == D("3300.00")
    assert order.status is SecondaryOrderStatus.BILLED
    with pytest.raises(OrderStateError):
        await bill_order(
            session, principal=world.desk, order_id=order.id, issued_on=SALE_DAY, schemes=NO_SCHEMES
        )
    await assert_ledger_invariants(session, world.tenant.id)


async def test_a_cancelled_order_cannot_be_billed(session: AsyncSession) -> None:
    world = await make_secondary_world(session)
    await receive(session, world, world.products[0], "B1", 5, None)
    order = await desk_order(session, world, [1, 0])
    await cancel_order(session, principal=world.desk, order_id=order.id)
    before = await _counts(session)
    with pytest.raises(OrderStateError) as refused:
        await bill_order(
            session, principal=world.desk, order_id=order.id, issued_on=SALE_DAY, schemes=NO_SCHEMES
        )
    assert refused.value.field == "input.orderId"
    assert await _counts(session) == before


async def test_a_retried_bill_with_its_key_returns_the_first_invoice(session: AsyncSession) -> None:
    world = await make_secondary_world(session)
    await receive(session, world, world.products[0], "B1", 5, None)
    order = await desk_order(session, world, [2, 0])
    docs = [
        await bill_order(
            session,
            principal=world.desk,
            order_id=order.id,
            issued_on=SALE_DAY,
            schemes=NO_SCHEMES,
            idempotency_key="bill-1",
        )
        for _ in range(2)
    ]
    assert docs[0].id == docs[1].id
    assert (await _stock(session, world))[(0, "B1")] == 3


async def test_a_distributor_cannot_bill_another_distributors_order(
    session: AsyncSession,
) -> None:
    world = await make_secondary_world(session)
    territory = await make_territory(session, world.tenant)
    other = await make_distributor(session, world.tenant, territory)
    other_retailer = await make_retailer(session, world.tenant, territory, other)
    world2 = SecondaryWorld(
        world.tenant, world.admin, world.admin, other, [other_retailer], world.products
    )
    await receive(session, world2, world.products[0], "B1", 5, None)
    order = await desk_order(session, world2, [1, 0])
    with pytest.raises(JalurError) as refused:
        await bill_order(
            session, principal=world.desk, order_id=order.id, issued_on=SALE_DAY, schemes=NO_SCHEMES
        )
    assert refused.value.code == "NOT_FOUND"


async def test_a_gst_invoice_rounds_its_total_to_the_rupee_in_the_distributors_book(
    session: AsyncSession,
) -> None:
    # given an Indian tenant whose retailers pay Rs 99.99 (18%) and Rs 33.33 (5%)
    world = await make_secondary_world(session, prices=(D("90.90"), D("30.30")))
    world.tenant.tax_regime = "IN_GST"
    world.products[0].tax_class, world.products[1].tax_class = TaxClass.GST_18, TaxClass.GST_5
    await receive(session, world, world.products[0], "G1", 5, None)
    await receive(session, world, world.products[1], "G2", 5, None)
    order = await desk_order(session, world, [1, 1])
    # when one unit of each is billed
    doc = await bill_order(
        session, principal=world.desk, order_id=order.id, issued_on=SALE_DAY, schemes=NO_SCHEMES
    )
    # then CGST + SGST stay per line to the paisa (18.00 and 1.66) and 152.98 rounds to 153.00
    lines = (
        await session.execute(
            select(SecondaryLine.tax)
            .where(SecondaryLine.document_id == doc.id)
            .order_by(SecondaryLine.line_no)
        )
    ).scalars()
    assert list(lines) == [D("18.00"), D("1.66")]
    assert (doc.net, doc.tax, doc.round_off, doc.total, doc.open_amount) == (
        D("133.32"),
        D("19.66"),
        D("0.02"),
        D("153.00"),
        D("153.00"),
    )
    # and the round-off is credited in the distributor's book, so the journal still balances
    book = world.distributor.id
    balances = dict(
        (
            await session.execute(
                select(LedgerAccount.key, LedgerAccount.balance)
                .where(LedgerAccount.tenant_id == world.tenant.id)
                .execution_options(populate_existing=True)
            )
        ).all()
    )
    assert balances[account_key(AccountKind.ROUND_OFF, None, book)] == D("-0.02")
    assert balances[account_key(AccountKind.RECEIVABLE, world.retailers[0].id, book)] == D("153.00")
    await assert_ledger_invariants(session, world.tenant.id)
