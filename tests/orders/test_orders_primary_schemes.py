"""PRIMARY schemes on primary orders and invoices: the secondary engine prices the order, the
invoice spends the budgets and posts the discount; flows never mix."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.cancellation import cancel_primary_order
from backend.billing.invoicing import InvoiceLineRequest, invoice_order
from backend.billing.models import (
    BillingDocument,
    BillingLine,
    BillingLineScheme,
    DocumentKind,
    NoteReason,
)
from backend.billing.notes import NoteDraft, NoteLine, issue_note
from backend.kit.errors import JalurError
from backend.ledger.models import LedgerAccount
from backend.orders.models import PrimaryOrderLineScheme
from backend.orders.repository import lines_of
from backend.orders.workflow import approve_order
from backend.schemes.models import SchemeFlow, TradeScheme
from backend.schemes.rules import SchemeKind
from backend.schemes.service import active_schemes, pause_scheme
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.orders import ORDER_DAY, PrimaryWorld, make_order, make_primary_world
from tests.factories.parties import make_distributor
from tests.factories.schemes import make_scheme, make_scheme_world
from tests.factories.territories import make_territory

D = Decimal
PRIMARY = SchemeFlow.PRIMARY


async def _balance(session: AsyncSession, key: str) -> Decimal:
    value = await session.scalar(
        select(LedgerAccount.balance)
        .where(LedgerAccount.key == key)
        .execution_options(populate_existing=True)
    )
    return Decimal(value or 0)


async def _consumed(session: AsyncSession, code: str) -> Decimal:
    found = await session.scalar(
        select(TradeScheme.consumed)
        .where(TradeScheme.code == code)
        .execution_options(populate_existing=True)
    )
    assert found is not None
    return found


async def _with_p10_and_b10g2(session: AsyncSession) -> PrimaryWorld:
    """SKUs at 1,000.00 and 500.00, a PRIMARY 10% on the first and a PRIMARY buy 10 get 2 on
    the second."""
    world = await make_primary_world(session, prices=(D("1000.00"), D("500.00")))
    p0, p1 = world.products
    await make_scheme(session, world.admin, "P10", flow=PRIMARY, product_ids=(p0.id,))
    await make_scheme(
        session,
        world.admin,
        "B10G2",
        SchemeKind.BUY_X_GET_Y,
        flow=PRIMARY,
        product_ids=(p1.id,),
        buy_quantity=10,
        free_quantity=2,
    )
    return world


async def test_percent_and_buy_x_get_y_price_the_order_and_the_invoice(
    session: AsyncSession,
) -> None:
    # given SKUs at 1,000.00 and 500.00, a PRIMARY 10% on the first, a PRIMARY buy 10 get 2 on
    # the second, and a SECONDARY 50% on everything (never for a primary order)
    world = await _with_p10_and_b10g2(session)
    p0, p1 = world.products
    await make_scheme(session, world.admin, "SEC50", percent=D(50))
    # when 10 units of each are ordered and the order approved
    order = await make_order(session, world, quantity=10)
    await approve_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    lines = (await lines_of(session, [order.id]))[order.id]
    # then the first line is 10% off, the second full price, and 2 units of it come free;
    # tax (PPN 12% of 11/12) is on the discounted value: 9,000 → 9,990; 5,000 → 5,550
    assert [(ln.line_no, ln.quantity, ln.discount, ln.gross, ln.is_free) for ln in lines] == [
        (1, 10, D("1000.00"), D("9990.00"), False),
        (2, 10, D("0.00"), D("5550.00"), False),
        (3, 2, D("0.00"), D("0.00"), True),
    ]
    assert lines[2].product_id == p1.id
    assert order.total == D("15540.00")
    explained = (
        await session.execute(
            select(PrimaryOrderLineScheme.line_id, PrimaryOrderLineScheme.scheme_code)
        )
    ).all()
    # (the qualifying line explains the free goods too, as on secondary invoices)
    assert sorted((code, line_id) for line_id, code in explained) == sorted(
        [("P10", lines[0].id), ("B10G2", lines[1].id), ("B10G2", lines[2].id)]
    )

    # when the order is invoiced
    invoice = await invoice_order(
        session, principal=world.admin, order_id=order.id, series="INV", issued_on=ORDER_DAY
    )
    billed = list(
        (
            await session.execute(
                select(BillingLine)
                .where(BillingLine.document_id == invoice.id)
                .order_by(BillingLine.line_no)
            )
        ).scalars()
    )
    # then the invoice carries the same discount and free line, tax on the discounted value
    assert [(b.product_id, b.quantity, b.discount, b.net, b.tax, b.is_free) for b in billed] == [
        (p0.id, 10, D("1000.00"), D("9000.00"), D("990.00"), False),
        (p1.id, 10, D("0.00"), D("5000.00"), D("550.00"), False),
        (p1.id, 2, D("0.00"), D("0.00"), D("0.00"), True),
    ]
    assert (invoice.discount, invoice.net, invoice.tax, invoice.total) == (
        D("1000.00"),
        D("14000.00"),
        D("1540.00"),
        D("15540.00"),
    )
    # each scheme's budget took its discount or the free goods' value; SEC50 nothing
    assert await _consumed(session, "P10") == D("1000.00")
    assert await _consumed(session, "B10G2") == D("1000.00")
    assert await _consumed(session, "SEC50") == D("0.00")
    given = (
        await session.execute(
            select(
                BillingLineScheme.scheme_code,
                BillingLineScheme.discount,
                BillingLineScheme.free_quantity,
                BillingLineScheme.free_value,
            ).order_by(BillingLineScheme.scheme_code)
        )
    ).all()
    assert sorted(tuple(g) for g in given) == [
        ("B10G2", D("0.00"), 0, D("0.00")),
        ("B10G2", D("0.00"), 2, D("1000.00")),
        ("P10", D("1000.00"), 0, D("0.00")),
    ]
    # the discount is posted as secondary billing posts it: revenue at the value before
    # schemes, the discount to scheme expense
    assert await _balance(session, "REVENUE") == D("-15000.00")
    assert await _balance(session, "SCHEME_EXPENSE") == D("1000.00")
    assert await _balance(session, "TAX_PAYABLE") == D("-1540.00")
    await assert_ledger_invariants(session, world.tenant.id)

    # when the order is cancelled before dispatch, the credit note reverses the discount and
    # the budgets get back what the invoice took
    await cancel_primary_order(
        session, principal=world.admin, order_id=order.id, reason="mistake", today=ORDER_DAY
    )
    assert await _balance(session, "SCHEME_EXPENSE") == D("0.00")
    assert await _consumed(session, "P10") == D("0.00")
    assert await _consumed(session, "B10G2") == D("0.00")
    await assert_ledger_invariants(session, world.tenant.id)


async def test_free_goods_follow_the_quantity_each_invoice_bills(session: AsyncSession) -> None:
    # given a PRIMARY buy 10 get 2 and an approved order of 10 units
    world = await make_primary_world(session)
    await make_scheme(
        session,
        world.admin,
        "B10G2",
        SchemeKind.BUY_X_GET_Y,
        flow=PRIMARY,
        buy_quantity=10,
        free_quantity=2,
    )
    order = await make_order(session, world, quantity=10)
    await approve_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    paid = (await lines_of(session, [order.id]))[order.id][0]
    # when only 6 units are invoiced first
    first = await invoice_order(
        session,
        principal=world.admin,
        order_id=order.id,
        series="INV",
        issued_on=ORDER_DAY,
        lines=[InvoiceLineRequest(paid.id, 6)],
    )
    second = await invoice_order(
        session, principal=world.admin, order_id=order.id, series="INV", issued_on=ORDER_DAY
    )
    # then neither part reaches the threshold: no free line on either invoice, and the order is
    # fully invoiced though its free line (the estimate) was never billed
    free = (
        await session.execute(select(BillingLine.document_id).where(BillingLine.is_free.is_(True)))
    ).all()
    assert free == []
    assert {first.discount, second.discount} == {D("0.00")}
    assert order.status.value == "INVOICED"
    assert await _consumed(session, "B10G2") == D("0.00")
    await assert_ledger_invariants(session, world.tenant.id)


async def test_a_free_line_disappears_when_its_scheme_stops_before_approval(
    session: AsyncSession,
) -> None:
    # given an order placed under a PRIMARY buy 10 get 2 (it shows a free line)
    world = await make_primary_world(session)
    scheme = await make_scheme(
        session,
        world.admin,
        "B10G2",
        SchemeKind.BUY_X_GET_Y,
        flow=PRIMARY,
        buy_quantity=10,
        free_quantity=2,
    )
    order = await make_order(session, world, quantity=10)
    assert [ln.is_free for ln in (await lines_of(session, [order.id]))[order.id]] == [False, True]
    # when the scheme is paused and the order approved
    await pause_scheme(session, principal=world.admin, scheme_id=scheme.id)
    await approve_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    # then the approved order has no free line and nothing explains one
    assert [ln.is_free for ln in (await lines_of(session, [order.id]))[order.id]] == [False]
    assert (await session.execute(select(PrimaryOrderLineScheme.id))).all() == []


async def test_eligibility_by_distributor_and_territory(session: AsyncSession) -> None:
    # given two distributors in different territories, a PRIMARY 10% for the second only and a
    # PRIMARY 5% limited to the first one's territory
    world = await make_primary_world(session)
    elsewhere = await make_territory(session, world.tenant)
    other = await make_distributor(session, world.tenant, elsewhere)
    await make_scheme(session, world.admin, "ONLY_OTHER", flow=PRIMARY, distributor_ids=(other.id,))
    home = world.distributor.territory_id
    await make_scheme(
        session, world.admin, "HOME5", flow=PRIMARY, percent=D(5), territory_ids=(home,)
    )
    # when each places the same order
    mine = await make_order(session, world, quantity=10)
    world.distributor = other
    theirs = await make_order(session, world, quantity=10)
    # then each line took only the scheme it is eligible for
    codes = {
        line_id: code
        for line_id, code in (
            await session.execute(
                select(PrimaryOrderLineScheme.line_id, PrimaryOrderLineScheme.scheme_code)
            )
        ).all()
    }
    mine_line = (await lines_of(session, [mine.id]))[mine.id][0]
    their_line = (await lines_of(session, [theirs.id]))[theirs.id][0]
    assert (codes[mine_line.id], mine_line.discount) == ("HOME5", D("500.00"))
    assert (codes[their_line.id], their_line.discount) == ("ONLY_OTHER", D("1000.00"))


async def test_a_primary_scheme_never_prices_a_retailer(session: AsyncSession) -> None:
    # given a PRIMARY and a SECONDARY scheme open to everyone
    w = await make_scheme_world(session)
    await make_scheme(session, w.admin, "PRI", flow=PRIMARY)
    await make_scheme(session, w.admin, "SEC")
    # when the schemes of a retailer are asked for
    found = await active_schemes(
        session,
        retailer_id=w.retailers[0].id,
        distributor_id=w.distributors[0].id,
        on=ORDER_DAY,
    )
    # then only the SECONDARY one applies
    assert [s.code for s in found] == ["SEC"]


async def test_a_return_credits_the_net_price_and_gives_the_budget_back(
    session: AsyncSession,
) -> None:
    # given an invoice of 10 units at 1,000.00 with a PRIMARY 10% (1,000.00 off the line) and
    # 10 units at 500.00 with a PRIMARY buy 10 get 2 (2 free units worth 1,000.00)
    world = await _with_p10_and_b10g2(session)
    p0, p1 = world.products
    order = await make_order(session, world, quantity=10)
    await approve_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    invoice = await invoice_order(
        session, principal=world.admin, order_id=order.id, series="INV", issued_on=ORDER_DAY
    )

    async def give_back(*lines: NoteLine) -> BillingDocument:
        draft = NoteDraft(
            DocumentKind.CREDIT_NOTE, invoice.id, NoteReason.RETURN, "CN", ORDER_DAY, lines
        )
        async with session.begin_nested():
            return await issue_note(
                session, principal=world.admin, draft=draft, idempotency_key=None
            )

    # when 3 of the discounted units come back
    note = await give_back(NoteLine(p0.id, 3, D("1000.00")))
    # then the note credits them net of their share of the discount (tax on the net), the
    # discount comes back off scheme expense and the budget gets it back
    assert (note.discount, note.net, note.total) == (D("300.00"), D("2700.00"), D("2997.00"))
    assert await _consumed(session, "P10") == D("700.00")
    assert await _balance(session, "SCHEME_EXPENSE") == D("700.00")
    # when the other 7 come back in two returns, the shares add up to the whole discount
    await give_back(NoteLine(p0.id, 4, D("1000.00")))
    await give_back(NoteLine(p0.id, 3, D("1000.00")))
    assert await _consumed(session, "P10") == D("0.00")
    assert await _balance(session, "SCHEME_EXPENSE") == D("0.00")
    # when paid units of the buy-10-get-2 SKU come back, the free goods' value stays consumed
    await give_back(NoteLine(p1.id, 4, D("500.00")))
    assert await _consumed(session, "B10G2") == D("1000.00")
    # and a return refuses free units, another price and no units, changing nothing
    for line, code, field in (
        (NoteLine(p1.id, 7, D("500.00")), "OVER_RETURNED", "input.lines[0].quantity"),
        (NoteLine(p1.id, 1, D("400.00")), "INVALID_INPUT", "input.lines[0].unitPrice"),
        (NoteLine(p1.id, 0, D("500.00")), "INVALID_INPUT", "input.lines[0].quantity"),
    ):
        with pytest.raises(JalurError) as refused:
            await give_back(line)
        assert (refused.value.code, refused.value.field) == (code, field)
    assert await _consumed(session, "B10G2") == D("1000.00")
    # the invoice is paid down by everything credited: 9,990 + 2,220 of 15,540
    assert invoice.open_amount == D("3330.00")
    await assert_ledger_invariants(session, world.tenant.id)
