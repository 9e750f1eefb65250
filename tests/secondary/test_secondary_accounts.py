"""Retailer credit at the distributor (hold, refuse, release), collections allocated oldest
first or explicitly and idempotent, and the retailer's statement with ageing and DSO."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.errors import OverAllocated
from backend.field.visit_models import CapturedOrder, CapturedOrderLine, CapturedOrderStatus
from backend.field.visits import capture_order
from backend.kit.errors import ValidationFailed
from backend.ledger.models import JournalEntry
from backend.orders.errors import CreditLimitExceeded, OverdueInvoices
from backend.orders.models import CreditAction
from backend.secondary.billing import bill_order
from backend.secondary.collections import (
    CollectionDraft,
    lock_money_on_account,
    record_collection,
)
from backend.secondary.errors import OrderStateError
from backend.secondary.models import (
    CollectionMethod,
    OrderSource,
    ReturnReason,
    SecondaryAllocation,
    SecondaryCollection,
    SecondaryDocument,
    SecondaryLine,
    SecondaryNoteAllocation,
    SecondaryOrder,
    SecondaryOrderStatus,
)
from backend.secondary.ordering import convert_captured_order, release_order
from backend.secondary.returns import ReturnDraft, ReturnLineDraft, record_return
from backend.secondary.schemes import NO_SCHEMES
from backend.secondary.statements import retailer_statement
from backend.territories.models import Territory
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.parties import make_distributor
from tests.factories.secondary import (
    SALE_DAY,
    SecondaryWorld,
    desk_order,
    give_credit,
    make_field_rep,
    make_secondary_world,
    make_visit,
    receive,
)

D = Decimal


async def _count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _billed(
    session: AsyncSession, world: SecondaryWorld, units: int, day: date
) -> SecondaryDocument:
    order = await desk_order(session, world, [units, 0], day=day)
    return await bill_order(
        session, principal=world.admin, order_id=order.id, issued_on=day, schemes=NO_SCHEMES
    )


async def test_an_order_over_the_limit_is_held_until_released(session: AsyncSession) -> None:
    # given a retailer with 10,000.00 of credit and an invoice of 5 × 1,221.00 = 6,105.00 open
    world = await make_secondary_world(session)
    await receive(session, world, world.products[0], "B1", 100, None)
    await give_credit(session, world, world.retailers[0], "10000.00", days=14)
    await _billed(session, world, 5, SALE_DAY)
    # when a second order of 4 units (4,884.00) is placed
    order = await desk_order(session, world, [4, 0])
    # then it is held with the reason and the figures
    assert order.status is SecondaryOrderStatus.HELD
    assert order.hold_reason is not None
    assert order.hold_reason.startswith("CREDIT_LIMIT_EXCEEDED: exposure 10989.00")
    # and billing it is refused and changes nothing
    entries = await _count(session, JournalEntry)
    with pytest.raises(OrderStateError):
        await bill_order(
            session,
            principal=world.admin,
            order_id=order.id,
            issued_on=SALE_DAY,
            schemes=NO_SCHEMES,
        )
    assert await _count(session, JournalEntry) == entries
    # when a manager releases it, it bills
    await release_order(session, principal=world.admin, order_id=order.id, reason="pays Friday")
    doc = await bill_order(
        session, principal=world.admin, order_id=order.id, issued_on=SALE_DAY, schemes=NO_SCHEMES
    )
    assert doc.total == D("4884.00") and doc.due_on == date(2026, 11, 16)


async def test_billing_rechecks_credit_and_refuses_without_a_trace(session: AsyncSession) -> None:
    # given two orders placed within the limit, together over it
    world = await make_secondary_world(session)
    await receive(session, world, world.products[0], "B1", 100, None)
    await give_credit(session, world, world.retailers[0], "6200.00")
    first = await desk_order(session, world, [4, 0])  # 4,884.00
    await bill_order(
        session, principal=world.admin, order_id=first.id, issued_on=SALE_DAY, schemes=NO_SCHEMES
    )
    # the credit limit is lowered after the second order was placed
    second = await desk_order(session, world, [1, 0])  # 1,221.00
    assert second.status is SecondaryOrderStatus.OPEN
    await give_credit_change(session, world, "6000.00")
    counts = (await _count(session, SecondaryDocument), await _count(session, JournalEntry))
    with pytest.raises(CreditLimitExceeded) as refused:
        await bill_order(
            session,
            principal=world.admin,
            order_id=second.id,
            issued_on=SALE_DAY,
            schemes=NO_SCHEMES,
        )
    assert refused.value.details["exposure"] == "6105.00"
    assert (await _count(session, SecondaryDocument), await _count(session, JournalEntry)) == counts


async def give_credit_change(session: AsyncSession, world: SecondaryWorld, limit: str) -> None:
    from backend.secondary.credit import RetailerCreditDraft, set_retailer_credit

    await set_retailer_credit(
        session,
        principal=world.admin,
        draft=RetailerCreditDraft(world.retailers[0].id, D(limit), 14),
    )


async def test_refuse_policy_refuses_an_order_with_overdue_invoices(session: AsyncSession) -> None:
    # given an invoice due on 16 Nov still open on 20 Nov, under REFUSE
    world = await make_secondary_world(session, credit_action=CreditAction.REFUSE)
    await receive(session, world, world.products[0], "B1", 100, None)
    await give_credit(session, world, world.retailers[0], "1000000.00", days=14)
    await _billed(session, world, 1, SALE_DAY)
    orders = await _count(session, SecondaryOrder)
    # when an order is placed on 20 Nov, it is refused and nothing is stored
    with pytest.raises(OverdueInvoices):
        await desk_order(session, world, [1, 0], day=date(2026, 11, 20))
    assert await _count(session, SecondaryOrder) == orders


async def test_collections_pay_oldest_first_and_a_retry_records_nothing_twice(
    session: AsyncSession,
) -> None:
    # given invoices of 1,221.00 (2 Nov) and 2,442.00 (3 Nov)
    world = await make_secondary_world(session)
    await receive(session, world, world.products[0], "B1", 100, None)
    old = await _billed(session, world, 1, SALE_DAY)
    new = await _billed(session, world, 2, date(2026, 11, 3))
    draft = CollectionDraft(
        world.retailers[0].id, CollectionMethod.CASH, D("2000.00"), date(2026, 11, 5), "visit"
    )
    # when a rep's phone sends the same collection twice
    first, again = [
        await record_collection(
            session, principal=world.admin, draft=draft, idempotency_key="phone-1"
        )
        for _ in range(2)
    ]
    # then it is recorded once and paid the oldest invoice first
    assert first.id == again.id and await _count(session, SecondaryCollection) == 1
    assert (old.open_amount, new.open_amount, first.unallocated) == (
        D("0.00"),
        D("1663.00"),
        D("0.00"),
    )
    # and an explicit allocation above what an invoice owes is refused without a trace
    entries = await _count(session, JournalEntry)
    with pytest.raises(OverAllocated) as refused:
        await record_collection(
            session,
            principal=world.admin,
            idempotency_key=None,
            draft=CollectionDraft(
                world.retailers[0].id,
                CollectionMethod.TRANSFER,
                D("5000.00"),
                date(2026, 11, 6),
                allocations=[(new.id, D("1663.01"))],
            ),
        )
    assert refused.value.field == "input.allocations[0]"
    assert await _count(session, JournalEntry) == entries
    assert await _count(session, SecondaryCollection) == 1
    await assert_ledger_invariants(session, world.tenant.id)


async def test_money_on_account_pays_the_next_bills(session: AsyncSession) -> None:
    # given 2,000.00 collected while the retailer owes nothing
    world = await make_secondary_world(session)
    await receive(session, world, world.products[0], "B1", 100, None)
    retailer = world.retailers[0]
    collection = await record_collection(
        session,
        principal=world.admin,
        idempotency_key=None,
        draft=CollectionDraft(retailer.id, CollectionMethod.CASH, D("2000.00"), SALE_DAY),
    )
    assert collection.unallocated == D("2000.00")
    # when a bill of 1,221.00 follows, the money on account pays it
    first = await _billed(session, world, 1, date(2026, 11, 3))
    assert (first.open_amount, collection.unallocated) == (D("0.00"), D("779.00"))
    # when the paid unit comes back, its credit note has nothing to pay on its invoice
    line = await session.scalar(select(SecondaryLine).where(SecondaryLine.document_id == first.id))
    assert line is not None
    note = await record_return(
        session,
        principal=world.admin,
        schemes=NO_SCHEMES,
        idempotency_key=None,
        draft=ReturnDraft(
            first.id,
            ReturnReason.EXCESS_STOCK,
            date(2026, 11, 4),
            [ReturnLineDraft(line.id, "B1", 1)],
        ),
    )
    assert (note.total, note.open_amount) == (D("1221.00"), D("1221.00"))
    # then the next bill of 2,442.00 takes the collection's rest, then the note's credit
    second = await _billed(session, world, 2, date(2026, 11, 5))
    assert (second.open_amount, collection.unallocated, note.open_amount) == (
        D("442.00"),
        D("0.00"),
        D("0.00"),
    )
    paid = (
        await session.execute(
            select(SecondaryAllocation.document_id, SecondaryAllocation.amount).where(
                SecondaryAllocation.collection_id == collection.id
            )
        )
    ).all()
    assert sorted(paid) == sorted([(first.id, D("1221.00")), (second.id, D("779.00"))])
    credited = (
        await session.execute(
            select(SecondaryNoteAllocation.document_id, SecondaryNoteAllocation.amount)
        )
    ).all()
    assert credited == [(second.id, D("1221.00"))]
    # and the statement's balance is what its ageing shows open
    statement = await retailer_statement(
        session,
        principal=world.admin,
        retailer_id=retailer.id,
        start=SALE_DAY,
        end=date(2026, 11, 6),
    )
    assert statement.closing == sum(statement.ageing) == D("442.00")
    await assert_ledger_invariants(session, world.tenant.id)


async def test_money_stays_in_the_book_of_the_distributor_that_received_it(
    session: AsyncSession,
) -> None:
    # given an invoice of 1,221.00 open in the first distributor's book
    world = await make_secondary_world(session)
    await receive(session, world, world.products[0], "B1", 100, None)
    retailer = world.retailers[0]
    old_invoice = await _billed(session, world, 1, SALE_DAY)
    # when the retailer moves to another distributor, which collects 500.00
    territory = await session.get_one(Territory, retailer.territory_id)
    other = await make_distributor(session, world.tenant, territory)
    retailer.distributor_id = other.id
    await session.flush()
    collection = await record_collection(
        session,
        principal=world.admin,
        idempotency_key=None,
        draft=CollectionDraft(retailer.id, CollectionMethod.CASH, D("500.00"), SALE_DAY),
    )
    # then the money stays on account in the new book and the old invoice stays open
    assert collection.distributor_id == other.id
    assert (collection.unallocated, old_invoice.open_amount) == (D("500.00"), D("1221.00"))
    # and only the new book's bills may draw it
    assert await lock_money_on_account(session, retailer.id, world.distributor.id) == []
    money = await lock_money_on_account(session, retailer.id, other.id)
    assert [m.row.id for m in money] == [collection.id]
    await assert_ledger_invariants(session, world.tenant.id)


async def test_a_rep_collection_needs_an_idempotency_key(session: AsyncSession) -> None:
    world = await make_secondary_world(session)
    _, principal = await make_field_rep(session, world)
    with pytest.raises(ValidationFailed) as refused:
        await record_collection(
            session,
            principal=principal,
            idempotency_key=None,
            draft=CollectionDraft(
                world.retailers[0].id, CollectionMethod.CASH, D("1.00"), SALE_DAY
            ),
        )
    assert refused.value.field == "input.idempotencyKey"
    # with a key, the rep's collection is recorded against the visit's retailer
    done = await record_collection(
        session,
        principal=principal,
        idempotency_key="phone-7",
        draft=CollectionDraft(world.retailers[0].id, CollectionMethod.CASH, D("1.00"), SALE_DAY),
    )
    assert done.unallocated == D("1.00")


async def test_statement_ages_open_invoices_and_computes_dso(session: AsyncSession) -> None:
    # given invoices on 1 Sep (1,221.00) and 2 Nov (2,442.00), cash terms, 500.00 paid 5 Nov
    world = await make_secondary_world(session)
    await receive(session, world, world.products[0], "B1", 100, None)
    await _billed(session, world, 1, date(2026, 9, 1))
    await _billed(session, world, 2, SALE_DAY)
    await record_collection(
        session,
        principal=world.admin,
        idempotency_key=None,
        draft=CollectionDraft(
            world.retailers[0].id, CollectionMethod.TRANSFER, D("500.00"), date(2026, 11, 5)
        ),
    )
    # when November's statement is built
    soa = await retailer_statement(
        session,
        principal=world.admin,
        retailer_id=world.retailers[0].id,
        start=date(2026, 11, 1),
        end=date(2026, 11, 30),
    )
    # then September is the opening balance, the month runs to the closing
    assert soa.opening == D("1221.00")
    assert [(ln.debit, ln.credit, ln.balance) for ln in soa.lines] == [
        (D("2442.00"), D("0.00"), D("3663.00")),
        (D("0.00"), D("500.00"), D("3163.00")),
    ]
    assert soa.closing == D("3163.00")
    # the 500.00 paid the September invoice (oldest): 721.00 is 90 days old, 2,442.00 is 28
    assert soa.ageing == [D("2442.00"), D("0.00"), D("721.00"), D("0.00")]
    assert soa.overdue_percent == D("100.00")
    # DSO = closing × 30 days / November sales (2,442.00)
    assert soa.dso_days == D("38.9")


async def test_a_captured_order_converts_once_at_its_retailer_price(session: AsyncSession) -> None:
    # given a rep's captured order of 3 units of SKU 1
    world = await make_secondary_world(session)
    rep, _ = await make_field_rep(session, world)
    visit = await make_visit(session, rep, world.retailers[0], datetime(2026, 11, 2, 9, tzinfo=UTC))
    captured = CapturedOrder(
        tenant_id=world.tenant.id,
        visit_id=visit.id,
        rep_id=rep.id,
        retailer_id=world.retailers[0].id,
        distributor_id=world.distributor.id,
        captured_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
        status=CapturedOrderStatus.CAPTURED,
    )
    session.add(captured)
    await session.flush()
    session.add(
        CapturedOrderLine(
            tenant_id=world.tenant.id,
            order_id=captured.id,
            product_id=world.products[1].id,
            quantity=3,
        )
    )
    await session.flush()
    # when the desk converts it twice
    order = await convert_captured_order(
        session, principal=world.desk, captured_order_id=captured.id
    )
    again = await convert_captured_order(
        session, principal=world.desk, captured_order_id=captured.id
    )
    # then one secondary order exists, linked both ways, priced at 2,200.00 + PPN
    assert again.id == order.id
    assert (order.source, order.captured_order_id) == (OrderSource.VISIT, captured.id)
    assert (captured.status, captured.secondary_order_id) == (
        CapturedOrderStatus.CONVERTED,
        order.id,
    )
    assert order.total == D("7326.00")


async def test_a_capture_over_credit_is_refused_under_refuse_and_leaves_nothing(
    session: AsyncSession,
) -> None:
    # given a retailer with 2,000.00 of credit, under REFUSE, and a rep's open visit there
    world = await make_secondary_world(session, credit_action=CreditAction.REFUSE)
    retailer = world.retailers[0]
    await give_credit(session, world, retailer, "2000.00")
    rep, principal = await make_field_rep(session, world)
    at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    visit = await make_visit(session, rep, retailer, at)
    # when the rep captures an order of 2,442.00, the capture is refused with the figures
    with pytest.raises(CreditLimitExceeded) as refused:
        async with session.begin_nested():
            await capture_order(
                session,
                principal=principal,
                rep=rep,
                order_id=uuid.uuid4(),
                visit_id=visit.id,
                lines={world.products[0].id: 2},
                at=at,
                field="item",
            )
    assert (refused.value.field, refused.value.details["exposure"]) == ("item", "2442.00")
    assert await _count(session, CapturedOrder) == 0
    assert await _count(session, SecondaryOrder) == 0
    # and one within the limit becomes an open secondary order at once, linked both ways
    captured = await capture_order(
        session,
        principal=principal,
        rep=rep,
        order_id=uuid.uuid4(),
        visit_id=visit.id,
        lines={world.products[0].id: 1},
        at=at,
    )
    assert captured.note is None
    assert captured.order.secondary_order_id is not None
    order = await session.get_one(SecondaryOrder, captured.order.secondary_order_id)
    assert (order.status, order.source, order.captured_order_id, order.total) == (
        SecondaryOrderStatus.OPEN,
        OrderSource.VISIT,
        captured.order.id,
        D("1221.00"),
    )
    assert captured.order.status is CapturedOrderStatus.CONVERTED
    # and converting it again at the desk returns the same order
    again = await convert_captured_order(
        session, principal=world.desk, captured_order_id=captured.order.id
    )
    assert again.id == order.id


async def test_a_capture_over_credit_is_held_under_hold_and_the_rep_is_told(
    session: AsyncSession,
) -> None:
    # given a retailer with 2,000.00 of credit, under HOLD, and a rep's open visit there
    world = await make_secondary_world(session, credit_action=CreditAction.HOLD)
    retailer = world.retailers[0]
    await give_credit(session, world, retailer, "2000.00")
    rep, principal = await make_field_rep(session, world)
    at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    visit = await make_visit(session, rep, retailer, at)
    # when the rep captures an order of 2,442.00
    captured = await capture_order(
        session,
        principal=principal,
        rep=rep,
        order_id=uuid.uuid4(),
        visit_id=visit.id,
        lines={world.products[0].id: 2},
        at=at,
    )
    # then it is converted into a held secondary order, and the note says why
    assert captured.order.secondary_order_id is not None
    order = await session.get_one(SecondaryOrder, captured.order.secondary_order_id)
    assert order.status is SecondaryOrderStatus.HELD
    assert order.hold_reason is not None
    assert order.hold_reason.startswith("CREDIT_LIMIT_EXCEEDED: exposure 2442.00")
    assert captured.note == f"secondary order held for credit: {order.hold_reason}"
