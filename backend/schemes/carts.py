"""What a rep or the retailer sees at the counter: the schemes of the day and a priced cart;
and the same for a distributor ordering from the brand (PRIMARY schemes, distributor prices).

A quote prices a cart at the retailer's price list price (the serving distributor's tier, on the
day) through the engine, with every applied scheme explained per line, the free goods, and the
next step of each scheme (`nudges.next_steps`). Nothing is saved.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.catalog.models import Product
from backend.kit.errors import NotFound
from backend.kit.validation import Checks
from backend.parties.models import Distributor, Retailer
from backend.parties.repository import distributors_by_ids, retailers_by_ids
from backend.pricing.prices import pick_price
from backend.pricing.service import price_rows
from backend.schemes.engine import PricedCart, price_cart
from backend.schemes.models import TradeScheme
from backend.schemes.nudges import Nudge, next_steps
from backend.schemes.repository import schemes_by_codes
from backend.schemes.rules import CartLine, RetailerProfile, Scheme
from backend.schemes.service import (
    active_primary_schemes,
    active_schemes,
    distributor_profile_of,
    retailer_profile_of,
)

MAX_CART_LINES = 200
MINOR_UNITS = 2  # amounts are NUMERIC(18, 2) end to end


@dataclass(frozen=True)
class CartItem:
    """A SKU and a quantity in units."""

    product_id: uuid.UUID
    quantity: int


@dataclass(frozen=True)
class CartQuote:
    """A priced cart with its explanations and nudges, and the rows the API maps them with."""

    currency: str
    priced: PricedCart
    nudges: list[Nudge]
    products: dict[str, Product]  # by SKU: the cart's and the free goods'
    schemes: dict[str, TradeScheme]  # by code: every scheme that applied or nudges


async def visible_retailer(
    session: AsyncSession, principal: Principal, retailer_id: uuid.UUID
) -> Retailer:
    """A retailer the principal may see, or NOT_FOUND."""
    found = await retailers_by_ids(session, principal, [retailer_id])
    if not found:
        raise NotFound("no such retailer", field="retailerId")
    return found[0]


async def schemes_for_retailer(
    session: AsyncSession, *, principal: Principal, retailer_id: uuid.UUID, on: date
) -> list[TradeScheme]:
    """Secondary schemes that apply to a visible retailer on `on`, in application order."""
    retailer = await visible_retailer(session, principal, retailer_id)
    found = await active_schemes(
        session, retailer_id=retailer.id, distributor_id=retailer.distributor_id, on=on
    )
    rows = await schemes_by_codes(session, [s.code for s in found])
    return [rows[s.code] for s in found]


async def quote_cart(
    session: AsyncSession,
    *,
    principal: Principal,
    retailer_id: uuid.UUID,
    on: date,
    items: Sequence[CartItem],
) -> CartQuote:
    """Price a cart for a visible retailer on a day, with explanations and next steps."""
    retailer = await visible_retailer(session, principal, retailer_id)
    distributor = await session.get_one(Distributor, retailer.distributor_id)
    return await _quote(
        session,
        items=items,
        tier=distributor.tier,
        currency=distributor.currency,
        on=on,
        price_of=lambda row: row.retailer_price,
        profile=await retailer_profile_of(session, retailer.id, distributor.id),
        schemes=await active_schemes(
            session, retailer_id=retailer.id, distributor_id=distributor.id, on=on
        ),
    )


async def visible_distributor(
    session: AsyncSession, principal: Principal, distributor_id: uuid.UUID
) -> Distributor:
    """A distributor the principal may see, or NOT_FOUND."""
    found = await distributors_by_ids(session, principal, [distributor_id])
    if not found:
        raise NotFound("no such distributor", field="distributorId")
    return found[0]


async def schemes_for_distributor(
    session: AsyncSession, *, principal: Principal, distributor_id: uuid.UUID, on: date
) -> list[TradeScheme]:
    """PRIMARY schemes that apply to a visible distributor on `on`, in application order."""
    distributor = await visible_distributor(session, principal, distributor_id)
    found = await active_primary_schemes(session, distributor_id=distributor.id, on=on)
    rows = await schemes_by_codes(session, [s.code for s in found])
    return [rows[s.code] for s in found]


async def quote_primary_cart(
    session: AsyncSession,
    *,
    principal: Principal,
    distributor_id: uuid.UUID,
    on: date,
    items: Sequence[CartItem],
) -> CartQuote:
    """Price a distributor's draft primary order (distributor prices of its tier on the day)
    with the PRIMARY schemes it may get, with explanations and next steps."""
    distributor = await visible_distributor(session, principal, distributor_id)
    return await _quote(
        session,
        items=items,
        tier=distributor.tier,
        currency=distributor.currency,
        on=on,
        price_of=lambda row: row.distributor_price,
        profile=await distributor_profile_of(session, distributor.id),
        schemes=await active_primary_schemes(session, distributor_id=distributor.id, on=on),
    )


async def _quote(
    session: AsyncSession,
    *,
    items: Sequence[CartItem],
    tier: str,
    currency: str,
    on: date,
    price_of: Callable[[Any], Decimal],
    profile: RetailerProfile,
    schemes: list[Scheme],
) -> CartQuote:
    checks = Checks()
    if not items or len(items) > MAX_CART_LINES:
        checks.fail("input.lines", f"give 1 to {MAX_CART_LINES} lines")
    ids = [item.product_id for item in items]
    products = {
        p.id: p
        for p in (await session.execute(select(Product).where(Product.id.in_(ids)))).scalars()
    }
    prices = await price_rows(session, list(products))
    lines: list[CartLine] = []
    seen: set[uuid.UUID] = set()
    for i, item in enumerate(items):
        path = f"input.lines[{i}]"
        product = products.get(item.product_id)
        if product is None or not product.is_active:
            checks.fail(f"{path}.productId", "unknown or inactive SKU", code="UNKNOWN_SKU")
            continue
        if item.product_id in seen:
            checks.fail(f"{path}.productId", "SKU appears twice; merge the lines")
        seen.add(item.product_id)
        if not 0 < item.quantity <= 10_000_000:
            checks.fail(f"{path}.quantity", "must be a positive quantity")
        row = pick_price(prices.get(product.id, []), tier=tier, on=on)
        if row is None:
            checks.fail(f"{path}.productId", "no price in force", code="NO_PRICE")
            continue
        lines.append(
            CartLine(product.sku, item.quantity, price_of(row), product.brand, product.category)
        )
    checks.raise_if_any()
    priced = price_cart(lines, profile, on, schemes, minor_units=MINOR_UNITS)
    nudges = next_steps(lines, profile, on, schemes)
    by_sku = {p.sku: p for p in products.values()}
    missing = {f.sku for f in priced.free_items} - set(by_sku)
    if missing:
        stmt = select(Product).where(Product.sku.in_(missing))
        by_sku.update({p.sku: p for p in (await session.execute(stmt)).scalars()})
    codes = {a.code for line in priced.lines for a in line.applied}
    codes |= {f.code for f in priced.free_items} | {n.code for n in nudges}
    return CartQuote(
        currency=currency,
        priced=priced,
        nudges=nudges,
        products=by_sku,
        schemes=await schemes_by_codes(session, sorted(codes)),
    )
