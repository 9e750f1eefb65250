"""Credit notes (returns, price differences, claim settlements) and debit notes.

A return is priced from the invoice it corrects, as secondary returns are: each unit at its
invoice line's price, less the returned share of the line's PRIMARY scheme discount, counted on
the line's cumulative returns (so the cents add up to the line's discount when everything comes
back); that share of each scheme's discount goes back to the scheme's budget. Free goods are
not returned: their value stays consumed.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.billing.documents import Header, PricedLine, issue_document, issue_on_account_note
from backend.billing.errors import OverAllocated, OverReturned
from backend.billing.models import (
    BillingDocument,
    BillingLine,
    BillingLineScheme,
    DocumentKind,
    NoteAllocation,
    NoteReason,
)
from backend.billing.payments import (
    apply_allocations,
    apply_on_account,
    lock_on_account,
    lock_open_documents,
    plan_allocations,
)
from backend.billing.repository import documents_by_ids, lock_document
from backend.catalog.models import Product
from backend.identity.models import Role, Tenant
from backend.inventory.models import MovementKind
from backend.inventory.service import StockKey, move_stock
from backend.kit.errors import NotFound, ValidationFailed
from backend.kit.idempotency import run_once_row
from backend.orders.models import PrimaryOrder
from backend.orders.settings import primary_settings
from backend.parties.models import Distributor
from backend.parties.repository import distributors_by_ids
from backend.pricing.tax import document_tax, line_tax, to_cents
from backend.schemes.service import release_scheme_budget


@dataclass(frozen=True)
class NoteLine:
    """A SKU, quantity and unit amount the note credits or debits, less the scheme discount
    the corrected line took (a cancellation credits an invoice line as it was billed; a return
    must name the invoiced price, and its discount is derived from the invoice)."""

    product_id: uuid.UUID
    quantity: int
    unit_price: Decimal
    batch: str | None = None
    discount: Decimal = Decimal("0.00")


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

    return await run_once_row(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="issueNote",
        payload=asdict(draft),
        work=lambda: create_note(session, principal=principal, draft=draft),
        load=lambda row_id: session.get_one(BillingDocument, row_id),
    )


async def create_note(
    session: AsyncSession, *, principal: Principal, draft: NoteDraft
) -> BillingDocument:
    """Issue the note in the caller's transaction; a credit note pays down the invoice first."""
    # Lock order: money on account (debit notes use it) before the invoice.
    seen = await documents_by_ids(session, principal, [draft.corrects_id])
    on_account = []
    if seen and draft.kind is DocumentKind.DEBIT_NOTE:
        on_account = await lock_on_account(session, seen[0].distributor_id)
    invoice = await lock_document(session, principal, draft.corrects_id)
    if invoice is None or invoice.kind is not DocumentKind.INVOICE:
        raise NotFound("no such invoice", field="input.correctsId")
    settings = await primary_settings(session, principal.tenant_id)
    intra = await _intra_state(session, invoice, settings.home_state)
    returning = draft.kind is DocumentKind.CREDIT_NOTE and draft.reason is NoteReason.RETURN
    given: Sequence[NoteLine] = draft.lines
    released: dict[str, Decimal] = {}
    if returning:
        given, released = await _returned(session, invoice, draft.lines)
    lines = await _priced(session, principal, given, intra_state=intra)
    regime = (await session.get_one(Tenant, principal.tenant_id)).tax_regime
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
        total = document_tax(regime, [line.tax for line in lines]).total
        if credited + total > invoice.total:
            raise OverAllocated(
                f"credit notes would exceed the invoice total {invoice.total}", field="input.lines"
            )
    note = await issue_document(
        session,
        tenant_id=principal.tenant_id,
        actor_id=principal.user_id,
        settings=settings,
        regime=regime,
        header=header,
        lines=lines,
    )
    if returning:
        await _take_back(session, invoice, note, given)
        await release_scheme_budget(session, amounts=released)
    if note.kind is DocumentKind.DEBIT_NOTE:
        await apply_on_account(session, note, on_account)
    if note.kind is DocumentKind.CREDIT_NOTE:
        applied = min(invoice.open_amount, note.total)
        invoice.open_amount -= applied
        note.open_amount = note.total - applied
        await session.flush()
    return note


