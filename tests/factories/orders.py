"""Builders for primary sales: a priced SKU, a distributor with an admin, orders ready to bill."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.catalog.models import Product, TaxClass
from backend.identity.models import Role, Tenant
from backend.kit.db import new_id
from backend.orders.models import (
    CreditAction,
    OrderStatus,
    PrimaryOrder,
    PrimaryOrderLine,
    PrimarySettings,
)
from backend.orders.placing import LineDraft, OrderDraft, place_order
from backend.parties.models import Distributor
from backend.pricing.models import PriceListItem
from tests.factories.catalog import make_product
from tests.factories.identity import make_tenant, make_user, principal_of
from tests.factories.parties import make_distributor
from tests.factories.territories import make_territory

ORDER_DAY = date(2026, 11, 2)


@dataclass
class PrimaryWorld:
    """A tenant with an admin, one distributor and priced SKUs."""

    tenant: Tenant
    admin: Principal
    distributor: Distributor
    products: list[Product]


async def make_price(
    session: AsyncSession,
    tenant: Tenant,
    product: Product,
    *,
    price: Decimal = Decimal("1000.00"),
    tier: str = "*",
    valid_from: date = date(2026, 1, 1),
    valid_to: date | None = None,
) -> PriceListItem:
    """Add a price list row (retailer price +10%, MRP +20%)."""
    item = PriceListItem(
        id=new_id(),
        tenant_id=tenant.id,
        product_id=product.id,
        tier=tier,
        currency=tenant.currency,
        distributor_price=price,
        retailer_price=(price * Decimal("1.1")).quantize(Decimal("0.01")),
        mrp=(price * Decimal("1.2")).quantize(Decimal("0.01")),
        valid_from=valid_from,
        valid_to=valid_to,
    )
    session.add(item)
    await session.flush()
    return item


async def make_primary_world(
    session: AsyncSession,
    *,
    credit_limit: Decimal = Decimal("100000000.00"),
    credit_action: CreditAction = CreditAction.HOLD,
    prices: tuple[Decimal, ...] = (Decimal("1000.00"),),
    number_format: str = "{series}/{fy}/{n:05d}",
) -> PrimaryWorld:
    """A tenant (ID PPN) with settings, an admin, a distributor and one STANDARD SKU per price."""
    tenant = await make_tenant(session)
    territory = await make_territory(session, tenant)
    distributor = await make_distributor(session, tenant, territory, credit_limit=credit_limit)
    admin = principal_of(await make_user(session, tenant, role=Role.ADMIN))
    session.add(
        PrimarySettings(
            tenant_id=tenant.id,
            credit_action=credit_action,
            fiscal_year_start_month=1,
            number_format=number_format,
            enforce_case_multiples=False,
        )
    )
    products = []
    for price in prices:
        product = await make_product(session, tenant, sku=f"SKU-{uuid.uuid4().hex[:8]}")
        product.tax_class = TaxClass.STANDARD
        await make_price(session, tenant, product, price=price)
        products.append(product)
    await session.flush()
    return PrimaryWorld(tenant, admin, distributor, products)


async def make_order(
    session: AsyncSession,
    world: PrimaryWorld,
    *,
    quantity: int = 10,
    submit: bool = True,
    day: date = ORDER_DAY,
) -> PrimaryOrder:
    """Place (and by default submit) an order of `quantity` units of every SKU of the world."""
    draft = OrderDraft(
        distributor_id=world.distributor.id,
        lines=[LineDraft(p.id, quantity) for p in world.products],
        order_date=day,
        submit=submit,
    )
    return await place_order(session, principal=world.admin, draft=draft, idempotency_key=None)


# Children before parents; self-referencing tables go in one statement.


ONE_UNIT_TOTAL = Decimal("1110.00")  # 1 unit at 1,000.00 + PPN 110.00


async def make_one_unit_orders(
    session: AsyncSession, world: PrimaryWorld, count: int, *, status: OrderStatus, prefix: str
) -> list[uuid.UUID]:
    """COUNT orders of one unit of the world's first SKU in STATUS, written directly (no
    placement flow), for tests that race many of them."""
    ids = []
    for i in range(count):
        order = PrimaryOrder(
            id=new_id(),
            tenant_id=world.tenant.id,
            reference=f"{prefix}-{i:04d}",
            distributor_id=world.distributor.id,
            status=status,
            currency="IDR",
            order_date=ORDER_DAY,
            total=ONE_UNIT_TOTAL,
            invoiced_total=Decimal("0.00"),
            created_by=world.admin.user_id,
        )
        session.add(order)
        session.add(
            PrimaryOrderLine(
                id=new_id(),
                tenant_id=world.tenant.id,
                order_id=order.id,
                line_no=1,
                product_id=world.products[0].id,
                quantity=1,
                unit_price=Decimal("1000.00"),
                gross=ONE_UNIT_TOTAL,
                invoiced_quantity=0,
                delivered_quantity=0,
            )
        )
        ids.append(order.id)
    await session.flush()
    return ids
