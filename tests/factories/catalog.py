"""Builders for products."""

from __future__ import annotations

from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product, TaxClass
from backend.identity.models import Tenant
from backend.kit.db import new_id

_seq = count(1)


async def make_product(
    session: AsyncSession, tenant: Tenant, *, sku: str | None = None, must_sell: bool = False
) -> Product:
    """Add a SKU."""
    product = Product(
        id=new_id(),
        tenant_id=tenant.id,
        sku=sku or f"SKU-{next(_seq):04d}",
        name="Mie Goreng 85g",
        brand="Rasa",
        category="Noodles",
        unit="PCS",
        case_size=40,
        tax_class=TaxClass.STANDARD,
        must_sell=must_sell,
        is_active=True,
    )
    session.add(product)
    await session.flush()
    return product