@dataclass(frozen=True)
class OnAccountNoteDraft:
    """A credit note to a distributor that corrects no invoice: an amount, a reason, a source."""

    distributor_id: uuid.UUID
    amount: Decimal
    reason: NoteReason
    series: str
    issued_on: date
    claim_id: uuid.UUID | None = None


async def create_on_account_note(
    session: AsyncSession, *, principal: Principal, draft: OnAccountNoteDraft
) -> BillingDocument:
    """Issue an on-account credit note in the caller's transaction and apply it to the
    distributor's open invoices and debit notes oldest first; the rest stays on the note as
    credit on account (it shows in the statement's balance, not in ageing).

    Tax: an on-account note has no SKU lines, so there is no tax class to tax it by. Its amount
    (a scheme reimbursement: money the distributor gave away on the brand's behalf, already
    net of whatever tax the retailer paid on the discounted price) is taken as tax inclusive:
    net = total = amount, tax 0, no round-off. Posting as every credit note of its reason:
    Dr the reason's account (`NOTE_NET_ACCOUNT`: SCHEME_REIMBURSEMENT → SCHEME_EXPENSE),
    Cr the distributor's receivable.

    Lock order as all billing: documents (the open ones, in primary-key order), then the number
    counter, then ledger accounts.
    """
    if draft.amount <= 0 or draft.amount != draft.amount.quantize(Decimal("0.01")):
        raise ValidationFailed("a positive amount in cents", field="input.amount")
    if not draft.series or len(draft.series) > 8 or not draft.series.isalnum():
        raise ValidationFailed("a series is 1 to 8 letters or digits", field="input.series")
    found = await distributors_by_ids(session, principal, [draft.distributor_id])
    if not found:
        raise NotFound("no such distributor", field="input.distributorId")
    docs = await lock_open_documents(session, draft.distributor_id)
    settings = await primary_settings(session, principal.tenant_id)
    note = await issue_on_account_note(
        session,
        tenant_id=principal.tenant_id,
        actor_id=principal.user_id,
        settings=settings,
        header=Header(
            kind=DocumentKind.CREDIT_NOTE,
            series=draft.series,
            distributor_id=draft.distributor_id,
            currency=found[0].currency,
            issued_on=draft.issued_on,
            credit_days=0,
            reason=draft.reason,
            claim_id=draft.claim_id,
        ),
        amount=draft.amount,
    )
    note.open_amount -= apply_allocations(
        session,
        docs,
        plan_allocations([(d.id, d.open_amount) for d in docs], note.open_amount, None),
        NoteAllocation,
        tenant_id=principal.tenant_id,
        note_id=note.id,
    )
    await session.flush()
    return note


