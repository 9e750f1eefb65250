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
