"""Issuing a numbered document (invoice, credit note, debit note) and posting it to the ledger.

Lock order of everything that bills a distributor (so concurrent work cannot deadlock): the
order, then payments with money on account, then documents (in primary-key order), then the
number counter, then ledger accounts (in id order). Row locks are FOR NO KEY UPDATE: inserting a
row that references a locked one (a note, a line, an allocation) only needs KEY SHARE.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.models import (
    BillingDocument,
    BillingLine,
    BillingLineScheme,
    BillingLineTax,
    DocumentKind,
    NoteReason,
)
from backend.ledger.models import AccountKind
from backend.ledger.numbering import fiscal_label, fiscal_year, format_number, take_number
from backend.ledger.posting import Leg, Source, post
from backend.orders.models import PrimarySettings
from backend.orders.schemes import SchemeGiven
from backend.pricing.tax import LineTax, document_tax

ZERO = Decimal("0.00")
# Where the net of a note goes: returns, price differences and cancellations reduce sales; claims
# are expenses, scheme reimbursements the scheme's.
NOTE_NET_ACCOUNT = {
    NoteReason.RETURN: AccountKind.SALES_RETURNS,
    NoteReason.PRICE_DIFFERENCE: AccountKind.REVENUE,
    NoteReason.CLAIM_SETTLEMENT: AccountKind.CLAIMS_EXPENSE,
    NoteReason.SCHEME_REIMBURSEMENT: AccountKind.SCHEME_EXPENSE,
    NoteReason.CANCELLATION: AccountKind.REVENUE,
    NoteReason.OTHER: AccountKind.REVENUE,
}


@dataclass(frozen=True)
class PricedLine:
    """A line ready to bill: what, how many, at what price, the scheme discount taken off it,
    its taxes (on the discounted value), and the schemes that gave the discount or the goods of
    a free line."""

    product_id: uuid.UUID
    quantity: int
    unit_price: Decimal
    tax: LineTax
    order_line_id: uuid.UUID | None = None
    discount: Decimal = ZERO
    is_free: bool = False
    schemes: tuple[SchemeGiven, ...] = ()


@dataclass(frozen=True)
class Header:
    """Who the document is for and what it is."""

    kind: DocumentKind
    series: str
    distributor_id: uuid.UUID
    currency: str
    issued_on: date
    credit_days: int
    order_id: uuid.UUID | None = None
    corrects_id: uuid.UUID | None = None
    reason: NoteReason | None = None
    claim_id: uuid.UUID | None = None  # on-account credit notes: the claim they settle


async def issue_document(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    actor_id: uuid.UUID,
    settings: PrimarySettings,
    regime: str,
    header: Header,
    lines: Sequence[PricedLine],
) -> BillingDocument:
    """Number, save and post a document in the caller's transaction; the regime's
    document-level tax rule (`document_tax`) sets the taxes shown per line."""
    taxed = document_tax(regime, [line.tax for line in lines])
    lines = [replace(line, tax=tax) for line, tax in zip(lines, taxed.lines, strict=True)]
    doc = await _numbered(
        session,
        tenant_id=tenant_id,
        settings=settings,
        header=header,
        discount=sum((line.discount for line in lines), ZERO),
        net=taxed.net,
        tax=taxed.tax,
        round_off=taxed.round_off,
    )
    rows = [
        BillingLine(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            document_id=doc.id,
            line_no=n,
            order_line_id=line.order_line_id,
            product_id=line.product_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            is_free=line.is_free,
            net=line.tax.net,
            tax_label=line.tax.rate_label,
            tax=line.tax.tax,
        )
        for n, line in enumerate(lines, start=1)
    ]
    session.add_all(rows)
    await session.flush()
    session.add_all(
        BillingLineTax(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            document_id=doc.id,
            line_id=row.id,
            name=component.name,
            rate=component.rate,
            base=component.base,
            amount=component.amount,
        )
        for row, line in zip(rows, lines, strict=True)
        for component in line.tax.components
    )
    session.add_all(
        BillingLineScheme(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            document_id=doc.id,
            line_id=row.id,
            scheme_code=given.code[:40],
            scheme_kind=given.kind[:20],
            discount=given.discount,
            free_quantity=given.free_quantity,
            free_value=given.free_value,
            explanation=given.explanation[:300],
        )
        for row, line in zip(rows, lines, strict=True)
        for given in line.schemes
    )
    await session.flush()
    await _post(session, doc, actor_id)
    return doc


async def issue_on_account_note(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    actor_id: uuid.UUID,
    settings: PrimarySettings,
    header: Header,
    amount: Decimal,
) -> BillingDocument:
    """Number, save and post a credit note that corrects no invoice (no SKU lines): `amount` is
    its net and total, with no separate tax and no round-off (the amount is taken as tax
    inclusive; see `backend.billing.notes.create_on_account_note`). Open amount = the total;
    the caller allocates it."""
    assert header.kind is DocumentKind.CREDIT_NOTE and header.corrects_id is None
    doc = await _numbered(
        session,
        tenant_id=tenant_id,
        settings=settings,
        header=header,
        net=amount,
        tax=ZERO,
        round_off=ZERO,
    )
    await _post(session, doc, actor_id)
    return doc


async def _numbered(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    settings: PrimarySettings,
    header: Header,
    net: Decimal,
    tax: Decimal,
    round_off: Decimal,
    discount: Decimal = ZERO,
) -> BillingDocument:
    """Take the series' next number (gap-free) and save the document header."""
    fy = fiscal_year(header.issued_on, settings.fiscal_year_start_month)
    n = await take_number(session, tenant_id=tenant_id, series=header.series, fiscal_year=fy)
    number = format_number(
        settings.number_format,
        series=header.series,
        fy=fiscal_label(fy, settings.fiscal_year_start_month),
        n=n,
    )
    total = net + tax + round_off
    doc = BillingDocument(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        kind=header.kind,
        number=number,
        series=header.series,
        fiscal_year=fy,
        sequence=n,
        distributor_id=header.distributor_id,
        order_id=header.order_id,
        corrects_id=header.corrects_id,
        claim_id=header.claim_id,
        reason=header.reason,
        currency=header.currency,
        issued_on=header.issued_on,
        due_on=header.issued_on + timedelta(days=header.credit_days),
        discount=discount,
        net=net,
        tax=tax,
        round_off=round_off,
        total=total,
        open_amount=total,
    )
    session.add(doc)
    await session.flush()
    return doc


