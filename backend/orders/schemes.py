"""PRIMARY schemes (brand → distributor) on primary orders: the same pure engine that prices
secondary bills (`schemes.engine.price_cart`), fed with the distributor's profile and the
PRIMARY schemes active for it (`schemes.service.active_primary_schemes`).

An order is priced when it is placed and again when it is approved (a scheme paused, ended or
exhausted in between no longer counts; one started in between does): each paid line gets its
discount and the schemes that gave it, the free goods become free lines at zero price, and the
order total (with tax on the discounted value) follows. The order only estimates: every invoice
prices the units it bills (`billing.invoicing`) and spends the budgets then.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.kit.errors import NotFound
from backend.orders.models import PrimaryOrder, PrimaryOrderLine, PrimaryOrderLineScheme
from backend.pricing.tax import line_tax
from backend.schemes.engine import Applied, PricedCart, price_cart
from backend.schemes.rules import CartLine, RetailerProfile, Scheme
from backend.schemes.service import active_primary_schemes, distributor_profile_of

MINOR_UNITS = 2  # amounts are NUMERIC(18, 2) end to end
ZERO = Decimal("0.00")
FREE_GOODS = "FREE_GOODS"


@dataclass(frozen=True)
class SchemeGiven:
    """What one scheme gave on one line, explained."""

    code: str
    kind: str
    discount: Decimal
    free_quantity: int
    free_value: Decimal
    explanation: str


@dataclass(frozen=True)
class PrimaryPricing:
    """A priced primary cart with what the engine needs to explain it."""

    cart: PricedCart
    schemes: list[Scheme]
    profile: RetailerProfile


async def primary_schemes_for(
    session: AsyncSession, distributor_id: uuid.UUID, on: date
) -> tuple[RetailerProfile, list[Scheme]]:
    """The distributor's engine profile and the PRIMARY schemes it may get on `on`."""
    profile = await distributor_profile_of(session, distributor_id)
    return profile, await active_primary_schemes(session, distributor_id=distributor_id, on=on)


def price_primary(
    lines: Sequence[tuple[Product, int, Decimal]],
    profile: RetailerProfile,
    day: date,
    schemes: Iterable[Scheme],
) -> PricedCart:
    """Price (product, units, unit price) lines with the engine."""
    cart = [
        CartLine(product.sku, quantity, unit_price, product.brand, product.category)
        for product, quantity, unit_price in lines
    ]
    return price_cart(cart, profile, day, schemes, minor_units=MINOR_UNITS)


def given_on_line(applied: Iterable[Applied]) -> tuple[SchemeGiven, ...]:
    """One row per scheme of a priced line (a scheme applied twice is merged), by code."""
    merged: dict[str, tuple[str, Decimal, str]] = {}
    for a in applied:
        kind, amount, note = merged.get(a.code, (a.kind.value, ZERO, ""))
        note = f"{note}; {a.note}" if note else a.note
        merged[a.code] = (kind, amount + a.amount, note)
    return tuple(
        SchemeGiven(code, kind, amount, 0, ZERO, note[:300])
        for code, (kind, amount, note) in sorted(merged.items())
    )


async def products_by_sku(session: AsyncSession, skus: Iterable[str]) -> dict[str, Product]:
    """Products with these SKUs (the free goods a scheme gives), by SKU."""
    wanted = set(skus)
    if not wanted:
        return {}
    rows = (await session.execute(select(Product).where(Product.sku.in_(wanted)))).scalars()
    return {p.sku: p for p in rows}


