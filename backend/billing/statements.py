"""Statement of account (of any party's receivable): opening balance, every posting with its running balance, closing
balance, ageing of what is open, DSO and overdue %."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backend.auth.principal import Principal
from backend.billing.models import (
    BillingDocument,
    DocumentKind,
    NoteAllocation,
    Payment,
    PaymentAllocation,
)
from backend.kit.errors import NotFound, ValidationFailed
from backend.ledger.models import AccountKind, Journal, JournalEntry, LedgerAccount
from backend.ledger.posting import account_key
from backend.parties.repository import distributors_by_ids

ZERO = Decimal("0.00")
BUCKETS = ((0, 30), (31, 60), (61, 90), (91, None))


@dataclass(frozen=True)
class StatementLine:
    """One posting on the distributor's receivable."""

    posted_on: date
    source_type: str
    source_id: uuid.UUID
    memo: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass(frozen=True)
class Statement:
    """A party's account over a period (distributor_id: the party — a distributor at the brand,
    or a retailer at its distributor)."""

    distributor_id: uuid.UUID
    currency: str
    start: date
    end: date
    opening: Decimal
    lines: list[StatementLine]
    closing: Decimal
    ageing: list[Decimal]
    dso_days: Decimal | None
    overdue_percent: Decimal | None


async def statement_of_account(
    session: AsyncSession,
    *,
    principal: Principal,
    distributor_id: uuid.UUID,
    start: date,
    end: date,
) -> Statement:
    """Build the statement from the ledger; ageing and overdue % as they stood on `end`."""
    found = await distributors_by_ids(session, principal, [distributor_id])
    if not found:
        raise NotFound("no such distributor", field="distributorId")
    if end < start or (end - start).days > 366 * 3:
        raise ValidationFailed("give a period of at most three years, start ≤ end", field="to")
    key = account_key(AccountKind.RECEIVABLE, distributor_id)
    docs = await _open_documents(session, distributor_id, end)
    sales = await _sales(session, distributor_id, start, end)
    return await receivable_statement(
        session,
        party_id=distributor_id,
        account=key,
        currency=found[0].currency,
        start=start,
        end=end,
        open_documents=docs,
        sales=sales,
    )


async def receivable_statement(
    session: AsyncSession,
    *,
    party_id: uuid.UUID,
    account: str,
    currency: str,
    start: date,
    end: date,
    open_documents: Sequence[OpenDocument],
    sales: Decimal,
) -> Statement:
    """A statement of any party's receivable account (by key): the ledger's postings with their
    running balance, ageing and overdue of its open documents, DSO against its sales."""
    rows = (
        await session.execute(
            select(
                Journal.posted_on,
                Journal.source_type,
                Journal.source_id,
                Journal.memo,
                JournalEntry.amount,
            )
            .join(JournalEntry, JournalEntry.journal_id == Journal.id)
            .join(LedgerAccount, LedgerAccount.id == JournalEntry.account_id)
            .where(LedgerAccount.key == account, Journal.posted_on <= end)
            .order_by(Journal.posted_on, Journal.created_at, Journal.id)
        )
    ).all()
    opening = sum((r.amount for r in rows if r.posted_on < start), ZERO)
    balance, lines = opening, []
    for r in rows:
        if r.posted_on < start:
            continue
        balance += r.amount
        lines.append(
            StatementLine(
                r.posted_on,
                r.source_type,
                r.source_id,
                r.memo,
                max(r.amount, ZERO),
                max(-r.amount, ZERO),
                balance,
            )
        )
    ageing, open_total, overdue = ageing_of(open_documents, end)
    days = Decimal((end - start).days + 1)
    return Statement(
        distributor_id=party_id,
        currency=currency,
        start=start,
        end=end,
        opening=opening,
        lines=lines,
        closing=balance,
        ageing=ageing,
        dso_days=_ratio(balance * days, sales, Decimal("0.1")),
        overdue_percent=_ratio(overdue * 100, open_total, Decimal("0.01")),
    )


def _ratio(numerator: Decimal, denominator: Decimal, step: Decimal) -> Decimal | None:
    if denominator <= 0:
        return None
    return (numerator / denominator).quantize(step, rounding=ROUND_HALF_UP)


def ageing_bucket(age_days: int) -> int:
    """Index of the 0–30 / 31–60 / 61–90 / 90+ bucket for an age in days."""
    for i, (low, high) in enumerate(BUCKETS):
        if age_days >= low and (high is None or age_days <= high):
            return i
    return 0