async def _post(session: AsyncSession, doc: BillingDocument, actor_id: uuid.UUID) -> None:
    await post(
        session,
        tenant_id=doc.tenant_id,
        source=Source("BILLING_DOCUMENT", doc.id),
        legs=document_legs(doc),
        posted_on=doc.issued_on,
        memo=f"{doc.kind.value} {doc.number}",
        currency=doc.currency,
        party_id=doc.distributor_id,
        actor_id=actor_id,
    )


def document_legs(doc: BillingDocument) -> list[Leg]:
    """Invoice/debit note: Dr receivable (total), Dr scheme expense (the PRIMARY scheme
    discount), Cr revenue (net + discount: the value before schemes), tax and round-off (a
    negative round-off is a debit); a credit note the other way (as secondary billing posts)."""
    sign = Decimal(-1) if doc.kind is DocumentKind.CREDIT_NOTE else Decimal(1)
    net_account = AccountKind.REVENUE
    if doc.kind is DocumentKind.CREDIT_NOTE and doc.reason is not None:
        net_account = NOTE_NET_ACCOUNT[doc.reason]
    return [
        Leg(AccountKind.RECEIVABLE, sign * doc.total, doc.distributor_id),
        Leg(AccountKind.SCHEME_EXPENSE, sign * doc.discount),
        Leg(net_account, -sign * (doc.net + doc.discount)),
        Leg(AccountKind.TAX_PAYABLE, -sign * doc.tax),
        Leg(AccountKind.ROUND_OFF, -sign * doc.round_off),
    ]
