"""Sales returns (window, batch, quantity; restock or write-off; credit note) and schemes applied
at billing (discounts and free goods per line, budgets, ledger)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.inventory.models import DistributorStock
from backend.ledger.models import AccountKind, JournalEntry, LedgerAccount
from backend.ledger.posting import account_key
from backend.schemes.rules import ProductScope, Scheme, SchemeKind
from backend.secondary.billing import bill_order
from backend.secondary.errors import ReturnNotAllowed
from backend.secondary.models import (
    ReturnReason,
    SalesReturn,
    SecondaryDocument,
    SecondaryLine,
    SecondaryLineBatch,
    SecondaryLineScheme,
)
from backend.secondary.returns import ReturnDraft, ReturnLineDraft, record_return
from backend.secondary.schemes import NO_SCHEMES, StaticSchemes
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.secondary import (
    SALE_DAY,
    SecondaryWorld,
    desk_order,
    make_secondary_world,
    receive,
)

D = Decimal


async def _invoice(
    session: AsyncSession, world: SecondaryWorld
) -> tuple[SecondaryDocument, SecondaryLine]:
    # 6 units of SKU 0: 4 from batch SOON, 2 from batch LATE
    await receive(session, world, world.products[0], "SOON", 4, date(2026, 12, 1))
    await receive(session, world, world.products[0], "LATE", 10, date(2027, 6, 1))
    order = await desk_order(session, world, [6, 0])
    doc = await bill_order(
        session, principal=world.desk, order_id=order.id, issued_on=SALE_DAY, schemes=NO_SCHEMES
    )
    line = (
        await session.execute(select(SecondaryLine).where(SecondaryLine.document_id == doc.id))
    ).scalar_one()
    return doc, line


async def _stock(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(DistributorStock.batch, DistributorStock.quantity).execution_options(
            populate_existing=True
        )
    )
    return dict(rows.all())


async def _count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_restocking_return_issues_a_credit_note_against_the_invoice(
    session: AsyncSession,
) -> None:
    world = await make_secondary_world(session)
    invoice, line = await _invoice(session, world)
    # when 3 units of batch SOON come back as excess stock
    note = await record_return(
        session,
        principal=world.desk,
        schemes=NO_SCHEMES,
        idempotency_key=None,
        draft=ReturnDraft(
            invoice.id,
            ReturnReason.EXCESS_STOCK,
            SALE_DAY + timedelta(days=3),
            [ReturnLineDraft(line.id, "SOON", 3)],
        ),
    )
    # then the batch is restocked and a credit note of 3 × 1,100 + PPN reduces the invoice
    assert await _stock(session) == {"SOON": 3, "LATE": 8}
    assert (note.number, note.gross, note.tax, note.total) == (
        "SR202600001",
        D("3300.00"),
        D("363.00"),
        D("3663.00"),
    )
    assert note.corrects_id == invoice.id and note.open_amount == D("0.00")
    assert invoice.open_amount == D("7326.00") - D("3663.00")
    book = world.distributor.id
    returns = await session.scalar(
        select(LedgerAccount.balance).where(
            LedgerAccount.key == account_key(AccountKind.SALES_RETURNS, None, book)
        )
    )
    assert returns == D("3300.00")
    await assert_ledger_invariants(session, world.tenant.id)


async def test_a_damaged_return_is_written_off(session: AsyncSession) -> None:
    world = await make_secondary_world(session)
    invoice, line = await _invoice(session, world)
    await record_return(
        session,
        principal=world.desk,
        schemes=NO_SCHEMES,
        idempotency_key=None,
        draft=ReturnDraft(
            invoice.id, ReturnReason.DAMAGED, SALE_DAY, [ReturnLineDraft(line.id, "LATE", 2)]
        ),
    )
    # the goods do not go back into sellable stock, the return says so
    assert await _stock(session) == {"SOON": 0, "LATE": 8}
    restocked = await session.scalar(select(SalesReturn.restocked))
    assert restocked is False


@pytest.mark.parametrize(
    ("batch", "quantity", "days", "field"),
    [
        ("LATE", 3, 1, "input.lines[0].quantity"),  # only 2 of LATE were sold
        ("OTHER", 1, 1, "input.lines[0].batch"),  # this invoice never sold that batch
        ("SOON", 1, 31, "input.returnedOn"),  # outside the 30-day window
    ],
)
async def test_ineligible_returns_are_refused_and_change_nothing(
    session: AsyncSession, batch: str, quantity: int, days: int, field: str
) -> None:
    world = await make_secondary_world(session)
    invoice, line = await _invoice(session, world)
    before = (
        await _stock(session),
        await _count(session, SecondaryDocument),
        await _count(session, JournalEntry),
    )
    with pytest.raises(ReturnNotAllowed) as refused:
        await record_return(
            session,
            principal=world.desk,
            schemes=NO_SCHEMES,
            idempotency_key=None,
            draft=ReturnDraft(
                invoice.id,
                ReturnReason.WRONG_ITEM,
                SALE_DAY + timedelta(days=days),
                [ReturnLineDraft(line.id, batch, quantity)],
            ),
        )
    assert refused.value.field == field
    after = (
        await _stock(session),
        await _count(session, SecondaryDocument),
        await _count(session, JournalEntry),
    )
    assert after == before
    returned = await session.scalar(select(func.sum(SecondaryLineBatch.returned_quantity)))
    assert returned == 0


async def test_returns_never_exceed_what_was_sold_across_several_returns(
    session: AsyncSession,
) -> None:
    world = await make_secondary_world(session)
    invoice, line = await _invoice(session, world)
    draft = ReturnDraft(
        invoice.id, ReturnReason.EXPIRED, SALE_DAY, [ReturnLineDraft(line.id, "SOON", 3)]
    )
    await record_return(
        session, principal=world.desk, draft=draft, schemes=NO_SCHEMES, idempotency_key=None
    )
    with pytest.raises(ReturnNotAllowed) as refused:
        await record_return(
            session, principal=world.desk, draft=draft, schemes=NO_SCHEMES, idempotency_key=None
        )
    assert refused.value.details == {"sold": 4, "returned": 3}


SCHEMES = [
    Scheme(
        code="PCT5",
        kind=SchemeKind.PERCENT_DISCOUNT,
        valid_from=date(2026, 11, 1),
        valid_to=date(2026, 11, 30),
        percent=D("5"),
    ),
    Scheme(
        code="B5G1",
        kind=SchemeKind.BUY_X_GET_Y,
        valid_from=date(2026, 11, 1),
        valid_to=date(2026, 11, 30),
        buy_quantity=5,
        free_quantity=1,
    ),
    Scheme(
        code="DEC",
        kind=SchemeKind.PERCENT_DISCOUNT,
        valid_from=date(2026, 12, 1),
        valid_to=date(2026, 12, 31),
        percent=D("50"),
    ),
]


async def test_schemes_discount_lines_give_free_goods_and_spend_budgets(
    session: AsyncSession,
) -> None:
    # given a 5% discount and buy-5-get-1 on SKU 0 only, and a December scheme not yet valid
    world = await make_secondary_world(session)
    sku0 = world.products[0].sku
    schemes = [
        SCHEMES[0],
        Scheme(**{**SCHEMES[1].__dict__, "scope": ProductScope(skus=frozenset({sku0}))}),
        SCHEMES[2],
    ]
    source = StaticSchemes(schemes)
    await receive(session, world, world.products[0], "B1", 20, None)
    await receive(session, world, world.products[1], "B1", 20, None)
    order = await desk_order(session, world, [10, 2])
    # when billed
    doc = await bill_order(
        session, principal=world.desk, order_id=order.id, issued_on=SALE_DAY, schemes=source
    )
    # then each line carries its 5% and SKU 0 earns 2 free units, taken from stock
    lines = (
        await session.execute(
            select(
                SecondaryLine.line_no,
                SecondaryLine.quantity,
                SecondaryLine.gross,
                SecondaryLine.discount,
                SecondaryLine.is_free,
            )
            .where(SecondaryLine.document_id == doc.id)
            .order_by(SecondaryLine.line_no)
        )
    ).all()
    assert lines == [
        (1, 10, D("11000.00"), D("550.00"), False),
        (2, 2, D("4400.00"), D("220.00"), False),
        (3, 2, D("0.00"), D("0.00"), True),
    ]
    stock = dict(
        (
            await session.execute(
                select(DistributorStock.product_id, DistributorStock.quantity).execution_options(
                    populate_existing=True
                )
            )
        ).all()
    )
    assert stock == {world.products[0].id: 8, world.products[1].id: 18}
    applied = (
        await session.execute(
            select(
                SecondaryLine.line_no,
                SecondaryLineScheme.scheme_code,
                SecondaryLineScheme.discount,
                SecondaryLineScheme.free_quantity,
            )
            .join(SecondaryLine, SecondaryLine.id == SecondaryLineScheme.line_id)
            .order_by(SecondaryLine.line_no, SecondaryLineScheme.scheme_code)
        )
    ).all()
    # (the line that earned the free goods carries the scheme's explanation at 0 discount)
    assert applied == [
        (1, "B5G1", D("0.00"), 0),
        (1, "PCT5", D("550.00"), 0),
        (2, "PCT5", D("220.00"), 0),
        (3, "B5G1", D("0.00"), 2),
    ]
    # and the budgets spent are the discounts and the free goods' value (2 × 1,100.00)
    assert source.consumed == {"PCT5": D("770.00"), "B5G1": D("2200.00")}
    # the invoice: gross 15,400, discount 770, net 14,630, PPN 14,630 x 11% = 1,609.30 rounded
    # down once to the rupiah (e-Faktur) = 1,609; the lines' PPN add up to it
    assert (doc.gross, doc.discount, doc.net, doc.tax, doc.total) == (
        D("15400.00"),
        D("770.00"),
        D("14630.00"),
        D("1609.00"),
        D("16239.00"),
    )
    expense = await session.scalar(
        select(LedgerAccount.balance).where(
            LedgerAccount.key == account_key(AccountKind.SCHEME_EXPENSE, None, world.distributor.id)
        )
    )
    assert expense == D("770.00")
    await assert_ledger_invariants(session, world.tenant.id)
