"""Sales returns: a retailer gives back units of a batch it bought on an invoice; within the
tenant's return window, never more than sold less already returned; the reason decides whether
the batch is restocked or the goods written off; a credit note in the distributor's series
reverses the sale (gross to sales returns, the scheme discount back off scheme expense, tax) and
is applied to the invoice's open amount, the rest staying as credit on account.

The returned share of each scheme discount on a line goes back to the scheme's budget and comes
off the line's scheme accrual while that is unclaimed (cumulative over partial returns, so the
cents add up to the line's discount when everything comes back). Free goods are not returned, so
their value stays consumed and accrued; an accrual already in a claim is left as claimed.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.catalog.models import Product
from backend.identity.models import Tenant
from backend.inventory.models import MovementKind
from backend.inventory.service import StockKey, move_stock
from backend.kit.errors import NotFound, ValidationFailed
from backend.kit.idempotency import run_once_row
from backend.kit.validation import Checks
from backend.parties.models import Retailer
from backend.parties.repository import retailer_scope
from backend.pricing.tax import document_tax, line_tax, to_cents
from backend.schemes.claims import AccrualReversal
from backend.secondary.documents import ZERO, new_document, post_document
from backend.secondary.errors import ReturnNotAllowed
from backend.secondary.models import (
    RESTOCKED_REASONS,
    ReturnReason,
    SalesReturn,
    SecondaryDocument,
    SecondaryDocumentKind,
    SecondaryLine,
    SecondaryLineBatch,
    SecondaryLineScheme,
)
from backend.secondary.ordering import DESK_ROLES
from backend.secondary.schemes import SchemeSource
from backend.secondary.settings import secondary_settings

DEFAULT_SERIES = "SR"


@dataclass(frozen=True)
class ReturnLineDraft:
    """Units of one invoice line's batch coming back."""

    line_id: uuid.UUID
    batch: str
    quantity: int


@dataclass(frozen=True)
class ReturnDraft:
    """A return against one invoice."""

    invoice_id: uuid.UUID
    reason: ReturnReason
    returned_on: date
    lines: Sequence[ReturnLineDraft]
    series: str = DEFAULT_SERIES


async def record_return(
    session: AsyncSession,
    *,
    principal: Principal,
    draft: ReturnDraft,
    schemes: SchemeSource,
    idempotency_key: str | None,
) -> SecondaryDocument:
    """Accept a return and issue its credit note; a retry with the key returns the first."""
    principal.require(*DESK_ROLES)

    return await run_once_row(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="recordSalesReturn",
        payload=asdict(draft),
        work=lambda: _record(session, principal, draft, schemes),
        load=lambda row_id: session.get_one(SecondaryDocument, row_id),
    )


