"""Payments: record and allocate (oldest first or explicit; the rest stays on account), and
bounce a cheque (reverse its journal and give the invoices their open amounts back)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.billing.errors import DocumentStateError, OverAllocated
from backend.billing.models import (
    BillingDocument,
    DocumentKind,
    NoteAllocation,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    PaymentStatus,
)
from backend.billing.repository import lock_payment
from backend.identity.models import Role
from backend.kit.errors import NotFound, ValidationFailed
from backend.kit.idempotency import run_once_row
from backend.ledger.models import AccountKind
from backend.ledger.posting import Leg, Source, find_journal, post, reverse
from backend.parties.repository import distributors_by_ids

CASH_ACCOUNT = {
    PaymentMethod.CASH: AccountKind.CASH,
    PaymentMethod.BANK_TRANSFER: AccountKind.BANK,
    PaymentMethod.CHEQUE: AccountKind.CHEQUES_IN_HAND,
}
RECEIVABLE_KINDS = (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE)


@dataclass(frozen=True)
class PaymentDraft:
    """Money received; allocations None means oldest first."""

    distributor_id: uuid.UUID
    method: PaymentMethod
    amount: Decimal
    received_on: date
    reference: str
    allocations: Sequence[tuple[uuid.UUID, Decimal]] | None = None


async def record_payment(
    session: AsyncSession, *, principal: Principal, draft: PaymentDraft, idempotency_key: str | None
) -> Payment:
    """Record, post and allocate a payment; retries return the first."""
    principal.require(Role.ADMIN)

    return await run_once_row(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="recordPayment",
        payload=asdict(draft),
        work=lambda: _record(session, principal, draft),
        load=lambda row_id: session.get_one(Payment, row_id),
    )


async def _record(session: AsyncSession, principal: Principal, draft: PaymentDraft) -> Payment:
    found = await distributors_by_ids(session, principal, [draft.distributor_id])
    if not found:
        raise NotFound("no such distributor", field="input.distributorId")
    if draft.amount <= 0 or draft.amount != draft.amount.quantize(Decimal("0.01")):
        raise ValidationFailed("a positive amount in cents", field="input.amount")
    if not draft.reference.strip() or len(draft.reference) > 60:
        raise ValidationFailed(
            "a bank or cheque reference, 1 to 60 characters", field="input.reference"
        )
    payment = Payment(
        id=uuid.uuid4(),
        tenant_id=principal.tenant_id,
        distributor_id=draft.distributor_id,
        method=draft.method,
        status=PaymentStatus.RECEIVED,
        reference=draft.reference[:60],
        currency=found[0].currency,
        amount=draft.amount,
        unallocated=draft.amount,
        received_on=draft.received_on,
    )
    session.add(payment)
    await session.flush()
    docs = await _open_documents(session, payment)  # documents before accounts (lock order)
    await post(
        session,
        tenant_id=principal.tenant_id,
        source=Source("PAYMENT", payment.id),
        legs=[
            Leg(CASH_ACCOUNT[draft.method], draft.amount),
            Leg(AccountKind.RECEIVABLE, -draft.amount, draft.distributor_id),
        ],
        posted_on=draft.received_on,
        memo=f"{draft.method.value} {draft.reference}",
        currency=payment.currency,
        party_id=draft.distributor_id,
        actor_id=principal.user_id,
    )
    await _allocate(session, payment, draft.allocations, docs)
    return payment


async def _open_documents(session: AsyncSession, payment: Payment) -> list[BillingDocument]:
    return await lock_open_documents(session, payment.distributor_id)


async def lock_open_documents(
    session: AsyncSession, distributor_id: uuid.UUID
) -> list[BillingDocument]:
    """The distributor's open invoices and debit notes, locked in primary-key order (no
    deadlocks), returned oldest first (due date, issue date, number)."""
    stmt = (
        select(BillingDocument)
        .where(
            BillingDocument.distributor_id == distributor_id,
            BillingDocument.kind.in_(RECEIVABLE_KINDS),
            BillingDocument.open_amount > 0,
        )
        .order_by(BillingDocument.id)
        .with_for_update(key_share=True)
    )
    docs = list((await session.execute(stmt)).scalars())
    return sorted(docs, key=lambda d: (d.due_on, d.issued_on, d.number))


def plan_allocations(
    open_docs: Sequence[tuple[uuid.UUID, Decimal]],
    available: Decimal,
    explicit: Sequence[tuple[uuid.UUID, Decimal]] | None,
) -> list[tuple[uuid.UUID, Decimal]]:
    """What to apply to which open document: oldest first (`open_docs` comes sorted) up to
    `available`, or the explicit amounts after checking them; each planned amount is > 0."""
    owed = dict(open_docs)
    if explicit is None:
        wanted = list(open_docs)
    else:
        wanted = list(explicit)
        for i, (doc_id, amount) in enumerate(wanted):
            if doc_id not in owed:
                raise NotFound("no open invoice with this id", field=f"input.allocations[{i}]")
            if amount <= 0 or amount > owed[doc_id]:
                raise OverAllocated("more than the invoice owes", field=f"input.allocations[{i}]")
        if sum((a for _, a in wanted), Decimal(0)) > available:
            raise OverAllocated("allocations exceed the payment", field="input.allocations")
    plan, left = [], available
    for doc_id, amount in wanted:
        applied = min(amount, left)
        if applied <= 0:
            break
        plan.append((doc_id, applied))
        left -= applied
    return plan


def apply_allocations(
    session: AsyncSession,
    documents: Sequence[Any],
    plan: Sequence[tuple[uuid.UUID, Decimal]],
    allocation: Callable[..., object],
    **source: Any,
) -> Decimal:
    """Carry out a `plan_allocations` plan: take each amount off its document's `open_amount`
    (`documents` are rows with `id` and `open_amount`, primary or secondary), add the row
    `allocation(id=…, document_id=…, amount=…, **source)` (an allocation model; `source` is
    its tenant and what it allocates from), and return the total applied, which the caller
    takes off what it allocated from (a payment, collection or note)."""
    by_id = {d.id: d for d in documents}
    applied = Decimal(0)
    for doc_id, amount in plan:
        by_id[doc_id].open_amount -= amount
        applied += amount
        session.add(allocation(id=uuid.uuid4(), document_id=doc_id, amount=amount, **source))
    return applied


async def _allocate(
    session: AsyncSession,
    payment: Payment,
    explicit: Sequence[tuple[uuid.UUID, Decimal]] | None,
    docs: list[BillingDocument],
) -> None:
    plan = plan_allocations([(d.id, d.open_amount) for d in docs], payment.unallocated, explicit)
    payment.unallocated -= apply_allocations(
        session, docs, plan, PaymentAllocation, tenant_id=payment.tenant_id, payment_id=payment.id
    )
    await session.flush()


async def bounce_cheque(
    session: AsyncSession,
    *,
    principal: Principal,
    payment_id: uuid.UUID,
    bounced_on: date,
    reason: str,
    idempotency_key: str | None = None,
) -> Payment:
    """Mark a cheque bounced: reverse its posting and reopen what it paid; retries return it."""
    principal.require(Role.ADMIN)

    return await run_once_row(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="bounceCheque",
        payload={"payment": payment_id, "on": bounced_on, "reason": reason},
        work=lambda: _bounce(session, principal, payment_id, bounced_on, reason),
        load=lambda row_id: session.get_one(Payment, row_id),
    )


async def _bounce(
    session: AsyncSession,
    principal: Principal,
    payment_id: uuid.UUID,
    bounced_on: date,
    reason: str,
) -> Payment:
    if not reason.strip() or len(reason) > 150:
        raise ValidationFailed("give the bank's reason (1 to 150 characters)", field="input.reason")
    payment = await lock_payment(session, principal, payment_id)
    if payment is None:
        raise NotFound("no such payment", field="input.paymentId")
    if payment.method is not PaymentMethod.CHEQUE or payment.status is not PaymentStatus.RECEIVED:
        raise DocumentStateError("only a received cheque can bounce", field="input.paymentId")
    if bounced_on < payment.received_on:
        raise ValidationFailed(
            "a cheque bounces on or after it was received", field="input.bouncedOn"
        )
    journal = await find_journal(
        session, tenant_id=principal.tenant_id, source=Source("PAYMENT", payment.id)
    )
    assert journal is not None
    paid = await _paid_documents(session, payment)  # documents before accounts (lock order)
    await reverse(
        session,
        tenant_id=principal.tenant_id,
        journal=journal,
        posted_on=bounced_on,
        memo=f"cheque bounced: {reason}",
        currency=payment.currency,
        actor_id=principal.user_id,
    )
    await _undo_allocations(session, payment, paid)
    payment.status = PaymentStatus.BOUNCED
    payment.bounced_on = bounced_on
    payment.unallocated = Decimal("0.00")
    await session.flush()
    return payment


async def _paid_documents(
    session: AsyncSession, payment: Payment
) -> dict[uuid.UUID, tuple[BillingDocument, Decimal]]:
    """The documents the payment still pays, locked in primary-key order, with the net paid."""
    stmt = select(PaymentAllocation.document_id, PaymentAllocation.amount).where(
        PaymentAllocation.payment_id == payment.id
    )
    net: dict[uuid.UUID, Decimal] = {}
    for doc_id, amount in (await session.execute(stmt)).all():
        net[doc_id] = net.get(doc_id, Decimal(0)) + amount
    paid = {doc_id: amount for doc_id, amount in net.items() if amount != 0}
    docs = (
        await session.execute(
            select(BillingDocument)
            .where(BillingDocument.id.in_(sorted(paid)))
            .order_by(BillingDocument.id)
            .with_for_update(key_share=True)
        )
    ).scalars()
    return {doc.id: (doc, paid[doc.id]) for doc in docs}


async def _undo_allocations(
    session: AsyncSession,
    payment: Payment,
    paid: dict[uuid.UUID, tuple[BillingDocument, Decimal]],
) -> None:
    for doc_id in sorted(paid):
        doc, amount = paid[doc_id]
        doc.open_amount += amount
        session.add(
            PaymentAllocation(
                id=uuid.uuid4(),
                tenant_id=payment.tenant_id,
                payment_id=payment.id,
                document_id=doc_id,
                amount=-amount,
            )
        )
    await session.flush()


async def lock_on_account(
    session: AsyncSession, distributor_id: uuid.UUID
) -> list[Payment | BillingDocument]:
    """Money on account, locked in primary-key order: received payments with money left (oldest
    first), then on-account credit notes with credit left (oldest first).

    Callers lock them before any other document or account (the lock order of billing: order,
    money on account, documents, number counter, accounts), so bounces and postings cannot
    deadlock.
    """
    stmt = (
        select(Payment)
        .where(
            Payment.distributor_id == distributor_id,
            Payment.status == PaymentStatus.RECEIVED,
            Payment.unallocated > 0,
        )
        .order_by(Payment.id)
        .with_for_update(key_share=True)
    )
    payments = sorted(
        (await session.execute(stmt)).scalars(), key=lambda p: (p.received_on, p.created_at)
    )
    notes_stmt = (
        select(BillingDocument)
        .where(
            BillingDocument.distributor_id == distributor_id,
            BillingDocument.kind == DocumentKind.CREDIT_NOTE,
            BillingDocument.corrects_id.is_(None),
            BillingDocument.open_amount > 0,
        )
        .order_by(BillingDocument.id)
        .with_for_update(key_share=True)
    )
    notes = sorted(
        (await session.execute(notes_stmt)).scalars(), key=lambda d: (d.issued_on, d.number)
    )
    return [*payments, *notes]


@dataclass(frozen=True)
class OnAccount:
    """Money on account, primary or secondary: a row with money left in its ``left`` column
    (a payment's or collection's ``unallocated``, a credit note's ``open_amount``) and the
    allocation model recording what it pays, with the column naming the row."""

    row: Any
    left: str
    allocation: Callable[..., object]
    column: str


def draw_on_account(session: AsyncSession, doc: Any, money: Sequence[OnAccount]) -> None:
    """Pay a new document (a row with ``id``, ``tenant_id`` and ``open_amount``) from money on
    account, in the order given, until it is paid or the money runs out."""
    for source in money:
        if doc.open_amount <= 0:
            break
        amount = min(getattr(source.row, source.left), doc.open_amount)
        if amount <= 0:
            continue
        doc.open_amount -= amount
        setattr(source.row, source.left, getattr(source.row, source.left) - amount)
        session.add(
            source.allocation(
                id=uuid.uuid4(),
                tenant_id=source.row.tenant_id,
                document_id=doc.id,
                amount=amount,
                **{source.column: source.row.id},
            )
        )


async def apply_on_account(
    session: AsyncSession, doc: BillingDocument, money: Sequence[Payment | BillingDocument]
) -> None:
    """Pay a new invoice or debit note from money on account (see `lock_on_account`): payments
    first, then the credit left on on-account credit notes."""
    draw_on_account(
        session,
        doc,
        [
            OnAccount(m, "unallocated", PaymentAllocation, "payment_id")
            if isinstance(m, Payment)
            else OnAccount(m, "open_amount", NoteAllocation, "note_id")
            for m in money
        ],
    )
    await session.flush()
