"""Collections: a retailer pays its distributor (cash or transfer, to a rep at a visit or at the
desk); the money is posted in the distributor's book and allocated to open invoices, oldest first
or as given; the rest stays on account. Phones resend, so a rep must send an idempotency key."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.billing.payments import OnAccount, apply_allocations, plan_allocations
from backend.field.visit_models import Visit
from backend.identity.models import Role, Tenant
from backend.kit.errors import NotFound, ValidationFailed
from backend.kit.idempotency import run_once_row
from backend.ledger.models import AccountKind
from backend.ledger.posting import Leg, Source, post
from backend.secondary.credit import load_retailer
from backend.secondary.models import (
    CollectionMethod,
    SecondaryAllocation,
    SecondaryCollection,
    SecondaryDocument,
    SecondaryDocumentKind,
    SecondaryNoteAllocation,
)

CASH_ACCOUNT = {
    CollectionMethod.CASH: AccountKind.CASH,
    CollectionMethod.TRANSFER: AccountKind.BANK,
}
COLLECTING_ROLES = (Role.ADMIN, Role.MANAGER, Role.DISTRIBUTOR, Role.REP)


@dataclass(frozen=True)
class CollectionDraft:
    """Money received from a retailer; allocations None means oldest first."""

    retailer_id: uuid.UUID
    method: CollectionMethod
    amount: Decimal
    received_on: date
    reference: str = ""
    visit_id: uuid.UUID | None = None
    allocations: Sequence[tuple[uuid.UUID, Decimal]] | None = None


async def record_collection(
    session: AsyncSession,
    *,
    principal: Principal,
    draft: CollectionDraft,
    idempotency_key: str | None,
) -> SecondaryCollection:
    """Record, post and allocate a collection; a retry with the key returns the first."""
    principal.require(*COLLECTING_ROLES)
    if principal.role is Role.REP and idempotency_key is None:
        raise ValidationFailed(
            "a collection from the field needs an idempotency key", field="input.idempotencyKey"
        )

    return await run_once_row(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="recordRetailerCollection",
        payload=asdict(draft),
        work=lambda: _record(session, principal, draft),
        load=lambda row_id: session.get_one(SecondaryCollection, row_id),
    )


Locked = TypeVar("Locked", SecondaryDocument, SecondaryCollection)


async def _lock_rows(
    session: AsyncSession, model: type[Locked], *where: ColumnElement[bool]
) -> list[Locked]:
    """The rows matching the conditions, locked in primary-key order: one lock order for every
    writer, so two transactions taking the same rows cannot deadlock."""
    statement = select(model).where(*where).order_by(model.id).with_for_update()
    return list((await session.execute(statement)).scalars())


async def lock_open_invoices(
    session: AsyncSession, retailer_id: uuid.UUID, distributor_id: uuid.UUID
) -> list[SecondaryDocument]:
    """The retailer's invoices with money open in one distributor's book, locked in primary-key
    order (one lock order for every writer), returned oldest due first: the order money is
    applied in. (A retailer moved to another distributor keeps its old invoices in the old
    book, where money received by the new one never goes.)"""
    docs = await _lock_rows(
        session,
        SecondaryDocument,
        SecondaryDocument.retailer_id == retailer_id,
        SecondaryDocument.distributor_id == distributor_id,
        SecondaryDocument.kind == SecondaryDocumentKind.INVOICE,
        SecondaryDocument.open_amount > 0,
    )
    docs.sort(key=lambda d: (d.due_on, d.issued_on, d.number))
    return docs


async def lock_money_on_account(
    session: AsyncSession, retailer_id: uuid.UUID, distributor_id: uuid.UUID
) -> list[OnAccount]:
    """The retailer's money on account in one distributor's book, each kind locked in
    primary-key order: collections with money left (oldest received first), then credit notes
    with credit left (returns beyond their invoice's open amount, QPS settlements; oldest
    first). Callers hold the retailer's lock."""
    collections = await _lock_rows(
        session,
        SecondaryCollection,
        SecondaryCollection.retailer_id == retailer_id,
        SecondaryCollection.distributor_id == distributor_id,
        SecondaryCollection.unallocated > 0,
    )
    collections.sort(key=lambda c: (c.received_on, c.created_at))
    notes = await _lock_rows(
        session,
        SecondaryDocument,
        SecondaryDocument.retailer_id == retailer_id,
        SecondaryDocument.distributor_id == distributor_id,
        SecondaryDocument.kind == SecondaryDocumentKind.CREDIT_NOTE,
        SecondaryDocument.open_amount > 0,
    )
    notes.sort(key=lambda d: (d.issued_on, d.number))
    return [
        *(OnAccount(c, "unallocated", SecondaryAllocation, "collection_id") for c in collections),
        *(OnAccount(n, "open_amount", SecondaryNoteAllocation, "note_id") for n in notes),
    ]


async def _record(
    session: AsyncSession, principal: Principal, draft: CollectionDraft
) -> SecondaryCollection:
    if draft.amount <= 0 or draft.amount != draft.amount.quantize(Decimal("0.01")):
        raise ValidationFailed("a positive amount in cents", field="input.amount")
    retailer = await load_retailer(
        session, principal, draft.retailer_id, field="input.retailerId", lock=True
    )
    if draft.visit_id is not None:
        visit = await session.get(Visit, draft.visit_id)
        if visit is None or visit.retailer_id != retailer.id:
            raise NotFound("no visit of this retailer with this id", field="input.visitId")
    # Plan (and check explicit allocations) before anything is written.
    docs = await lock_open_invoices(session, retailer.id, retailer.distributor_id)
    plan = plan_allocations([(d.id, d.open_amount) for d in docs], draft.amount, draft.allocations)
    tenant = await session.get_one(Tenant, principal.tenant_id)
    collection = SecondaryCollection(
        id=uuid.uuid4(),
        tenant_id=principal.tenant_id,
        distributor_id=retailer.distributor_id,
        retailer_id=retailer.id,
        visit_id=draft.visit_id,
        method=draft.method,
        reference=draft.reference[:60],
        currency=tenant.currency,
        amount=draft.amount,
        unallocated=draft.amount,
        received_on=draft.received_on,
        collected_by=principal.user_id,
    )
    session.add(collection)
    await session.flush()
    book = retailer.distributor_id
    await post(
        session,
        tenant_id=principal.tenant_id,
        source=Source("SECONDARY_COLLECTION", collection.id),
        legs=[
            Leg(CASH_ACCOUNT[draft.method], draft.amount, None, book),
            Leg(AccountKind.RECEIVABLE, -draft.amount, retailer.id, book),
        ],
        posted_on=draft.received_on,
        memo=f"collection {draft.method.value} {draft.reference}".strip(),
        currency=collection.currency,
        party_id=retailer.id,
        actor_id=principal.user_id,
    )
    collection.unallocated -= apply_allocations(
        session,
        docs,
        plan,
        SecondaryAllocation,
        tenant_id=principal.tenant_id,
        collection_id=collection.id,
    )
    await session.flush()
    return collection