async def _record(
    session: AsyncSession, principal: Principal, draft: ReturnDraft, schemes: SchemeSource
) -> SecondaryDocument:
    invoice = (
        await session.execute(
            select(SecondaryDocument)
            .join(Retailer, Retailer.id == SecondaryDocument.retailer_id)
            .where(
                SecondaryDocument.id == draft.invoice_id,
                SecondaryDocument.kind == SecondaryDocumentKind.INVOICE,
                retailer_scope(principal),
            )
            .with_for_update(of=SecondaryDocument)
        )
    ).scalar_one_or_none()
    if invoice is None:
        raise NotFound("no such secondary invoice", field="input.invoiceId")
    settings = await secondary_settings(session, principal.tenant_id)
    checks = Checks()
    if not draft.lines:
        checks.fail("input.lines", "a return needs at least one line")
    if draft.returned_on < invoice.issued_on:
        checks.fail("input.returnedOn", "a return cannot predate its invoice")
    elif (draft.returned_on - invoice.issued_on).days > settings.return_window_days:
        checks.add(
            ReturnNotAllowed(
                f"returns are accepted within {settings.return_window_days} days of the invoice",
                field="input.returnedOn",
            )
        )
    checks.raise_if_any()
    rows = await _batches(session, invoice, draft.lines)
    tenant = await session.get_one(Tenant, principal.tenant_id)
    picked: list[tuple[SecondaryLine, SecondaryLineBatch, int]] = []
    pending: dict[uuid.UUID, int] = {}
    for i, req in enumerate(draft.lines):
        field = f"input.lines[{i}]"
        found = rows.get((req.line_id, req.batch))
        if req.quantity <= 0:
            checks.fail(f"{field}.quantity", "must be positive")
            continue
        if found is None:
            checks.add(
                ReturnNotAllowed(
                    "this invoice did not sell that batch on that line", field=f"{field}.batch"
                )
            )
            continue
        line, batch = found
        if line.is_free:
            checks.add(
                ReturnNotAllowed(
                    "free goods go back with the line that earned them", field=f"{field}.lineId"
                )
            )
            continue
        left = batch.quantity - batch.returned_quantity - pending.get(batch.id, 0)
        if req.quantity > left:
            checks.add(
                ReturnNotAllowed(
                    f"only {left} unit(s) of this batch can still be returned",
                    field=f"{field}.quantity",
                    details={"sold": batch.quantity, "returned": batch.returned_quantity},
                )
            )
            continue
        pending[batch.id] = pending.get(batch.id, 0) + req.quantity
        picked.append((line, batch, req.quantity))
    checks.raise_if_any()
    given_back = await _scheme_share(session, picked)

    note = await new_document(
        session,
        settings=settings,
        kind=SecondaryDocumentKind.CREDIT_NOTE,
        series=draft.series,
        tenant_id=principal.tenant_id,
        distributor_id=invoice.distributor_id,
        retailer_id=invoice.retailer_id,
        currency=invoice.currency,
        issued_on=draft.returned_on,
        credit_days=0,
        actor_id=principal.user_id,
        corrects_id=invoice.id,
    )
    products = {
        p.id: p
        for p in (
            await session.execute(
                select(Product).where(Product.id.in_({ln.product_id for ln, _, _ in picked}))
            )
        ).scalars()
    }
    restock = draft.reason in RESTOCKED_REASONS
    lines, returns = [], []
    nets = [to_cents(line.net * qty / line.quantity) for line, _, qty in picked]
    taxed = document_tax(
        tenant.tax_regime,
        [
            line_tax(tenant.tax_regime, products[line.product_id].tax_class, net)
            for (line, _, _), net in zip(picked, nets, strict=True)
        ],
    )
    for n, ((line, batch, qty), net, tax) in enumerate(
        zip(picked, nets, taxed.lines, strict=True), start=1
    ):
        gross = line.unit_price * qty
        lines.append(
            SecondaryLine(
                id=uuid.uuid4(),
                tenant_id=principal.tenant_id,
                document_id=note.id,
                line_no=n,
                corrects_line_id=line.id,
                product_id=line.product_id,
                quantity=qty,
                unit_price=line.unit_price,
                gross=gross,
                discount=gross - net,
                net=net,
                tax_label=tax.rate_label,
                tax=tax.tax,
                is_free=False,
            )
        )
        batch.returned_quantity += qty
        returns.append(
            SalesReturn(
                id=uuid.uuid4(),
                tenant_id=principal.tenant_id,
                line_batch_id=batch.id,
                credit_note_id=note.id,
                reason=draft.reason,
                quantity=qty,
                restocked=restock,
                returned_on=draft.returned_on,
            )
        )
        if restock:
            await move_stock(
                session,
                tenant_id=principal.tenant_id,
                key=StockKey(invoice.distributor_id, line.product_id, batch.batch),
                kind=MovementKind.RETURN,
                quantity=qty,
                reason=f"return {draft.reason.value} on {invoice.number}",
                source_id=note.id,
                expires_on=batch.expires_on,
            )
    session.add_all(lines)
    session.add_all(returns)
    note.gross = sum((ln.gross for ln in lines), ZERO)
    note.discount = sum((ln.discount for ln in lines), ZERO)
    note.net = note.gross - note.discount
    note.tax = taxed.tax
    note.round_off = taxed.round_off
    note.total = note.net + note.tax + note.round_off
    applied = min(note.total, invoice.open_amount)
    invoice.open_amount -= applied
    note.open_amount = note.total - applied
    await session.flush()
    if note.total <= 0:
        raise ValidationFailed("the returned units have no value", field="input.lines")
    await post_document(session, note, actor_id=principal.user_id)
    budget: dict[str, Decimal] = defaultdict(Decimal)
    for reversal in given_back:
        budget[reversal.scheme_code] += reversal.discount
    if budget:
        await schemes.release_scheme_budget(session, amounts=dict(budget))
        await schemes.reverse_accruals(session, lines=given_back)
    return note


async def _scheme_share(
    session: AsyncSession, picked: list[tuple[SecondaryLine, SecondaryLineBatch, int]]
) -> list[AccrualReversal]:
    """The scheme discount each returned line gives back, per scheme: the returned share of the
    line's discount, counted on the line's cumulative returns so rounding never over-releases.
    Read before the batches' returned quantities are increased."""
    if not picked:
        return []
    line_ids = {line.id for line, _, _ in picked}
    returned_before: dict[uuid.UUID, int] = defaultdict(int)
    for line_id, returned in (
        await session.execute(
            select(SecondaryLineBatch.line_id, SecondaryLineBatch.returned_quantity).where(
                SecondaryLineBatch.line_id.in_(line_ids)
            )
        )
    ).all():
        returned_before[line_id] += returned
    now: dict[uuid.UUID, int] = defaultdict(int)
    lines: dict[uuid.UUID, SecondaryLine] = {}
    for line, _, qty in picked:
        now[line.id] += qty
        lines[line.id] = line
    applied = (
        await session.execute(
            select(SecondaryLineScheme)
            .where(SecondaryLineScheme.line_id.in_(line_ids), SecondaryLineScheme.discount > 0)
            .order_by(SecondaryLineScheme.line_id, SecondaryLineScheme.scheme_code)
        )
    ).scalars()
    out = []
    for row in applied:
        line = lines[row.line_id]
        before = returned_before[line.id]
        after = before + now[line.id]
        share = to_cents(row.discount * after / line.quantity) - to_cents(
            row.discount * before / line.quantity
        )
        if share > 0:
            out.append(AccrualReversal(row.scheme_code, line.id, share))
    return out


async def _batches(
    session: AsyncSession, invoice: SecondaryDocument, lines: Sequence[ReturnLineDraft]
) -> dict[tuple[uuid.UUID, str], tuple[SecondaryLine, SecondaryLineBatch]]:
    """The invoice's line batches named by the return, locked in primary-key order."""
    rows = (
        await session.execute(
            select(SecondaryLine, SecondaryLineBatch)
            .join(SecondaryLineBatch, SecondaryLineBatch.line_id == SecondaryLine.id)
            .where(
                SecondaryLine.document_id == invoice.id,
                SecondaryLine.id.in_({ln.line_id for ln in lines}),
            )
            .order_by(SecondaryLineBatch.id)
            .with_for_update(of=SecondaryLineBatch)
        )
    ).all()
    return {(line.id, batch.batch): (line, batch) for line, batch in rows}
