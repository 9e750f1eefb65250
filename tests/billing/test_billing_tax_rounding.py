"""Invoice-level tax rounding on primary documents: PPN rounded down once per rate and allocated
to the lines; GST per line to the paisa with the total rounded to the rupee and a round-off that
posts to its own ledger account."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.invoicing import invoice_order
from backend.billing.models import (
    BillingDocument,
    BillingLine,
    BillingLineTax,
    DocumentKind,
    NoteReason,
)
from backend.billing.notes import NoteDraft, NoteLine, issue_note
from backend.catalog.models import TaxClass
from backend.ledger.models import AccountKind, LedgerAccount
from backend.ledger.posting import account_key
from backend.orders.models import PrimarySettings
from backend.orders.placing import LineDraft, OrderDraft, place_order
from backend.orders.workflow import approve_order
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.orders import ORDER_DAY, PrimaryWorld, make_primary_world

D = Decimal


async def _invoice(session: AsyncSession, world: PrimaryWorld, **order: object) -> BillingDocument:
    placed = await place_order(
        session,
        principal=world.admin,
        idempotency_key=None,
        draft=OrderDraft(
            world.distributor.id,
            [LineDraft(p.id, 1) for p in world.products],
            ORDER_DAY,
            submit=True,
            **order,  # type: ignore[arg-type]
        ),
    )
    await approve_order(session, principal=world.admin, order_id=placed.id, today=ORDER_DAY)
    return await invoice_order(
        session, principal=world.admin, order_id=placed.id, series="INV", issued_on=ORDER_DAY
    )


async def _lines(session: AsyncSession, doc_id: uuid.UUID) -> list[tuple[D, D]]:
    rows = await session.execute(
        select(BillingLine.net, BillingLine.tax)
        .where(BillingLine.document_id == doc_id)
        .order_by(BillingLine.line_no)
    )
    return [(net, tax) for net, tax in rows.all()]


async def _components(session: AsyncSession, doc_id: uuid.UUID) -> list[tuple[str, D, D]]:
    rows = await session.execute(
        select(BillingLineTax.name, BillingLineTax.base, BillingLineTax.amount)
        .join(BillingLine, BillingLine.id == BillingLineTax.line_id)
        .where(BillingLineTax.document_id == doc_id)
        .order_by(BillingLine.line_no, BillingLineTax.name)
    )
    return [(name, base, amount) for name, base, amount in rows.all()]


async def _balance(session: AsyncSession, tenant_id: uuid.UUID, kind: AccountKind) -> D:
    value = await session.scalar(
        select(LedgerAccount.balance)
        .where(LedgerAccount.tenant_id == tenant_id, LedgerAccount.key == account_key(kind, None))
        .execution_options(populate_existing=True)
    )
    return D(value if value is not None else 0)


async def test_ppn_invoice_rounds_down_once_and_its_lines_add_up_to_it(
    session: AsyncSession,
) -> None:
    # given three ordinary SKUs at Rp 1,009 (exact PPN per line 1,009 x 11/12 x 12% = 110.99)
    world = await make_primary_world(session, prices=(D("1009.00"),) * 3)
    # when one unit of each is invoiced
    invoice = await _invoice(session, world)
    # then the PPN is floor(332.97) = 332 once for the invoice — per-line cents would give 332.97
    # and per-line rupiahs 330 — allocated 111 + 111 + 110 to the lines
    assert (invoice.net, invoice.tax, invoice.round_off, invoice.total) == (
        D("3027.00"),
        D("332.00"),
        D("0.00"),
        D("3359.00"),
    )
    assert await _lines(session, invoice.id) == [
        (D("1009.00"), D("111.00")),
        (D("1009.00"), D("111.00")),
        (D("1009.00"), D("110.00")),
    ]
    assert await _components(session, invoice.id) == [
        ("PPN", D("924.92"), D("111.00")),
        ("PPN", D("924.92"), D("111.00")),
        ("PPN", D("924.92"), D("110.00")),
    ]
    summed = await session.scalar(
        select(func.sum(BillingLineTax.amount)).where(BillingLineTax.document_id == invoice.id)
    )
    assert summed == invoice.tax
    assert await _balance(session, world.tenant.id, AccountKind.TAX_PAYABLE) == D("-332.00")
    assert await _balance(session, world.tenant.id, AccountKind.ROUND_OFF) == D("0.00")
    await assert_ledger_invariants(session, world.tenant.id)


async def test_gst_rounds_the_total_to_the_rupee_and_posts_the_round_off(
    session: AsyncSession,
) -> None:
    # given an Indian tenant at home in KA with SKUs at 18% (Rs 99.99) and 5% (Rs 33.33)
    world = await make_primary_world(session, prices=(D("99.99"), D("33.33")))
    world.tenant.tax_regime = "IN_GST"
    settings = await session.get_one(PrimarySettings, world.tenant.id)
    settings.home_state = "KA"
    world.products[0].tax_class, world.products[1].tax_class = TaxClass.GST_18, TaxClass.GST_5
    await session.flush()
    # when an order supplied inside KA is invoiced
    invoice = await _invoice(session, world, place_of_supply="KA")
    # then CGST and SGST stay per line to the paisa (9.00 + 9.00, 0.83 + 0.83) and the total
    # 152.98 is rounded to 153.00 with a round-off of +0.02
    assert await _components(session, invoice.id) == [
        ("CGST", D("99.99"), D("9.00")),
        ("SGST", D("99.99"), D("9.00")),
        ("CGST", D("33.33"), D("0.83")),
        ("SGST", D("33.33"), D("0.83")),
    ]
    assert (invoice.net, invoice.tax, invoice.round_off, invoice.total, invoice.open_amount) == (
        D("133.32"),
        D("19.66"),
        D("0.02"),
        D("153.00"),
        D("153.00"),
    )
    assert await _balance(session, world.tenant.id, AccountKind.ROUND_OFF) == D("-0.02")
    # when a price difference of Rs 10.40 on the 18% SKU is credited
    note = await issue_note(
        session,
        principal=world.admin,
        idempotency_key=None,
        draft=NoteDraft(
            DocumentKind.CREDIT_NOTE,
            invoice.id,
            NoteReason.PRICE_DIFFERENCE,
            "CN",
            ORDER_DAY,
            [NoteLine(world.products[0].id, 0, D("10.40"))],
        ),
    )
    # then it is taxed like the invoice (0.94 + 0.94) and 12.28 rounds to 12.00 (round-off
    # −0.28, a debit to the round-off account on a credit note's reversed sides)
    assert (note.net, note.tax, note.round_off, note.total) == (
        D("10.40"),
        D("1.88"),
        D("-0.28"),
        D("12.00"),
    )
    assert invoice.open_amount == D("141.00")
    assert await _balance(session, world.tenant.id, AccountKind.ROUND_OFF) == D("-0.30")
    assert await _balance(session, world.tenant.id, AccountKind.TAX_PAYABLE) == D("-17.78")
    await assert_ledger_invariants(session, world.tenant.id)
