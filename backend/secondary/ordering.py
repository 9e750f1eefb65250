"""Secondary orders: entered at the distributor's desk or converted from a rep's captured order,
priced at the retailer prices in force on the order date, credit-checked, held or released."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.catalog.models import Product
from backend.field import dms_checks
from backend.field.visit_models import CapturedOrder, CapturedOrderLine, CapturedOrderStatus
from backend.identity.models import Role, Tenant
from backend.kit.errors import JalurError, NotFound, ValidationFailed
from backend.kit.idempotency import run_once
from backend.kit.validation import Checks
from backend.orders.errors import NoPrice
from backend.orders.models import CreditAction
from backend.parties.models import Distributor, Retailer
from backend.parties.repository import retailer_scope
from backend.pricing.prices import pick_price
from backend.pricing.service import price_rows
from backend.pricing.tax import line_tax
from backend.secondary.credit import load_retailer, retailer_credit_problem
from backend.secondary.errors import AlreadyConverted, OrderStateError
from backend.secondary.models import (
    OrderSource,
    SecondaryOrder,
    SecondaryOrderLine,
    SecondaryOrderStatus,
)
from backend.secondary.settings import secondary_settings

MAX_LINES = 200
DESK_ROLES = (Role.ADMIN, Role.MANAGER, Role.DISTRIBUTOR)


@dataclass(frozen=True)
class SecondaryLineDraft:
    """A SKU and a quantity in units."""

    product_id: uuid.UUID
    quantity: int


@dataclass(frozen=True)
class SecondaryOrderDraft:
    """A desk order for a retailer."""

    retailer_id: uuid.UUID
    lines: Sequence[SecondaryLineDraft]
    order_date: date


async def place_secondary_order(
    session: AsyncSession,
    *,
    principal: Principal,
    draft: SecondaryOrderDraft,
    idempotency_key: str | None,
) -> SecondaryOrder:
    """Enter an order at the desk; a failed credit check holds or refuses it as configured."""
    principal.require(*DESK_ROLES)

    async def create() -> uuid.UUID:
        retailer = await load_retailer(
            session, principal, draft.retailer_id, field="input.retailerId", lock=True
        )
        lines = [(ln.product_id, ln.quantity) for ln in draft.lines]
        priced = await price_lines(session, retailer, lines, draft.order_date, field="input.lines")
        order = await _create(
            session, principal, retailer, priced, draft.order_date, OrderSource.DESK, None
        )
        return order.id

    order_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="placeSecondaryOrder",
        payload=asdict(draft),
        create=create,
    )
    return await session.get_one(SecondaryOrder, order_id)


async def convert_captured_order(
    session: AsyncSession, *, principal: Principal, captured_order_id: uuid.UUID
) -> SecondaryOrder:
    """Turn a rep's captured order into a secondary order (once: a second call returns it)."""
    principal.require(*DESK_ROLES)
    captured = (
        await session.execute(
            select(CapturedOrder)
            .join(Retailer, Retailer.id == CapturedOrder.retailer_id)
            .where(CapturedOrder.id == captured_order_id, retailer_scope(principal))
            .with_for_update(of=CapturedOrder)
        )
    ).scalar_one_or_none()
    if captured is None:
        raise NotFound("no such captured order", field="input.capturedOrderId")
    if captured.status is CapturedOrderStatus.CONVERTED and captured.secondary_order_id:
        return await session.get_one(SecondaryOrder, captured.secondary_order_id)
    if captured.status is not CapturedOrderStatus.CAPTURED:
        raise AlreadyConverted(
            f"the captured order is {captured.status.value}", field="input.capturedOrderId"
        )
    retailer = await load_retailer(
        session, principal, captured.retailer_id, field="input.capturedOrderId", lock=True
    )
    lines = await _captured_lines(session, captured.id)
    priced = await price_lines(
        session, retailer, lines, captured.captured_at.date(), field="input.lines"
    )
    return await _convert(session, principal, captured, retailer, priced)


