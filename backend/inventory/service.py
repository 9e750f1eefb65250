"""Distributor stock: every change is a movement row and an atomic, never-negative update."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.inventory.models import DistributorStock, MovementKind, StockMovement
from backend.kit.errors import JalurError, ValidationFailed


class InsufficientStock(JalurError):
    """A movement would take stock below zero."""

    code = "INSUFFICIENT_STOCK"


@dataclass(frozen=True)
class StockKey:
    """Which stock row: distributor, SKU, batch."""

    distributor_id: uuid.UUID
    product_id: uuid.UUID
    batch: str


async def move_stock(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    key: StockKey,
    kind: MovementKind,
    quantity: int,
    reason: str,
    source_id: uuid.UUID | None = None,
    expires_on: date | None = None,
    field: str = "input.quantity",
) -> int:
    """Apply a signed movement and return the new on-hand quantity."""
    if quantity == 0:
        raise ValidationFailed("a movement moves something", field=field)
    await session.execute(
        insert(DistributorStock)
        .values(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            distributor_id=key.distributor_id,
            product_id=key.product_id,
            batch=key.batch,
            expires_on=expires_on,
            quantity=0,
        )
        .on_conflict_do_nothing(
            index_elements=["tenant_id", "distributor_id", "product_id", "batch"]
        )
    )
    row = (
        await session.execute(
            update(DistributorStock)
            .where(
                DistributorStock.tenant_id == tenant_id,
                DistributorStock.distributor_id == key.distributor_id,
                DistributorStock.product_id == key.product_id,
                DistributorStock.batch == key.batch,
                DistributorStock.quantity + quantity >= 0,
            )
            .values(quantity=DistributorStock.quantity + quantity)
            .returning(DistributorStock.id, DistributorStock.quantity)
        )
    ).first()
    if row is None:
        raise InsufficientStock("not enough stock of this batch", field=field)
    session.add(
        StockMovement(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            stock_id=row[0],
            kind=kind,
            quantity=quantity,
            reason=reason[:200],
            source_id=source_id,
        )
    )
    await session.flush()
    return int(row[1])


async def stock_of(session: AsyncSession, key: StockKey) -> int:
    """On-hand units of one batch (0 when never stocked)."""
    value = await session.scalar(
        select(DistributorStock.quantity).where(
            DistributorStock.distributor_id == key.distributor_id,
            DistributorStock.product_id == key.product_id,
            DistributorStock.batch == key.batch,
        )
    )
    return int(value or 0)


async def adjust_stock(
    session: AsyncSession, *, tenant_id: uuid.UUID, key: StockKey, quantity: int, reason: str
) -> int:
    """Correct a batch's stock (count difference, breakage) with a stated reason."""
    if not reason.strip():
        raise ValidationFailed("an adjustment needs a reason", field="input.reason")
    return await move_stock(
        session,
        tenant_id=tenant_id,
        key=key,
        kind=MovementKind.ADJUSTMENT,
        quantity=quantity,
        reason=reason,
    )


async def transfer_stock(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    source: StockKey,
    target: StockKey,
    quantity: int,
    reason: str,
) -> None:
    """Move units of a batch from one distributor to another: both movements or neither."""
    if quantity <= 0 or source.product_id != target.product_id:
        raise ValidationFailed("transfer a positive quantity of one SKU", field="input.quantity")
    transfer_id = uuid.uuid4()
    # Lock the two rows in key order so crossing transfers cannot deadlock.
    first, second = sorted([(source, -quantity), (target, quantity)], key=lambda m: str(m[0]))
    for key, signed in (first, second):
        kind = MovementKind.TRANSFER_OUT if signed < 0 else MovementKind.TRANSFER_IN
        await move_stock(
            session,
            tenant_id=tenant_id,
            key=key,
            kind=kind,
            quantity=signed,
            reason=reason,
            source_id=transfer_id,
        )
