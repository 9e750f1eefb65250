"""Numbering a secondary document in the distributor's own series and posting it to the
distributor's book in the shared double-entry journal."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from backend.kit.errors import ValidationFailed
from backend.ledger.models import AccountKind
from backend.ledger.numbering import fiscal_label, fiscal_year, format_number, take_number
from backend.ledger.posting import Leg, Source, post
from backend.orders.settings import primary_settings
from backend.secondary.models import SecondaryDocument, SecondaryDocumentKind, SecondarySettings

SOURCE_TYPE = "SECONDARY_DOCUMENT"
ZERO = Decimal("0.00")


def check_series(series: str, field: str = "input.series") -> None:
    """A series is 1 to 8 letters or digits."""
    if not series or len(series) > 8 or not series.isalnum():
        raise ValidationFailed("a series is 1 to 8 letters or digits", field=field)


async def new_document(
    session: AsyncSession,
    *,
    settings: SecondarySettings,
    kind: SecondaryDocumentKind,
    series: str,
    tenant_id: uuid.UUID,
    distributor_id: uuid.UUID,
    retailer_id: uuid.UUID,
    currency: str,
    issued_on: date,
    credit_days: int,
    actor_id: uuid.UUID | None,
    order_id: uuid.UUID | None = None,
    corrects_id: uuid.UUID | None = None,
) -> SecondaryDocument:
    """A document with the next number of the distributor's series (amounts still zero).

    The fiscal year follows the tenant's primary settings; the counter row is the distributor's
    own (same gap-free mechanism as the brand's series).
    """
    check_series(series)
    start_month = (await primary_settings(session, tenant_id)).fiscal_year_start_month
    fy = fiscal_year(issued_on, start_month)
    n = await take_number(
        session, tenant_id=tenant_id, series=series, fiscal_year=fy, owner_id=distributor_id
    )
    number = format_number(
        settings.number_format, series=series, fy=fiscal_label(fy, start_month), n=n
    )
    doc = SecondaryDocument(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        kind=kind,
        number=number,
        series=series,
        fiscal_year=fy,
        sequence=n,
        distributor_id=distributor_id,
        retailer_id=retailer_id,
        order_id=order_id,
        corrects_id=corrects_id,
        currency=currency,
        issued_on=issued_on,
        due_on=issued_on + timedelta(days=credit_days),
        gross=ZERO,
        discount=ZERO,
        net=ZERO,
        tax=ZERO,
        round_off=ZERO,
        total=ZERO,
        open_amount=ZERO,
        created_by=actor_id,
    )
    session.add(doc)
    await session.flush()
    return doc


def document_legs(doc: SecondaryDocument) -> list[Leg]:
    """In the distributor's book. Invoice: Dr retailer receivable (total), Dr scheme expense
    (discount), Cr revenue (gross), Cr tax payable, Cr round-off (debit when negative). Credit note
    (return): Cr receivable, Cr scheme expense, Dr sales returns (gross), Dr tax payable, Dr
    round-off. An on-account credit note (a QPS settlement: corrects nothing, no discount, no
    tax): Dr scheme expense (net), Cr receivable."""
    book = doc.distributor_id
    if doc.kind is SecondaryDocumentKind.CREDIT_NOTE and doc.corrects_id is None:
        return [
            Leg(AccountKind.RECEIVABLE, -doc.total, doc.retailer_id, book),
            Leg(AccountKind.SCHEME_EXPENSE, doc.net, None, book),
        ]
    sign = Decimal(-1) if doc.kind is SecondaryDocumentKind.CREDIT_NOTE else Decimal(1)
    gross_account = (
        AccountKind.SALES_RETURNS
        if doc.kind is SecondaryDocumentKind.CREDIT_NOTE
        else AccountKind.REVENUE
    )
    return [
        Leg(AccountKind.RECEIVABLE, sign * doc.total, doc.retailer_id, book),
        Leg(AccountKind.SCHEME_EXPENSE, sign * doc.discount, None, book),
        Leg(gross_account, -sign * doc.gross, None, book),
        Leg(AccountKind.TAX_PAYABLE, -sign * doc.tax, None, book),
        Leg(AccountKind.ROUND_OFF, -sign * doc.round_off, None, book),
    ]


async def post_document(
    session: AsyncSession, doc: SecondaryDocument, *, actor_id: uuid.UUID | None
) -> None:
    """Post the document once (a second posting is refused by the journal's unique source)."""
    await post(
        session,
        tenant_id=doc.tenant_id,
        source=Source(SOURCE_TYPE, doc.id),
        legs=document_legs(doc),
        posted_on=doc.issued_on,
        memo=f"{doc.kind.value} {doc.number}",
        currency=doc.currency,
        party_id=doc.retailer_id,
        actor_id=actor_id,
    )