async def _captured_lines(
    session: AsyncSession, captured_order_id: uuid.UUID
) -> list[tuple[uuid.UUID, int]]:
    rows = await session.execute(
        select(CapturedOrderLine.product_id, CapturedOrderLine.quantity)
        .where(CapturedOrderLine.order_id == captured_order_id)
        .order_by(CapturedOrderLine.product_id)
    )
    return [(p, q) for p, q in rows.all()]


async def _convert(
    session: AsyncSession,
    principal: Principal,
    captured: CapturedOrder,
    retailer: Retailer,
    priced: list[tuple[Product, int, Decimal]],
) -> SecondaryOrder:
    order = await _create(
        session,
        principal,
        retailer,
        priced,
        captured.captured_at.date(),
        OrderSource.VISIT,
        captured.id,
    )
    captured.status = CapturedOrderStatus.CONVERTED
    captured.secondary_order_id = order.id
    await session.flush()
    return order


async def convert_on_capture(
    session: AsyncSession, principal: Principal, captured_order_id: uuid.UUID, field: str
) -> str | None:
    """Field capture hook: the captured order becomes a secondary order at the serving
    distributor in the capture's transaction (online capture or each synced item).

    Credit is decided under the retailer's row lock like every other order of the retailer, so
    concurrent syncs of several reps are decided one after another. Over the limit, REFUSE raises
    (the capture is refused and nothing of it is kept) and HOLD creates the order held, which the
    returned note tells the rep. Lines without a retailer price in force cannot be priced here: the
    order stays captured for the desk to convert once the price list is fixed, and the note says so.
    """
    captured = await session.get_one(CapturedOrder, captured_order_id)
    # The rep's capture already checked the outlet is theirs; the desk's scope does not apply.
    # FOR NO KEY UPDATE: this transaction already holds a key-share lock on the retailer (its
    # visit and captured order reference it), and so may another rep's; upgrading both to FOR
    # UPDATE would deadlock, whereas NO KEY UPDATE does not conflict with key-share locks. It
    # still conflicts with itself and with the desk's and billing's FOR UPDATE, so every credit
    # decision of the retailer is taken in turn.
    retailer = (
        await session.execute(
            select(Retailer)
            .where(Retailer.id == captured.retailer_id)
            .with_for_update(key_share=True)
        )
    ).scalar_one()
    lines = await _captured_lines(session, captured.id)
    try:
        priced = await price_lines(
            session, retailer, lines, captured.captured_at.date(), field=f"{field}.lines"
        )
    except JalurError as exc:
        return f"kept for the distributor's desk, not priced: {exc.message}"
    try:
        order = await _convert(session, principal, captured, retailer, priced)
    except JalurError as exc:
        if exc.field is None or exc.field.startswith("input"):
            exc.field = field
        raise
    if order.status is SecondaryOrderStatus.HELD:
        return f"secondary order held for credit: {order.hold_reason}"
    return None


async def _create(
    session: AsyncSession,
    principal: Principal,
    retailer: Retailer,
    priced: list[tuple[Product, int, Decimal]],
    order_date: date,
    source: OrderSource,
    captured_order_id: uuid.UUID | None,
) -> SecondaryOrder:
    tenant = await session.get_one(Tenant, principal.tenant_id)
    total = sum(
        (
            line_tax(tenant.tax_regime, product.tax_class, price * qty).gross
            for product, qty, price in priced
        ),
        Decimal("0.00"),
    )
    order = SecondaryOrder(
        id=uuid.uuid4(),
        tenant_id=principal.tenant_id,
        distributor_id=retailer.distributor_id,
        retailer_id=retailer.id,
        source=source,
        captured_order_id=captured_order_id,
        status=SecondaryOrderStatus.OPEN,
        order_date=order_date,
        currency=tenant.currency,
        total=total,
        credit_released=False,
        created_by=principal.user_id,
    )
    problem = await retailer_credit_problem(session, retailer, this_order=total, today=order_date)
    if problem is not None:
        settings = await secondary_settings(session, principal.tenant_id)
        if settings.credit_action is CreditAction.REFUSE:
            raise problem
        order.status = SecondaryOrderStatus.HELD
        order.hold_reason = f"{problem.code}: {problem.message}"[:300]
    session.add(order)
    await session.flush()
    session.add_all(
        SecondaryOrderLine(
            id=uuid.uuid4(),
            tenant_id=principal.tenant_id,
            order_id=order.id,
            line_no=n,
            product_id=product.id,
            quantity=qty,
            unit_price=price,
            billed_quantity=0,
        )
        for n, (product, qty, price) in enumerate(priced, start=1)
    )
    await session.flush()
    return order


