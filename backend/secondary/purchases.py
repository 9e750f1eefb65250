"""What retailers bought: secondary invoice lines, net of the credit notes that correct them.

`purchase_lines()` is the one query every reader of a retailer's purchases goes through (the
planner's history and baseline, field KPIs and goals, ranking export, derived offtake, scheme
ROI). It yields one row per secondary document line: invoice lines count positive, credit-note
lines (returns) negative, each on its own document's issue date. Secondary documents are never
cancelled (a credit note corrects an invoice), so every stored document counts.

A line is attributed to the rep (and visit) whose captured order the invoice billed; for a
credit note, the rep of the invoice it corrects. Desk orders have no rep.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backend.field.visit_models import CapturedOrder
from backend.identity.models import Tenant
from backend.schemes.roi import SalesLines, register_sales_lines
from backend.secondary.models import (
    SecondaryCollection,
    SecondaryDocument,
    SecondaryDocumentKind,
    SecondaryLine,
    SecondaryOrder,
)

PURCHASE_SOURCE = "secondary invoices"  # named in reasons and descriptions


def purchase_lines(
    *,
    since: date | None = None,
    until: date | None = None,
    retailer_ids: Sequence[uuid.UUID] | None = None,
    rep_id: uuid.UUID | None = None,
) -> Subquery:
    """One row per secondary invoice or credit-note line issued in [since, until].

    Columns: document_id, invoice_id (the corrected invoice for a credit note), is_invoice,
    distributor_id, retailer_id, rep_id and visit_id (of the billed captured order, else NULL),
    product_id, quantity and value (net of scheme discount, before tax; both negative on credit
    notes), is_free, day (issue date), invoice_day (the billed invoice's date), at (tenant-local midnight of the issue day, or the time
    the billed order was captured when that is later: goods do not arrive before they are
    ordered), and currency. With `rep_id`, only the lines of that rep's billed orders (the
    joins from its captured orders are then inner, so the scan starts from them).
    """
    doc = SecondaryDocument
    invoice = aliased(SecondaryDocument, name="billed_invoice")
    is_invoice = doc.kind == SecondaryDocumentKind.INVOICE
    sign = case((is_invoice, 1), else_=-1)
    midnight = func.timezone(Tenant.timezone, cast(doc.issued_on, DateTime))
    at = case(
        (
            and_(is_invoice, CapturedOrder.captured_at > midnight),
            CapturedOrder.captured_at,
        ),
        else_=midnight,
    )
    conditions: list[Any] = []
    if since is not None:
        conditions.append(doc.issued_on >= since)
    if until is not None:
        conditions.append(doc.issued_on <= until)
    if retailer_ids is not None:
        conditions.append(doc.retailer_id.in_(list(retailer_ids)))
    if rep_id is not None:
        conditions.append(CapturedOrder.rep_id == rep_id)
    return (
        select(
            doc.id.label("document_id"),
            invoice.id.label("invoice_id"),
            is_invoice.label("is_invoice"),
            doc.distributor_id,
            doc.retailer_id,
            CapturedOrder.rep_id,
            CapturedOrder.visit_id,
            SecondaryLine.product_id,
            (sign * SecondaryLine.quantity).label("quantity"),
            (sign * SecondaryLine.net).label("value"),
            SecondaryLine.is_free,
            doc.issued_on.label("day"),
            invoice.issued_on.label("invoice_day"),
            at.label("at"),
            doc.currency,
        )
        .select_from(doc)
        .join(
            SecondaryLine,
            and_(SecondaryLine.document_id == doc.id, SecondaryLine.tenant_id == doc.tenant_id),
        )
        .join(Tenant, Tenant.id == doc.tenant_id)
        .join(
            invoice,
            and_(
                invoice.id == func.coalesce(doc.corrects_id, doc.id),
                invoice.tenant_id == doc.tenant_id,
            ),
        )
        .join(
            SecondaryOrder,
            and_(
                SecondaryOrder.id == invoice.order_id,
                SecondaryOrder.tenant_id == invoice.tenant_id,
            ),
            isouter=rep_id is None,
        )
        .join(
            CapturedOrder,
            and_(
                CapturedOrder.id == SecondaryOrder.captured_order_id,
                CapturedOrder.tenant_id == SecondaryOrder.tenant_id,
            ),
            isouter=rep_id is None,
        )
        .where(*conditions)
        .subquery("purchase_line")
    )


@dataclass(frozen=True)
class RecentInvoice:
    """One of a retailer's latest secondary invoices, with what is still open on it."""

    invoice_id: uuid.UUID
    retailer_id: uuid.UUID
    number: str
    issued_on: date
    lines: int
    units: int
    net: Decimal
    total: Decimal
    open_amount: Decimal
    currency: str


