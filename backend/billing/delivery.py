"""Dispatch and delivery of an invoice; delivery puts the goods into the distributor's stock."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.billing.errors import DocumentStateError
from backend.billing.models import BillingDocument, BillingLine, DocumentKind
from backend.billing.repository import documents_by_ids, lock_document
from backend.identity.models import Role
from backend.inventory.models import MovementKind
from backend.inventory.service import StockKey, move_stock
from backend.kit.errors import NotFound, ValidationFailed
from backend.kit.idempotency import run_once_row
from backend.orders.models import OrderStatus, PrimaryOrder, PrimaryOrderLine
from backend.orders.workflow import record_transition


@dataclass(frozen=True)
class DeliveredBatch:
    """Units of one invoice line received, in one batch."""

    billing_line_id: uuid.UUID
    batch: str
    quantity: int
    expires_on: date | None = None


async def _invoice(
    session: AsyncSession, principal: Principal, doc_id: uuid.UUID
) -> BillingDocument:
    principal.require(Role.ADMIN, Role.MANAGER)
    # Lock order: the order before its invoice, as invoicing and cancellation do.
    seen = await documents_by_ids(session, principal, [doc_id])
    if seen and seen[0].order_id is not None:
        await session.execute(
            select(PrimaryOrder.id)
            .where(PrimaryOrder.id == seen[0].order_id)
            .with_for_update(key_share=True)
        )
    doc = await lock_document(session, principal, doc_id)
    if doc is None or doc.kind is not DocumentKind.INVOICE:
        raise NotFound("no such invoice", field="input.invoiceId")
    return doc


async def _once(
    session: AsyncSession,
    principal: Principal,
    key: str | None,
    operation: str,
    payload: dict[str, Any],
    work: Callable[[], Awaitable[BillingDocument]],
) -> BillingDocument:
    return await run_once_row(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=key,
        operation=operation,
        payload=payload,
        work=work,
        load=lambda row_id: session.get_one(BillingDocument, row_id),
    )


async def dispatch_invoice(
    session: AsyncSession,
    *,
    principal: Principal,
    invoice_id: uuid.UUID,
    dispatched_on: date,
    idempotency_key: str | None = None,
) -> BillingDocument:
    """Record that the goods of an invoice left the warehouse; a retry with the key returns it."""
    return await _once(
        session,
        principal,
        idempotency_key,
        "dispatchInvoice",
        {"invoice": invoice_id, "on": dispatched_on},
        lambda: _dispatch(session, principal, invoice_id, dispatched_on),
    )


async def _dispatch(
    session: AsyncSession, principal: Principal, invoice_id: uuid.UUID, dispatched_on: date
) -> BillingDocument:
    doc = await _invoice(session, principal, invoice_id)
    if doc.dispatched_on is not None:
        raise DocumentStateError("already dispatched", field="input.invoiceId")
    if dispatched_on < doc.issued_on:
        raise ValidationFailed("cannot dispatch before the invoice date", field="input.on")
    doc.dispatched_on = dispatched_on
    await session.flush()
    await _advance_order(session, principal, doc, OrderStatus.DISPATCHED, "dispatched_on")
    return doc


async def deliver_invoice(
    session: AsyncSession,
    *,
    principal: Principal,
    invoice_id: uuid.UUID,
    delivered_on: date,
    batches: Sequence[DeliveredBatch],
    idempotency_key: str | None = None,
) -> BillingDocument:
    """Record delivery by batch: stock receipts for the distributor, delivered quantities.

    Units not delivered stay undelivered (short supply shows in fill rate and order accuracy).
    """
    return await _once(
        session,
        principal,
        idempotency_key,
        "deliverInvoice",
        {"invoice": invoice_id, "on": delivered_on, "batches": [asdict(b) for b in batches]},
        lambda: _deliver(session, principal, invoice_id, delivered_on, batches),
    )


async def _deliver(
    session: AsyncSession,
    principal: Principal,
    invoice_id: uuid.UUID,
    delivered_on: date,
    batches: Sequence[DeliveredBatch],
) -> BillingDocument:
    doc = await _invoice(session, principal, invoice_id)
    if doc.dispatched_on is None or doc.delivered_on is not None:
        raise DocumentStateError(
            "deliver a dispatched, undelivered invoice", field="input.invoiceId"
        )
    if delivered_on < doc.dispatched_on:
        raise ValidationFailed("cannot deliver before the dispatch date", field="input.on")
    if not batches:
        raise ValidationFailed("give the units received per line and batch", field="input.batches")
    lines = {
        ln.id: ln
        for ln in (
            await session.execute(select(BillingLine).where(BillingLine.document_id == doc.id))
        ).scalars()
    }
    received: dict[uuid.UUID, int] = {}
    for i, b in enumerate(batches):
        line = lines.get(b.billing_line_id)
        if line is None:
            raise NotFound("no such line on this invoice", field=f"input.batches[{i}].lineId")
        received[line.id] = received.get(line.id, 0) + b.quantity
        if b.quantity <= 0 or received[line.id] > line.quantity:
            raise ValidationFailed(
                "a positive quantity, in all no more than invoiced",
                field=f"input.batches[{i}].quantity",
            )
        if not b.batch.strip() or len(b.batch) > 40:
            raise ValidationFailed(
                "a batch code of 1 to 40 characters", field=f"input.batches[{i}].batch"
            )
        await move_stock(
            session,
            tenant_id=doc.tenant_id,
            key=StockKey(doc.distributor_id, line.product_id, b.batch),
            kind=MovementKind.RECEIPT,
            quantity=b.quantity,
            reason=f"delivery of {doc.number}",
            source_id=doc.id,
            expires_on=b.expires_on,
            field=f"input.batches[{i}].quantity",
        )
        if line.order_line_id is not None:
            order_line = await session.get_one(PrimaryOrderLine, line.order_line_id)
            order_line.delivered_quantity += b.quantity
    doc.delivered_on = delivered_on
    await session.flush()
    await _advance_order(session, principal, doc, OrderStatus.DELIVERED, "delivered_on")
    return doc


async def _advance_order(
    session: AsyncSession,
    principal: Principal,
    doc: BillingDocument,
    target: OrderStatus,
    date_field: str,
) -> None:
    # The order moves on once it is fully invoiced and every one of its invoices has moved.
    if doc.order_id is None:
        return
    order = (
        await session.execute(
            select(PrimaryOrder)
            .where(PrimaryOrder.id == doc.order_id)
            .with_for_update(key_share=True)
        )
    ).scalar_one()
    if order.status not in (OrderStatus.INVOICED, OrderStatus.DISPATCHED):
        return
    pending = await session.scalar(
        select(BillingDocument.id)
        .where(
            BillingDocument.order_id == order.id,
            BillingDocument.kind == DocumentKind.INVOICE,
            getattr(BillingDocument, date_field).is_(None),
        )
        .limit(1)
    )
    if pending is None and order.status is not target:
        await record_transition(session, principal, order, order.status, target, date_field)
