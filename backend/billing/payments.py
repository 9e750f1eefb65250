"""Payments: record and allocate (oldest first or explicit; the rest stays on account), and
bounce a cheque (reverse its journal and give the invoices their open amounts back)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.billing.errors import DocumentStateError, OverAllocated
from backend.billing.models import (
    BillingDocument,
    DocumentKind,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    PaymentStatus,
)
from backend.billing.repository import lock_payment
from backend.identity.models import Role
from backend.kit.errors import NotFound, ValidationFailed
from backend.kit.idempotency import run_once
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

    async def create() -> uuid.UUID:
        return (await _record(session, principal, draft)).id

    payment_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="recordPayment",
        payload=asdict(draft),
        create=create,
    )
    return await session.get_one(Payment, payment_id)


async def _record(session: AsyncSession, principal: Principal, draft: PaymentDraft) -> Payment:
    found = await distributors_by_ids(session, principal, [draft.distributor_id])
    if not found:
        raise NotFound("no such distributor", field="input.distributorId")
    if draft.amount <= 0 or draft.amount != draft.amount.quantize(Decimal("0.01")):
        raise ValidationFailed("a positive amount in cents", field="input.amount")
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
    await _allocate(session, payment, draft.allocations)
    return payment


async def _open_documents(session: AsyncSession, payment: Payment) -> list[BillingDocument]:
    # Locked in primary-key order (no deadlocks), then used oldest first.
    stmt = (
        select(BillingDocument)
        .where(
            BillingDocument.distributor_id == payment.distributor_id,
            BillingDocument.kind.in_(RECEIVABLE_KINDS),
            BillingDocument.open_amount > 0,
        )
        .order_by(BillingDocument.id)
        .with_for_update()
    )
    docs = list((await session.execute(stmt)).scalars())
    return sorted(docs, key=lambda d: (d.due_on, d.issued_on, d.number))


async def _allocate(
    session: AsyncSession, payment: Payment, explicit: Sequence[tuple[uuid.UUID, Decimal]] | None
) -> None:
    docs = await _open_documents(session, payment)
    by_id = {d.id: d for d in docs}
    if explicit is None:
        plan = [(d.id, d.open_amount) for d in docs]
    else:
        plan = list(explicit)
        for i, (doc_id, amount) in enumerate(plan):
            if doc_id not in by_id:
                raise NotFound("no open invoice with this id", field=f"input.allocations[{i}]")
            if amount <= 0 or amount > by_id[doc_id].open_amount:
                raise OverAllocated("more than the invoice owes", field=f"input.allocations[{i}]")
        if sum((a for _, a in plan), Decimal(0)) > payment.amount:
            raise OverAllocated("allocations exceed the payment", field="input.allocations")
    for doc_id, wanted in plan:
        amount = min(wanted, payment.unallocated)
        if amount <= 0:
            break
        by_id[doc_id].open_amount -= amount
        payment.unallocated -= amount
        session.add(
            PaymentAllocation(
                id=uuid.uuid4(),
                tenant_id=payment.tenant_id,
                payment_id=payment.id,
                document_id=doc_id,
                amount=amount,
            )
        )
    await session.flush()


async def bounce_cheque(
    session: AsyncSession,
    *,
    principal: Principal,
    payment_id: uuid.UUID,
    bounced_on: date,
    reason: str,
) -> Payment:
    """Mark a cheque bounced: reverse its posting and reopen what it paid."""
    principal.require(Role.ADMIN)
    payment = await lock_payment(session, principal, payment_id)
    if payment is None:
        raise NotFound("no such payment", field="input.paymentId")
    if payment.method is not PaymentMethod.CHEQUE or payment.status is not PaymentStatus.RECEIVED:
        raise DocumentStateError("only a received cheque can bounce", field="input.paymentId")
    journal = await find_journal(
        session, tenant_id=principal.tenant_id, source=Source("PAYMENT", payment.id)
    )
    assert journal is not None
    await reverse(
        session,
        tenant_id=principal.tenant_id,
        journal=journal,
        posted_on=bounced_on,
        memo=f"cheque bounced: {reason}",
        currency=payment.currency,
        actor_id=principal.user_id,
    )
    await _undo_allocations(session, payment)
    payment.status = PaymentStatus.BOUNCED
    payment.bounced_on = bounced_on
    payment.unallocated = Decimal("0.00")
    await session.flush()
    return payment


async def _undo_allocations(session: AsyncSession, payment: Payment) -> None:
    stmt = select(PaymentAllocation.document_id, PaymentAllocation.amount).where(
        PaymentAllocation.payment_id == payment.id
    )
    net: dict[uuid.UUID, Decimal] = {}
    for doc_id, amount in (await session.execute(stmt)).all():
        net[doc_id] = net.get(doc_id, Decimal(0)) + amount
    for doc_id in sorted(net):
        if net[doc_id] == 0:
            continue
        doc = (
            await session.execute(
                select(BillingDocument).where(BillingDocument.id == doc_id).with_for_update()
            )
        ).scalar_one()
        doc.open_amount += net[doc_id]
        session.add(
            PaymentAllocation(
                id=uuid.uuid4(),
                tenant_id=payment.tenant_id,
                payment_id=payment.id,
                document_id=doc_id,
                amount=-net[doc_id],
            )
        )
    await session.flush()