async def apply_order_schemes(
    session: AsyncSession,
    *,
    order: PrimaryOrder,
    lines: Sequence[PrimaryOrderLine],
    products: dict[uuid.UUID, Product],
    regime: str,
    intra_state: bool,
) -> tuple[list[PrimaryOrderLine], list[PrimaryOrderLineScheme]]:
    """Price the order's paid lines with its distributor's PRIMARY schemes on the order date.

    Sets each line's discount and value with tax (`gross`) and the order total; returns the
    free lines and the applied-scheme rows to add (after the lines)."""
    profile, schemes = await primary_schemes_for(session, order.distributor_id, order.order_date)
    paid = sorted(lines, key=lambda ln: ln.line_no)
    cart = price_primary(
        [(products[ln.product_id], ln.quantity, ln.unit_price) for ln in paid],
        profile,
        order.order_date,
        schemes,
    )
    rows: list[PrimaryOrderLineScheme] = []
    for line, priced in zip(paid, cart.lines, strict=True):
        tax = line_tax(
            regime, products[line.product_id].tax_class, priced.net, intra_state=intra_state
        )
        line.discount = priced.discount
        line.gross = tax.gross
        rows += [_order_scheme(line, g) for g in given_on_line(priced.applied)]
    free_products = await products_by_sku(session, {f.sku for f in cart.free_items})
    free_lines: list[PrimaryOrderLine] = []
    line_no = max((ln.line_no for ln in paid), default=0)
    for item in cart.free_items:
        product = free_products.get(item.sku)
        if product is None:
            raise NotFound(f"scheme {item.code} gives unknown SKU {item.sku}", field="input.lines")
        line_no += 1
        free = PrimaryOrderLine(
            id=uuid.uuid4(),
            tenant_id=order.tenant_id,
            order_id=order.id,
            line_no=line_no,
            product_id=product.id,
            quantity=item.quantity,
            unit_price=ZERO,
            gross=ZERO,
            discount=ZERO,
            is_free=True,
            invoiced_quantity=0,
            delivered_quantity=0,
        )
        free_lines.append(free)
        given = SchemeGiven(item.code, FREE_GOODS, ZERO, item.quantity, item.value or ZERO, "")
        rows.append(_order_scheme(free, given, note=item.note))
    order.total = sum((ln.gross for ln in paid), ZERO)
    return free_lines, rows


async def reprice_order(
    session: AsyncSession, *, order: PrimaryOrder, regime: str, intra_state: bool
) -> None:
    """Price a not yet invoiced order again (its free lines and explanations are re-derived)."""
    lines = list(
        (
            await session.execute(
                select(PrimaryOrderLine)
                .where(PrimaryOrderLine.order_id == order.id)
                .order_by(PrimaryOrderLine.id)
                .with_for_update()
            )
        ).scalars()
    )
    ids = [ln.id for ln in lines]
    await session.execute(
        delete(PrimaryOrderLineScheme)
        .where(PrimaryOrderLineScheme.line_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    free_ids = [ln.id for ln in lines if ln.is_free]
    if free_ids:
        await session.execute(
            delete(PrimaryOrderLine)
            .where(PrimaryOrderLine.id.in_(free_ids))
            .execution_options(synchronize_session=False)
        )
        for ln in lines:
            if ln.is_free:
                session.expunge(ln)
    paid = [ln for ln in lines if not ln.is_free]
    rows = (
        await session.execute(select(Product).where(Product.id.in_({ln.product_id for ln in paid})))
    ).scalars()
    free_lines, given = await apply_order_schemes(
        session,
        order=order,
        lines=paid,
        products={p.id: p for p in rows},
        regime=regime,
        intra_state=intra_state,
    )
    await session.flush()
    session.add_all(free_lines)
    await session.flush()
    session.add_all(given)
    await session.flush()


def _order_scheme(
    line: PrimaryOrderLine, given: SchemeGiven, *, note: str | None = None
) -> PrimaryOrderLineScheme:
    return PrimaryOrderLineScheme(
        id=uuid.uuid4(),
        tenant_id=line.tenant_id,
        line_id=line.id,
        scheme_code=given.code[:40],
        scheme_kind=given.kind[:20],
        discount=given.discount,
        free_quantity=given.free_quantity,
        explanation=(given.explanation if note is None else note)[:300],
    )
