"""Rules for the product catalog."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.catalog.models import Product, TaxClass
from backend.catalog.repository import lock_product
from backend.identity.models import Role
from backend.kit.constraints import register_unique
from backend.kit.db import new_id
from backend.kit.errors import NotFound
from backend.kit.idempotency import run_once
from backend.kit.validation import Checks

register_unique("uq_product_tenant_id_sku", "input.sku", "a product with this SKU already exists")

MAX_CASE_SIZE = 10_000
PRODUCT_REQUIRED = ("sku", "name", "brand", "category", "case_size", "tax_class")


@dataclass(frozen=True)
class ProductFields:
    """A product's editable fields; on update, None means 'leave as it is'."""

    sku: str | None = None
    name: str | None = None
    brand: str | None = None
    category: str | None = None
    unit: str | None = None
    case_size: int | None = None
    tax_class: TaxClass | None = None
    must_sell: bool | None = None
    is_active: bool | None = None


async def create_product(
    session: AsyncSession,
    *,
    principal: Principal,
    fields: ProductFields,
    idempotency_key: str | None,
) -> Product:
    """Add a SKU to the catalog (ADMIN)."""
    principal.require(Role.ADMIN)

    async def create() -> uuid.UUID:
        product = Product(
            id=new_id(), tenant_id=principal.tenant_id, unit="PCS", must_sell=False, is_active=True
        )
        _apply(product, fields, creating=True)
        session.add(product)
        await session.flush()
        return product.id

    product_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="createProduct",
        payload=asdict(fields),
        create=create,
    )
    product = await lock_product(session, product_id)
    assert product is not None
    return product


async def update_product(
    session: AsyncSession, *, principal: Principal, product_id: uuid.UUID, fields: ProductFields
) -> Product:
    """Change a SKU (ADMIN)."""
    principal.require(Role.ADMIN)
    product = await lock_product(session, product_id)
    if product is None:
        raise NotFound("no such product", field="input.id")
    _apply(product, fields, creating=False)
    await session.flush()
    return product


def _apply(product: Product, f: ProductFields, *, creating: bool) -> None:
    checks = Checks()
    if creating:
        for name in PRODUCT_REQUIRED:
            if getattr(f, name) is None:
                checks.fail(f"input.{name if name != 'case_size' else 'caseSize'}", "is required")
    if f.sku is not None:
        checks.code("input.sku", f.sku)
    for name, limit in (("name", 200), ("brand", 100), ("category", 100)):
        value = getattr(f, name)
        checks.text(f"input.{name}", value, max_length=limit, required=value is not None)
    if f.unit is not None:
        checks.code("input.unit", f.unit, max_length=20)
    if f.case_size is not None and not 1 <= f.case_size <= MAX_CASE_SIZE:
        checks.fail("input.caseSize", f"must be between 1 and {MAX_CASE_SIZE}")
    checks.raise_if_any()
    for name in (
        "sku",
        "name",
        "brand",
        "category",
        "unit",
        "case_size",
        "tax_class",
        "must_sell",
        "is_active",
    ):
        value = getattr(f, name)
        if value is not None:
            setattr(product, name, value.strip() if isinstance(value, str) else value)