async def open_as_of(
    session: AsyncSession, distributor_id: uuid.UUID, as_of: date
) -> list[tuple[uuid.UUID, date, date, Decimal]]:
    """(id, issued, due, open) of invoices and debit notes as they stood at the end of `as_of`.

    Open = total − payments applied by then (a payment applies on its receipt date, or on the
    document's date when money on account paid it; a bounce gives it back on the bounce date)
    − what credit notes dated by then took off it (notes correcting it, and on-account notes
    through their allocations).
    """
    doc = BillingDocument
    applied_on = func.greatest(Payment.received_on, doc.issued_on)
    paid = (
        select(
            PaymentAllocation.document_id.label("doc_id"),
            func.sum(
                case(
                    (
                        (PaymentAllocation.amount > 0) & (applied_on <= as_of),
                        PaymentAllocation.amount,
                    ),
                    (
                        (PaymentAllocation.amount < 0) & (Payment.bounced_on <= as_of),
                        PaymentAllocation.amount,
                    ),
                    else_=0,
                )
            ).label("amount"),
        )
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .join(doc, doc.id == PaymentAllocation.document_id)
        .where(doc.distributor_id == distributor_id)
        .group_by(PaymentAllocation.document_id)
        .subquery()
    )
    # A credit note's open amount never changes after issue: total − open is what it applied.
    note = aliased(BillingDocument)
    credited = (
        select(
            note.corrects_id.label("doc_id"),
            func.sum(note.total - note.open_amount).label("amount"),
        )
        .where(
            note.distributor_id == distributor_id,
            note.kind == DocumentKind.CREDIT_NOTE,
            note.issued_on <= as_of,
        )
        .group_by(note.corrects_id)
        .subquery()
    )
    # An on-account credit note (a claim settlement) applies on its date, or on the document's
    # when the document came later.
    on_account = aliased(BillingDocument)
    allocated = (
        select(
            NoteAllocation.document_id.label("doc_id"),
            func.sum(NoteAllocation.amount).label("amount"),
        )
        .join(on_account, on_account.id == NoteAllocation.note_id)
        .join(doc, doc.id == NoteAllocation.document_id)
        .where(
            doc.distributor_id == distributor_id,
            func.greatest(on_account.issued_on, doc.issued_on) <= as_of,
        )
        .group_by(NoteAllocation.document_id)
        .subquery()
    )
    open_amount = (
        doc.total
        - func.coalesce(paid.c.amount, 0)
        - func.coalesce(credited.c.amount, 0)
        - func.coalesce(allocated.c.amount, 0)
    )
    rows = await session.execute(
        select(doc.id, doc.issued_on, doc.due_on, open_amount)
        .outerjoin(paid, paid.c.doc_id == doc.id)
        .outerjoin(credited, credited.c.doc_id == doc.id)
        .outerjoin(allocated, allocated.c.doc_id == doc.id)
        .where(
            doc.distributor_id == distributor_id,
            doc.kind.in_((DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE)),
            doc.issued_on <= as_of,
        )
    )
    return [(k, i, d, Decimal(a)) for k, i, d, a in rows.all() if a > 0]


@dataclass(frozen=True)
class OpenDocument:
    """What ageing needs of an open receivable document."""

    issued_on: date
    due_on: date
    open_amount: Decimal


def ageing_of(docs: Sequence[OpenDocument], as_of: date) -> tuple[list[Decimal], Decimal, Decimal]:
    """Open amounts per ageing bucket (by issue date), their total, and the overdue part."""
    buckets = [ZERO, ZERO, ZERO, ZERO]
    overdue = ZERO
    for doc in docs:
        if doc.issued_on > as_of:
            continue
        buckets[ageing_bucket((as_of - doc.issued_on).days)] += doc.open_amount
        if doc.due_on < as_of:
            overdue += doc.open_amount
    return buckets, sum(buckets, ZERO), overdue


async def _open_documents(
    session: AsyncSession, distributor_id: uuid.UUID, as_of: date
) -> list[OpenDocument]:
    return [
        OpenDocument(issued_on, due_on, amount)
        for _, issued_on, due_on, amount in await open_as_of(session, distributor_id, as_of)
    ]


async def _sales(
    session: AsyncSession, distributor_id: uuid.UUID, start: date, end: date
) -> Decimal:
    signed = func.sum(
        case(
            (BillingDocument.kind == DocumentKind.CREDIT_NOTE, -BillingDocument.total),
            else_=BillingDocument.total,
        )
    )
    value = await session.scalar(
        select(func.coalesce(signed, 0)).where(
            BillingDocument.distributor_id == distributor_id,
            BillingDocument.issued_on.between(start, end),
        )
    )
    return Decimal(value or 0)
