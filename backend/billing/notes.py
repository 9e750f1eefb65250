"""Credit notes (returns, price differences, claim settlements) and debit notes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.billing.documents import Header, PricedLine, issue_document
from backend.billing.errors import OverAllocated
from backend.billing.models import BillingDocument, DocumentKind, NoteReason
from backend.billing.repository import lock_document
from backend.catalog.models import Product
from backend.identity.models import Role, Tenant
from backend.kit.errors import NotFound, ValidationFailed
from backend.kit.idempotency import run_once
from backend.orders.settings import primary_settings
from backend.parties.models import Distributor
from backend.pricing.tax import line_tax


@dataclass(frozen=True)
class NoteLine:
    """A SKU, quantity and unit amount the note credits or debits."""

    product_id: uuid.UUID
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class NoteDraft:
    """A note correcting one invoice."""

    kind: DocumentKind
    corrects_id: uuid.UUID
    reason: NoteReason
    series: str
    issued_on: date
    lines: Sequence[NoteLine]


async def issue_note(
    session: AsyncSession, *, principal: Principal, draft: NoteDraft, idempotency_key: str | None
) -> BillingDocument:
    """Issue a credit or debit note against an invoice and post it; retries return the first."""
    principal.require(Role.ADMIN)
    if draft.kind is DocumentKind.INVOICE:
        raise ValidationFailed("a note is a credit or a debit note", field="input.kind")

    async def create() -> uuid.UUID:
        return (await create_note(session, principal=principal, draft=draft)).id

    doc_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="issueNote",
        payload=asdict(draft),
        create=create,
    )
    return await session.get_one(BillingDocument, doc_id)


async def create_note(
    session: AsyncSession, *, principal: Principal, draft: NoteDraft
) -> BillingDocument:
    """Issue the note in the caller's transaction; a credit note pays down the invoice first."""
    invoice = await lock_document(session, principal, draft.corrects_id)
    if invoice is None or invoice.kind is not DocumentKind.INVOICE:
        raise NotFound("no such invoice", field="input.correctsId")
    lines = await _priced(session, principal, invoice, draft.lines)
    settings = await primary_settings(session, principal.tenant_id)
    distributor = await session.get_one(Distributor, invoice.distributor_id)
    header = Header(
        kind=draft.kind,
        series=draft.series,
        distributor_id=invoice.distributor_id,
        currency=invoice.currency,
        issued_on=draft.issued_on,
        credit_days=distributor.credit_days,
        order_id=invoice.order_id,
        corrects_id=invoice.id,
        reason=draft.reason,
    )
    if draft.kind is DocumentKind.CREDIT_NOTE:
        credited = await _credited_so_far(session, invoice.id)
        total = sum((line.tax.gross for line in lines), Decimal(0))
        if credited + total > invoice.total:
            raise OverAllocated(
                f"credit notes would exceed the invoice total {invoice.total}", field="input.lines"
            )
    note = await issue_document(
        session,
        tenant_id=principal.tenant_id,
        actor_id=principal.user_id,
        settings=settings,
        header=header,
        lines=lines,
    )
    if note.kind is DocumentKind.CREDIT_NOTE:
        applied = min(invoice.open_amount, note.total)
        invoice.open_amount -= applied
        note.open_amount = note.total - applied
        await session.flush()
    return note


async def _credited_so_far(session: AsyncSession, invoice_id: uuid.UUID) -> Decimal:
    stmt = select(BillingDocument.total).where(
        BillingDocument.corrects_id == invoice_id,
        BillingDocument.kind == DocumentKind.CREDIT_NOTE,
    )
    return sum((Decimal(t) for t in (await session.execute(stmt)).scalars()), Decimal(0))


async def _priced(
    session: AsyncSession,
    principal: Principal,
    invoice: BillingDocument,
    lines: Sequence[NoteLine],
) -> list[PricedLine]:
    if not lines:
        raise ValidationFailed("give at least one line", field="input.lines")
    tenant = await session.get_one(Tenant, principal.tenant_id)
    ids = [line.product_id for line in lines]
    products = {
        p.id: p
        for p in (await session.execute(select(Product).where(Product.id.in_(ids)))).scalars()
    }
    priced = []
    for i, line in enumerate(lines):
        product = products.get(line.product_id)
        if product is None:
            raise NotFound("unknown SKU", field=f"input.lines[{i}].productId")
        if line.quantity < 0 or line.unit_price <= 0:
            raise ValidationFailed("quantity ≥ 0 and a positive amount", field=f"input.lines[{i}]")
        net = line.unit_price * max(line.quantity, 1)
        tax = line_tax(tenant.tax_regime, product.tax_class, net)
        priced.append(PricedLine(product.id, line.quantity, line.unit_price, tax))
    return priced
