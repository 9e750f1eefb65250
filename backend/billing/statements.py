"""Statement of account: opening balance, every posting with its running balance, closing
balance, ageing of what is open, DSO and overdue %."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.billing.models import BillingDocument, DocumentKind
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
    """A distributor's account over a period."""

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
    """Build the statement from the ledger; ageing and overdue use today's open amounts."""
    found = await distributors_by_ids(session, principal, [distributor_id])
    if not found:
        raise NotFound("no such distributor", field="distributorId")
    if end < start or (end - start).days > 366 * 3:
        raise ValidationFailed("give a period of at most three years, start ≤ end", field="to")
    key = account_key(AccountKind.RECEIVABLE, distributor_id)
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
            .where(LedgerAccount.key == key, Journal.posted_on <= end)
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
    ageing, open_total, overdue = await _ageing(session, distributor_id, end)
    sales = await _sales(session, distributor_id, start, end)
    days = Decimal((end - start).days + 1)
    return Statement(
        distributor_id=distributor_id,
        currency=found[0].currency,
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


async def _ageing(
    session: AsyncSession, distributor_id: uuid.UUID, as_of: date
) -> tuple[list[Decimal], Decimal, Decimal]:
    docs = (
        await session.execute(
            select(
                BillingDocument.issued_on, BillingDocument.due_on, BillingDocument.open_amount
            ).where(
                BillingDocument.distributor_id == distributor_id,
                BillingDocument.kind.in_((DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE)),
                BillingDocument.open_amount > 0,
                BillingDocument.issued_on <= as_of,
            )
        )
    ).all()
    buckets = [ZERO, ZERO, ZERO, ZERO]
    overdue = ZERO
    for issued_on, due_on, amount in docs:
        buckets[ageing_bucket((as_of - issued_on).days)] += amount
        if due_on < as_of:
            overdue += amount
    return buckets, sum(buckets, ZERO), overdue


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
