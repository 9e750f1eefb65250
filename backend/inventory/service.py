"""Distributor stock: every change is a movement row and an atomic, never-negative update."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.inventory.errors import BatchMismatch, InsufficientStock
from backend.inventory.models import DistributorStock, MovementKind, StockMovement
from backend.kit.constraints import register_check
from backend.kit.errors import ValidationFailed

__all__ = ["InsufficientStock", "StockKey", "adjust_stock", "move_stock", "transfer_stock"]

register_check(
    "ck_distributor_stock_quantity_not_negative", "input.quantity", "stock cannot go below zero"
)


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
    movement_id: uuid.UUID | None = None,
) -> int:
    """Apply a signed movement and return the new on-hand quantity.

    A new batch row takes `expires_on`; an existing batch keeps its expiry and a different one
    is refused (a batch has one expiry date).
    """
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
            .returning(DistributorStock.id, DistributorStock.quantity, DistributorStock.expires_on)
        )
    ).first()
    if row is None:
        raise InsufficientStock("not enough stock of this batch", field=field)
    if expires_on is not None and row[2] is not None and row[2] != expires_on:
        raise BatchMismatch(
            f"batch {key.batch} is recorded with expiry {row[2].isoformat()}",
            field=field.rsplit(".", 1)[0] + ".expiresOn",
        )
    if expires_on is not None and row[2] is None:
        await session.execute(
            update(DistributorStock)
            .where(DistributorStock.id == row[0])
            .values(expires_on=expires_on)
        )
    session.add(
        StockMovement(
            id=movement_id or uuid.uuid4(),
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
    transfer_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Move units of a batch from one distributor to another: both movements or neither.

    The target batch keeps the source batch's expiry. Returns the transfer id, the source id of
    both movements.
    """
    if quantity <= 0 or source.product_id != target.product_id:
        raise ValidationFailed("transfer a positive quantity of one SKU", field="input.quantity")
    if source == target:
        raise ValidationFailed(
            "transfer to another distributor or batch", field="input.toDistributorId"
        )
    expires_on = await session.scalar(
        select(DistributorStock.expires_on).where(
            DistributorStock.distributor_id == source.distributor_id,
            DistributorStock.product_id == source.product_id,
            DistributorStock.batch == source.batch,
        )
    )
    transfer_id = transfer_id or uuid.uuid4()
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
            expires_on=expires_on if signed > 0 else None,
        )
    return transfer_id


@dataclass(frozen=True)
class BatchPick:
    """Units of one batch to take for a sale."""

    product_id: uuid.UUID
    batch: str
    expires_on: date | None
    quantity: int


def fefo_order(row: DistributorStock) -> tuple[bool, date, str]:
    """First-expiry-first-out: the earliest expiry first, batches without expiry last."""
    return (row.expires_on is None, row.expires_on or date.max, row.batch)


async def lock_sellable_batches(
    session: AsyncSession, *, distributor_id: uuid.UUID, product_ids: list[uuid.UUID], on: date
) -> dict[uuid.UUID, list[DistributorStock]]:
    """The distributor's batches of these SKUs with stock, not expired on `on` (a batch is
    sellable through its expiry date), locked in primary-key order and then sorted FEFO.

    Holding the locks until commit is what keeps concurrent invoices from selling the same
    units: a second biller waits, then reads the quantities the first one left.
    """
    rows = (
        await session.execute(
            select(DistributorStock)
            .where(
                DistributorStock.distributor_id == distributor_id,
                DistributorStock.product_id.in_(product_ids),
                DistributorStock.quantity > 0,
                (DistributorStock.expires_on.is_(None)) | (DistributorStock.expires_on >= on),
            )
            .order_by(DistributorStock.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalars()
    found: dict[uuid.UUID, list[DistributorStock]] = {p: [] for p in product_ids}
    for row in rows:
        found[row.product_id].append(row)
    return {p: sorted(batches, key=fefo_order) for p, batches in found.items()}


def plan_fefo(
    batches: list[DistributorStock], quantity: int, taken: dict[uuid.UUID, int] | None = None
) -> list[BatchPick]:
    """Picks covering up to `quantity` from FEFO-sorted batches, skipping units already `taken`
    (by stock row id) earlier in the same document; fewer units when stock runs out."""
    taken = taken if taken is not None else {}
    picks, left = [], quantity
    for row in batches:
        if left == 0:
            break
        free = row.quantity - taken.get(row.id, 0)
        if free <= 0:
            continue
        n = min(free, left)
        taken[row.id] = taken.get(row.id, 0) + n
        picks.append(BatchPick(row.product_id, row.batch, row.expires_on, n))
        left -= n
    return picks


async def take_picks(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    distributor_id: uuid.UUID,
    picks: list[BatchPick],
    reason: str,
    source_id: uuid.UUID,
) -> None:
    """Take picked units out of stock as SALE movements (each refused if it would go negative)."""
    for pick in picks:
        await move_stock(
            session,
            tenant_id=tenant_id,
            key=StockKey(distributor_id, pick.product_id, pick.batch),
            kind=MovementKind.SALE,
            quantity=-pick.quantity,
            reason=reason,
            source_id=source_id,
        )
