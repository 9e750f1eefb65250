"""Cancelling a primary order before dispatch, including one already (partly) invoiced.

An order that is not invoiced is simply cancelled. An invoiced one is cancelled only while none
of its invoices has been dispatched: each invoice is credited in full by a CANCELLATION credit
note (posted to the ledger, referencing the invoice, with the scheme discount each line took),
what the invoices took from PRIMARY scheme budgets is released, then the order is CANCELLED, in
one transaction — all of it or nothing.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.billing.models import (
    BillingDocument,
    BillingLine,
    BillingLineScheme,
    DocumentKind,
    NoteReason,
)
from backend.billing.notes import NoteDraft, NoteLine, create_note
from backend.identity.models import Role
from backend.orders import workflow
from backend.orders.errors import InvalidTransition
from backend.orders.models import OrderStatus, PrimaryOrder
from backend.schemes.service import release_scheme_budget

INVOICED = (OrderStatus.PARTLY_INVOICED, OrderStatus.INVOICED)


async def cancel_primary_order(
    session: AsyncSession,
    *,
    principal: Principal,
    order_id: uuid.UUID,
    reason: str,
    note_series: str = "CN",
    today: date | None = None,
) -> PrimaryOrder:
    """Cancel an order before dispatch; its invoices, if any, are credited in full."""
    order = await workflow.load_order(session, principal, order_id, lock=True)
    if order.status not in INVOICED:
        return await workflow.cancel_order(
            session, principal=principal, order_id=order_id, reason=reason
        )
    principal.require(Role.ADMIN)
    invoices = list(
        (
            await session.execute(
                select(BillingDocument)
                .where(
                    BillingDocument.order_id == order.id,
                    BillingDocument.kind == DocumentKind.INVOICE,
                )
                .order_by(BillingDocument.id)
                .with_for_update(key_share=True)
            )
        ).scalars()
    )
    if any(doc.dispatched_on is not None for doc in invoices):
        raise InvalidTransition(
            "an invoice of this order was dispatched; credit returns instead",
            field="input.orderId",
        )
    numbers = []
    released: dict[str, Decimal] = defaultdict(Decimal)
    for invoice in invoices:
        note = await create_note(
            session,
            principal=principal,
            draft=NoteDraft(
                DocumentKind.CREDIT_NOTE,
                invoice.id,
                NoteReason.CANCELLATION,
                note_series,
                today or date.today(),
                await _lines_of(session, invoice.id),
            ),
        )
        numbers.append(note.number)
        for code, amount in await _scheme_budget_of(session, invoice.id):
            released[code] += amount
    # The credited invoices give back what they took from the PRIMARY schemes' budgets.
    await release_scheme_budget(session, amounts=dict(released))
    await workflow.record_transition(
        session,
        principal,
        order,
        order.status,
        OrderStatus.CANCELLED,
        reason or "cancelled",
        {"creditNotes": numbers},
    )
    return order


async def _lines_of(session: AsyncSession, invoice_id: uuid.UUID) -> list[NoteLine]:
    rows = (
        await session.execute(
            select(BillingLine)
            .where(BillingLine.document_id == invoice_id)
            .order_by(BillingLine.id)
        )
    ).scalars()
    # free goods (zero value, never dispatched here) need no credit
    return [
        NoteLine(row.product_id, row.quantity, row.unit_price, discount=row.discount)
        for row in rows
        if not row.is_free
    ]


async def _scheme_budget_of(
    session: AsyncSession, invoice_id: uuid.UUID
) -> list[tuple[str, Decimal]]:
    """What the invoice took from each scheme's budget: discounts plus free-goods value."""
    stmt = (
        select(
            BillingLineScheme.scheme_code,
            func.sum(BillingLineScheme.discount + BillingLineScheme.free_value),
        )
        .where(BillingLineScheme.document_id == invoice_id)
        .group_by(BillingLineScheme.scheme_code)
        .order_by(BillingLineScheme.scheme_code)
    )
    return [(code, Decimal(amount)) for code, amount in (await session.execute(stmt)).all()]
