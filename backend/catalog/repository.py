"""Queries for the product catalog: the tenant's shared reference data, readable by every principal."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.catalog.models import Product


async def products_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[Product]:
    """Products with these ids."""
    return (await session.execute(select(Product).where(Product.id.in_(ids)))).scalars().all()


def products_query(
    *, search: str | None, brand: str | None, category: str | None, must_sell: bool | None
) -> Select[Any]:
    """Products filtered by text, brand, category and must-sell flag."""
    stmt = select(Product)
    if search:
        pattern = f"%{search}%"
        stmt = stmt.where(or_(Product.name.ilike(pattern), Product.sku.ilike(pattern)))
    if brand is not None:
        stmt = stmt.where(Product.brand == brand)
    if category is not None:
        stmt = stmt.where(Product.category == category)
    if must_sell is not None:
        stmt = stmt.where(Product.must_sell == must_sell)
    return stmt


async def lock_product(session: AsyncSession, product_id: uuid.UUID) -> Product | None:
    """One product, locked for update."""
    stmt = select(Product).where(Product.id == product_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()