async def recent_invoices(
    session: AsyncSession, retailer_ids: Sequence[uuid.UUID], *, per_retailer: int = 3
) -> dict[uuid.UUID, list[RecentInvoice]]:
    """The latest `per_retailer` invoices of each retailer, newest first (one statement)."""
    if not retailer_ids:
        return {}
    doc = SecondaryDocument
    rank = (
        func.row_number()
        .over(
            partition_by=doc.retailer_id,
            order_by=(doc.issued_on.desc(), doc.sequence.desc(), doc.id),
        )
        .label("rank")
    )
    latest = (
        select(doc.id, doc.retailer_id, rank)
        .where(doc.retailer_id.in_(list(retailer_ids)), doc.kind == SecondaryDocumentKind.INVOICE)
        .subquery()
    )
    stmt = (
        select(
            doc.id,
            doc.retailer_id,
            doc.number,
            doc.issued_on,
            func.count(SecondaryLine.id),
            func.coalesce(func.sum(SecondaryLine.quantity), 0),
            doc.net,
            doc.total,
            doc.open_amount,
            doc.currency,
        )
        .join(latest, latest.c.id == doc.id)
        .outerjoin(SecondaryLine, SecondaryLine.document_id == doc.id)
        .where(latest.c.rank <= per_retailer)
        .group_by(doc.id, latest.c.rank)
        .order_by(doc.retailer_id, latest.c.rank)
    )
    found: dict[uuid.UUID, list[RecentInvoice]] = {}
    for row in (await session.execute(stmt)).all():
        found.setdefault(row[1], []).append(
            RecentInvoice(row[0], row[1], row[2], row[3], int(row[4]), int(row[5]), *row[6:10])
        )
    return found


@dataclass(frozen=True)
class RetailerBalance:
    """What a retailer owes its distributor (net of unapplied credit) and how much is overdue."""

    retailer_id: uuid.UUID
    outstanding: Decimal
    overdue: Decimal
    open_invoices: int
    oldest_due_on: date | None


async def retailer_balances(
    session: AsyncSession, retailer_ids: Sequence[uuid.UUID], *, today: date
) -> dict[uuid.UUID, RetailerBalance]:
    """Each retailer's balance at its distributor in one statement: open invoice amounts, less
    unapplied credit notes and collections held on account (the retailer receivable), and the
    invoice amounts past due on `today`. Retailers with nothing open are absent."""
    if not retailer_ids:
        return {}
    doc = SecondaryDocument
    ids = list(retailer_ids)
    is_invoice = doc.kind == SecondaryDocumentKind.INVOICE
    documents = select(
        doc.retailer_id.label("retailer_id"),
        case((is_invoice, doc.open_amount), else_=-doc.open_amount).label("amount"),
        case((and_(is_invoice, doc.due_on < today), doc.open_amount), else_=0).label("overdue"),
        case((is_invoice, doc.due_on)).label("due_on"),
    ).where(doc.retailer_id.in_(ids), doc.open_amount > 0)
    on_account = select(
        SecondaryCollection.retailer_id,
        -SecondaryCollection.unallocated,
        literal(0),
        cast(null(), Date),
    ).where(SecondaryCollection.retailer_id.in_(ids), SecondaryCollection.unallocated > 0)
    rows = union_all(documents, on_account).subquery()
    stmt = select(
        rows.c.retailer_id,
        func.sum(rows.c.amount),
        func.sum(rows.c.overdue),
        func.count(rows.c.due_on),
        func.min(rows.c.due_on),
    ).group_by(rows.c.retailer_id)
    return {
        row[0]: RetailerBalance(row[0], Decimal(row[1]), Decimal(row[2]), int(row[3]), row[4])
        for row in (await session.execute(stmt)).all()
    }


def secondary_sales_lines() -> SalesLines:
    """Scheme ROI's source of secondary sales: paid invoice lines less the credit notes of
    returns (each on its own document's date), at net value; free goods are left out."""
    lines = purchase_lines()
    paid = select(lines).where(lines.c.is_free.is_(False)).subquery("secondary_sale")
    return SalesLines(
        paid,
        paid.c.retailer_id,
        paid.c.product_id,
        paid.c.distributor_id,
        paid.c.day,
        paid.c.value,
        paid.c.quantity,
    )


register_sales_lines(secondary_sales_lines)
