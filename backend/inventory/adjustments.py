"""Stock corrections a person makes: an adjustment with a reason, a transfer between distributors.

Both are idempotent (a retry with the key returns the first movement), validated before anything
moves, and atomic: a refused request leaves stock and movements as they were.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.catalog.models import Product
from backend.identity.models import Role
from backend.inventory.models import DistributorStock, MovementKind, StockMovement
from backend.inventory.repository import movements_by_ids, movements_from
from backend.inventory.service import StockKey, move_stock, transfer_stock
from backend.kit.errors import NotFound, PermissionDenied
from backend.kit.idempotency import run_once
from backend.kit.validation import Checks
from backend.parties.repository import distributors_by_ids

MAX_UNITS = 10_000_000
BATCH_LENGTH = 40
REASON_LENGTH = 200


@dataclass(frozen=True)
class AdjustmentDraft:
    """A signed correction of one batch at one distributor, and why."""

    distributor_id: uuid.UUID
    product_id: uuid.UUID
    batch: str
    quantity: int
    reason: str
    expires_on: date | None = None


@dataclass(frozen=True)
class TransferDraft:
    """Units of one batch moved from one distributor to another, and why."""

    from_distributor_id: uuid.UUID
    to_distributor_id: uuid.UUID
    product_id: uuid.UUID
    batch: str
    quantity: int
    reason: str


@dataclass(frozen=True)
class StockChange:
    """The movements a request made (one for an adjustment, out then in for a transfer)."""

    movements: list[StockMovement]


def _check_common(checks: Checks, batch: str, reason: str) -> None:
    checks.text("input.batch", batch, max_length=BATCH_LENGTH)
    checks.text("input.reason", reason, max_length=REASON_LENGTH)


async def _check_product(session: AsyncSession, product_id: uuid.UUID, checks: Checks) -> None:
    if await session.scalar(select(Product.id).where(Product.id == product_id)) is None:
        checks.add(NotFound("no such SKU", field="input.productId"))


async def _check_distributor(
    session: AsyncSession, principal: Principal, distributor_id: uuid.UUID, field: str
) -> None:
    if not await distributors_by_ids(session, principal, [distributor_id]):
        raise NotFound("no such distributor", field=field)


async def adjust_distributor_stock(
    session: AsyncSession,
    *,
    principal: Principal,
    draft: AdjustmentDraft,
    idempotency_key: str | None,
) -> StockChange:
    """Correct one batch (count difference, breakage…) with a reason; never below zero."""
    principal.require(Role.ADMIN, Role.MANAGER, Role.DISTRIBUTOR)
    if principal.role is Role.DISTRIBUTOR and principal.distributor_id != draft.distributor_id:
        raise PermissionDenied(
            "a distributor adjusts only its own stock", field="input.distributorId"
        )

    async def create() -> uuid.UUID:
        checks = Checks()
        _check_common(checks, draft.batch, draft.reason)
        if draft.quantity == 0 or abs(draft.quantity) > MAX_UNITS:
            checks.fail("input.quantity", f"a non-zero number of units, at most {MAX_UNITS}")
        await _check_product(session, draft.product_id, checks)
        checks.raise_if_any()
        await _check_distributor(session, principal, draft.distributor_id, "input.distributorId")
        movement_id = uuid.uuid4()
        await move_stock(
            session,
            tenant_id=principal.tenant_id,
            key=StockKey(draft.distributor_id, draft.product_id, draft.batch),
            kind=MovementKind.ADJUSTMENT,
            quantity=draft.quantity,
            reason=draft.reason.strip(),
            expires_on=draft.expires_on,
            movement_id=movement_id,
        )
        return movement_id

    movement_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="adjustDistributorStock",
        payload=asdict(draft),
        create=create,
    )
    return StockChange(list(await movements_by_ids(session, principal, [movement_id])))


async def transfer_between_distributors(
    session: AsyncSession,
    *,
    principal: Principal,
    draft: TransferDraft,
    idempotency_key: str | None,
) -> StockChange:
    """Move units of a batch from one distributor to another (HQ): both movements or neither."""
    principal.require(Role.ADMIN, Role.MANAGER)

    async def create() -> uuid.UUID:
        checks = Checks()
        _check_common(checks, draft.batch, draft.reason)
        if not 0 < draft.quantity <= MAX_UNITS:
            checks.fail("input.quantity", f"a positive number of units, at most {MAX_UNITS}")
        if draft.from_distributor_id == draft.to_distributor_id:
            checks.fail("input.toDistributorId", "transfer to another distributor")
        await _check_product(session, draft.product_id, checks)
        checks.raise_if_any()
        await _check_distributor(
            session, principal, draft.from_distributor_id, "input.fromDistributorId"
        )
        await _check_distributor(
            session, principal, draft.to_distributor_id, "input.toDistributorId"
        )
        return await transfer_stock(
            session,
            tenant_id=principal.tenant_id,
            source=StockKey(draft.from_distributor_id, draft.product_id, draft.batch),
            target=StockKey(draft.to_distributor_id, draft.product_id, draft.batch),
            quantity=draft.quantity,
            reason=draft.reason.strip(),
        )

    transfer_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="transferDistributorStock",
        payload=asdict(draft),
        create=create,
    )
    return StockChange(list(await movements_from(session, principal, transfer_id)))


async def stock_rows(
    session: AsyncSession, change: StockChange
) -> dict[uuid.UUID, DistributorStock]:
    """The stock rows the change's movements belong to, as they are now."""
    ids = [m.stock_id for m in change.movements]
    stmt = (
        select(DistributorStock)
        .where(DistributorStock.id.in_(ids))
        .execution_options(populate_existing=True)
    )
    return {row.id: row for row in (await session.execute(stmt)).scalars()}
