"""Placing a primary order: validate the lines, lock today's prices, price them with the
distributor's PRIMARY schemes of the order date (`orders.schemes`), save a draft."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.catalog.models import Product
from backend.identity.models import Role, Tenant
from backend.kit.db import new_id
from backend.kit.errors import NotFound, PermissionDenied
from backend.kit.idempotency import run_once
from backend.kit.validation import Checks
from backend.orders.errors import NoPrice
from backend.orders.models import OrderStatus, PrimaryOrder, PrimaryOrderLine, PrimarySettings
from backend.orders.schemes import apply_order_schemes
from backend.orders.settings import primary_settings
from backend.orders.workflow import load_order, record_transition, submit_order
from backend.parties.repository import distributors_by_ids
from backend.pricing.prices import pick_price
from backend.pricing.service import price_rows

MAX_LINES = 200


@dataclass(frozen=True)
class LineDraft:
    """One SKU and quantity, in units or in cases."""

    product_id: uuid.UUID
    quantity: int
    in_cases: bool = False


@dataclass(frozen=True)
class OrderDraft:
    """What a distributor (or HQ for it) asks for."""

    distributor_id: uuid.UUID
    lines: Sequence[LineDraft]
    order_date: date
    requested_on: date | None = None
    place_of_supply: str | None = None
    reference: str | None = None
    submit: bool = False
    notes: dict[str, str] = field(default_factory=dict)


async def place_order(
    session: AsyncSession, *, principal: Principal, draft: OrderDraft, idempotency_key: str | None
) -> PrimaryOrder:
    """Create an order at today's prices (and submit it when asked); retries return the first."""
    principal.require(Role.ADMIN, Role.MANAGER, Role.DISTRIBUTOR)
    if principal.role is Role.DISTRIBUTOR and principal.distributor_id != draft.distributor_id:
        raise PermissionDenied("a distributor orders only for itself", field="input.distributorId")
    if principal.role is not Role.ADMIN and draft.order_date != date.today():
        # Prices follow the order date: only HQ may place an order on another day.
        raise PermissionDenied(
            "only HQ may date an order other than today", field="input.orderDate"
        )

    async def create() -> uuid.UUID:
        order = await _create(session, principal, draft)
        if draft.submit:
            await submit_order(session, principal=principal, order_id=order.id, reason="placed")
        return order.id

    order_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="placePrimaryOrder",
        payload=asdict(draft),
        create=create,
    )
    return await load_order(session, principal, order_id)


async def _create(session: AsyncSession, principal: Principal, draft: OrderDraft) -> PrimaryOrder:
    checks = Checks()
    found = await distributors_by_ids(session, principal, [draft.distributor_id])
    distributor = found[0] if found else None
    if distributor is None or not distributor.is_active:
        checks.add(NotFound("no such active distributor", field="input.distributorId"))
    if not draft.lines or len(draft.lines) > MAX_LINES:
        checks.fail("input.lines", f"give 1 to {MAX_LINES} lines")
    settings = await primary_settings(session, principal.tenant_id)
    products = await _products(session, [line.product_id for line in draft.lines])
    prices = await price_rows(session, list(products))
    quantities = _check_lines(draft, products, settings, checks)
    checks.raise_if_any()
    assert distributor is not None
    tenant = await session.get_one(Tenant, principal.tenant_id)
    order = PrimaryOrder(
        id=new_id(),
        tenant_id=principal.tenant_id,
        reference=draft.reference or f"PO-{uuid.uuid4().hex[:10].upper()}",
        distributor_id=distributor.id,
        status=OrderStatus.DRAFT,
        currency=distributor.currency,
        order_date=draft.order_date,
        requested_on=draft.requested_on,
        place_of_supply=draft.place_of_supply,
        total=Decimal("0.00"),
        invoiced_total=Decimal("0.00"),
        created_by=principal.user_id,
    )
    intra = draft.place_of_supply is None or draft.place_of_supply == settings.home_state
    lines = []
    for i, (line, qty) in enumerate(zip(draft.lines, quantities, strict=True)):
        product = products[line.product_id]
        row = pick_price(prices.get(product.id, []), tier=distributor.tier, on=draft.order_date)
        if row is None:
            checks.add(NoPrice("no price in force", field=f"input.lines[{i}].productId"))
            continue
        lines.append(
            PrimaryOrderLine(
                id=new_id(),
                tenant_id=principal.tenant_id,
                order_id=order.id,
                line_no=i + 1,
                product_id=product.id,
                quantity=qty,
                unit_price=row.distributor_price,
                gross=Decimal("0.00"),  # set by apply_order_schemes
                discount=Decimal("0.00"),
                is_free=False,
                invoiced_quantity=0,
                delivered_quantity=0,
            )
        )
    checks.raise_if_any()
    free_lines, given = await apply_order_schemes(
        session,
        order=order,
        lines=lines,
        products=products,
        regime=tenant.tax_regime,
        intra_state=intra,
    )
    session.add(order)
    await session.flush()
    session.add_all([*lines, *free_lines])
    await session.flush()
    session.add_all(given)
    await record_transition(session, principal, order, None, OrderStatus.DRAFT, "placed")
    await session.flush()
    return order


def _check_lines(
    draft: OrderDraft, products: dict[uuid.UUID, Product], settings: PrimarySettings, checks: Checks
) -> list[int]:
    quantities = []
    seen: set[uuid.UUID] = set()
    for i, line in enumerate(draft.lines):
        path = f"input.lines[{i}]"
        product = products.get(line.product_id)
        if product is None or not product.is_active:
            checks.fail(f"{path}.productId", "unknown or inactive SKU", code="UNKNOWN_SKU")
            quantities.append(0)
            continue
        if line.product_id in seen:
            checks.fail(f"{path}.productId", "SKU appears twice; merge the lines")
        seen.add(line.product_id)
        qty = line.quantity * (product.case_size if line.in_cases else 1)
        if line.quantity <= 0 or qty > 10_000_000:
            checks.fail(f"{path}.quantity", "must be a positive quantity")
        elif settings.enforce_case_multiples and qty % product.case_size:
            checks.fail(
                f"{path}.quantity",
                f"must be a multiple of the case size {product.case_size}",
                code="CASE_MULTIPLE",
            )
        quantities.append(qty)
    return quantities


async def _products(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, Product]:
    rows = (await session.execute(select(Product).where(Product.id.in_(ids)))).scalars()
    return {p.id: p for p in rows}