async def _returned(
    session: AsyncSession, invoice: BillingDocument, lines: Sequence[NoteLine]
) -> tuple[list[NoteLine], dict[str, Decimal]]:
    """Price a return from the invoice (module docstring); return its lines and what each
    PRIMARY scheme gets back. No more units of a SKU than invoiced (free goods aside) less
    already returned; returned units fill the SKU's invoice lines in line order."""
    billed = list(
        (
            await session.execute(
                select(BillingLine)
                .where(BillingLine.document_id == invoice.id, BillingLine.is_free.is_(False))
                .order_by(BillingLine.line_no)
            )
        ).scalars()
    )
    by_product: dict[uuid.UUID, list[BillingLine]] = defaultdict(list)
    for row in billed:
        by_product[row.product_id].append(row)
    earlier = (
        await session.execute(
            select(BillingLine.product_id, BillingLine.quantity)
            .join(BillingDocument, BillingDocument.id == BillingLine.document_id)
            .where(
                BillingDocument.corrects_id == invoice.id,
                BillingDocument.reason == NoteReason.RETURN,
            )
        )
    ).all()
    used: dict[uuid.UUID, int] = {}
    for product_id, rows in by_product.items():
        left = sum(quantity for p, quantity in earlier if p == product_id)
        for row in rows:
            used[row.id] = min(row.quantity, left)
            left -= used[row.id]
    schemes: dict[uuid.UUID, list[BillingLineScheme]] = defaultdict(list)
    for scheme in (
        await session.execute(
            select(BillingLineScheme)
            .where(BillingLineScheme.document_id == invoice.id, BillingLineScheme.discount > 0)
            .order_by(BillingLineScheme.line_id, BillingLineScheme.scheme_code)
        )
    ).scalars():
        schemes[scheme.line_id].append(scheme)
    priced: list[NoteLine] = []
    released: dict[str, Decimal] = defaultdict(Decimal)
    for i, line in enumerate(lines):
        path = f"input.lines[{i}]"
        if line.quantity <= 0:
            raise ValidationFailed(
                "a return gives back at least one unit", field=f"{path}.quantity"
            )
        rows = by_product.get(line.product_id, [])
        left = sum(row.quantity - used[row.id] for row in rows)
        if line.quantity > left:
            raise OverReturned(
                f"only {left} unit(s) of this SKU are left to return on the invoice",
                field=f"{path}.quantity",
            )
        wanted, discount = line.quantity, Decimal("0.00")
        for row in rows:
            take = min(wanted, row.quantity - used[row.id])
            if take <= 0:
                continue
            if row.unit_price != line.unit_price:
                raise ValidationFailed(
                    f"a return credits the invoiced price, {row.unit_price}",
                    field=f"{path}.unitPrice",
                )
            before, after = used[row.id], used[row.id] + take
            discount += _share(row.discount, before, after, row.quantity)
            for scheme in schemes[row.id]:
                released[scheme.scheme_code] += _share(scheme.discount, before, after, row.quantity)
            used[row.id], wanted = after, wanted - take
        priced.append(replace(line, discount=discount))
    return priced, dict(released)


def _share(amount: Decimal, before: int, after: int, quantity: int) -> Decimal:
    """The part of a line's amount that units ``before`` to ``after`` (of ``quantity``) carry."""
    return to_cents(amount * after / quantity) - to_cents(amount * before / quantity)


async def _take_back(
    session: AsyncSession,
    invoice: BillingDocument,
    note: BillingDocument,
    lines: Sequence[NoteLine],
) -> None:
    """Delivered goods a return gives back leave the distributor's stock."""
    if invoice.delivered_on is None:
        return
    for i, line in enumerate(lines):
        path = f"input.lines[{i}]"
        if not line.batch:
            raise ValidationFailed("name the batch the goods come back from", field=f"{path}.batch")
        await move_stock(
            session,
            tenant_id=invoice.tenant_id,
            key=StockKey(invoice.distributor_id, line.product_id, line.batch),
            kind=MovementKind.RETURN,
            quantity=-line.quantity,
            reason=f"return on {note.number}",
            source_id=note.id,
            field=f"{path}.quantity",
        )


async def _credited_so_far(session: AsyncSession, invoice_id: uuid.UUID) -> Decimal:
    stmt = select(BillingDocument.total).where(
        BillingDocument.corrects_id == invoice_id,
        BillingDocument.kind == DocumentKind.CREDIT_NOTE,
    )
    return sum((Decimal(t) for t in (await session.execute(stmt)).scalars()), Decimal(0))


async def _intra_state(
    session: AsyncSession, invoice: BillingDocument, home_state: str | None
) -> bool:
    # A note is taxed like the invoice it corrects: IGST stays IGST, CGST + SGST stays split.
    if invoice.order_id is None:
        return True
    order = await session.get_one(PrimaryOrder, invoice.order_id)
    return order.place_of_supply is None or order.place_of_supply == home_state


async def _priced(
    session: AsyncSession,
    principal: Principal,
    lines: Sequence[NoteLine],
    *,
    intra_state: bool,
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
        value = line.unit_price * max(line.quantity, 1)
        if not 0 <= line.discount <= value:
            raise ValidationFailed(
                "a discount within the line's value", field=f"input.lines[{i}].discount"
            )
        tax = line_tax(
            tenant.tax_regime, product.tax_class, value - line.discount, intra_state=intra_state
        )
        priced.append(
            PricedLine(product.id, line.quantity, line.unit_price, tax, discount=line.discount)
        )
    return priced
