"""Builders for schemes: a small priced world and schemes created through the service."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.catalog.models import Product
from backend.identity.models import Role, Tenant
from backend.parties.models import Channel, Distributor, OutletClass, Retailer
from backend.schemes.models import SchemeFlow, TradeScheme
from backend.schemes.rules import SchemeKind
from backend.schemes.service import activate_scheme, create_scheme
from backend.schemes.validation import SchemeDraft
from tests.factories.catalog import make_product
from tests.factories.identity import make_tenant, make_user, principal_of
from tests.factories.orders import make_price
from tests.factories.parties import make_distributor, make_retailer
from tests.factories.territories import Hierarchy, make_hierarchy

SCHEME_DAY = date(2026, 11, 25)
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


@dataclass(frozen=True)
class SchemeWorld:
    """A tenant with a hierarchy, two distributors, three retailers and three priced SKUs.

    Retailer prices (distributor price + 10%): A 1100.00, B 2200.00 (brand Rasa, Noodles),
    C 550.00 (brand Segar, Drinks). r0 is GT/A in territory 0 (area 0) served by d0; r1 MT/B in
    territory 1 (area 0) served by d0; r2 GT/C in territory 2 (area 1) served by d1. The manager
    runs area 0.
    """

    tenant: Tenant
    hierarchy: Hierarchy
    distributors: tuple[Distributor, Distributor]
    retailers: tuple[Retailer, Retailer, Retailer]
    products: dict[str, Product]
    admin: Principal
    manager: Principal
    rep: Principal


async def make_scheme_world(session: AsyncSession) -> SchemeWorld:
    """Build the world (the session ends scoped to its tenant)."""
    tenant = await make_tenant(session)
    hierarchy = await make_hierarchy(session, tenant)
    d0 = await make_distributor(session, tenant, hierarchy.areas[0])
    d1 = await make_distributor(session, tenant, hierarchy.areas[1])
    t = hierarchy.territories
    r0 = await make_retailer(session, tenant, t[0], d0, outlet_class=OutletClass.A)
    r1 = await make_retailer(
        session, tenant, t[1], d0, channel=Channel.MT, outlet_class=OutletClass.B
    )
    r2 = await make_retailer(session, tenant, t[2], d1, outlet_class=OutletClass.C)
    products = {}
    for name, brand, category, price in (
        ("A", "Rasa", "Noodles", "1000.00"),
        ("B", "Rasa", "Noodles", "2000.00"),
        ("C", "Segar", "Drinks", "500.00"),
    ):
        product = await make_product(session, tenant, sku=f"{name}-{uuid.uuid4().hex[:6]}")
        product.brand, product.category = brand, category
        await make_price(session, tenant, product, price=Decimal(price))
        products[name] = product
    await session.flush()
    admin = principal_of(await make_user(session, tenant, role=Role.ADMIN))
    manager = principal_of(
        await make_user(session, tenant, role=Role.MANAGER, territory_id=hierarchy.areas[0].id),
        territory_path=hierarchy.areas[0].path,
    )
    rep = principal_of(
        await make_user(session, tenant, role=Role.REP, territory_id=t[0].id),
        territory_path=t[0].path,
    )
    return SchemeWorld(tenant, hierarchy, (d0, d1), (r0, r1, r2), products, admin, manager, rep)


def draft(code: str, kind: SchemeKind = SchemeKind.PERCENT_DISCOUNT, **kw: Any) -> SchemeDraft:
    """A valid November draft of `kind` (10% off for PERCENT_DISCOUNT unless told otherwise)."""
    base = SchemeDraft(
        code=code,
        name=f"Scheme {code}",
        flow=SchemeFlow.SECONDARY,
        kind=kind,
        valid_from=NOVEMBER[0],
        valid_to=NOVEMBER[1],
        percent=Decimal(10) if kind is SchemeKind.PERCENT_DISCOUNT else Decimal(0),
    )
    return replace(base, **kw)


async def make_scheme(
    session: AsyncSession,
    principal: Principal,
    code: str,
    kind: SchemeKind = SchemeKind.PERCENT_DISCOUNT,
    *,
    activate: bool = True,
    **kw: Any,
) -> TradeScheme:
    """Create (and by default activate) a scheme through the service."""
    row = await create_scheme(
        session, principal=principal, draft=draft(code, kind, **kw), idempotency_key=None
    )
    if activate:
        row = await activate_scheme(
            session, principal=principal, scheme_id=row.id, today=SCHEME_DAY
        )
    return row