async def price_lines(
    session: AsyncSession,
    retailer: Retailer,
    lines: list[tuple[uuid.UUID, int]],
    on: date,
    *,
    field: str,
) -> list[tuple[Product, int, Decimal]]:
    """Validate lines and price them at the retailer price for the distributor's tier."""
    checks = Checks()
    if not lines:
        checks.fail(field, "an order needs at least one line")
    if len(lines) > MAX_LINES:
        checks.fail(field, f"at most {MAX_LINES} lines")
    seen: set[uuid.UUID] = set()
    for i, (product_id, qty) in enumerate(lines):
        if qty <= 0:
            checks.fail(f"{field}[{i}].quantity", "must be positive")
        if product_id in seen:
            checks.fail(f"{field}[{i}].productId", "this SKU is already on the order")
        seen.add(product_id)
    checks.raise_if_any()
    ids = [p for p, _ in lines]
    products = {
        p.id: p
        for p in (await session.execute(select(Product).where(Product.id.in_(ids)))).scalars()
    }
    distributor = await session.get_one(Distributor, retailer.distributor_id)
    prices = await price_rows(session, ids)
    priced = []
    for i, (product_id, qty) in enumerate(lines):
        product = products.get(product_id)
        if product is None or not product.is_active:
            checks.add(NotFound("no such active SKU", field=f"{field}[{i}].productId"))
            continue
        row = pick_price(prices.get(product_id, []), tier=distributor.tier, on=on)
        if row is None:
            checks.add(NoPrice("no retailer price in force", field=f"{field}[{i}].productId"))
            continue
        priced.append((product, qty, row.retailer_price))
    checks.raise_if_any()
    return priced


async def load_order(
    session: AsyncSession, principal: Principal, order_id: uuid.UUID, *, field: str
) -> SecondaryOrder:
    """A visible secondary order, locked for a state change."""
    order = (
        await session.execute(
            select(SecondaryOrder)
            .join(Retailer, Retailer.id == SecondaryOrder.retailer_id)
            .where(SecondaryOrder.id == order_id, retailer_scope(principal))
            .with_for_update(of=SecondaryOrder)
        )
    ).scalar_one_or_none()
    if order is None:
        raise NotFound("no such secondary order", field=field)
    return order


async def release_order(
    session: AsyncSession, *, principal: Principal, order_id: uuid.UUID, reason: str
) -> SecondaryOrder:
    """Release a credit-held order for billing (ADMIN or MANAGER), recording why."""
    principal.require(Role.ADMIN, Role.MANAGER)
    if not reason.strip():
        raise ValidationFailed("a release needs a reason", field="input.reason")
    order = await load_order(session, principal, order_id, field="input.orderId")
    if order.status is not SecondaryOrderStatus.HELD:
        raise OrderStateError(
            f"only a held order can be released; this one is {order.status.value}",
            field="input.orderId",
        )
    order.status = SecondaryOrderStatus.OPEN
    order.credit_released = True
    order.hold_reason = f"released by {principal.username}: {reason}"[:300]
    await session.flush()
    return order


async def cancel_order(
    session: AsyncSession, *, principal: Principal, order_id: uuid.UUID
) -> SecondaryOrder:
    """Cancel an order (or what is left of it as a backorder) before it is fully billed."""
    principal.require(*DESK_ROLES)
    order = await load_order(session, principal, order_id, field="input.orderId")
    if order.status in (SecondaryOrderStatus.BILLED, SecondaryOrderStatus.CANCELLED):
        raise OrderStateError(
            f"cannot cancel an order that is {order.status.value}", field="input.orderId"
        )
    order.status = SecondaryOrderStatus.CANCELLED
    await session.flush()
    return order


dms_checks.register_on_capture(convert_on_capture)
