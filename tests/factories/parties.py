"""Builders for distributors and retailers."""

from __future__ import annotations

from decimal import Decimal
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession

from backend.identity.models import Tenant
from backend.kit.db import new_id
from backend.kit.geo import point_element
from backend.parties.models import Channel, Distributor, OutletClass, Retailer
from backend.territories.models import Territory

_seq = count(1)
EVERY_DAY_8_TO_21 = {str(d): [["08:00", "21:00"]] for d in range(7)}


async def make_distributor(
    session: AsyncSession,
    tenant: Tenant,
    territory: Territory,
    *,
    code: str | None = None,
    credit_limit: Decimal = Decimal("100000000.00"),
    credit_days: int = 30,
) -> Distributor:
    """Add a distributor appointed for `territory`."""
    distributor = Distributor(
        id=new_id(),
        tenant_id=tenant.id,
        code=code or f"DB-{next(_seq)}",
        name="PT Test Distribusi",
        tier="GOLD",
        territory_id=territory.id,
        address="Jl. Test 1",
        location=point_element(-6.2, 106.85),
        credit_limit=credit_limit,
        currency=tenant.currency,
        credit_days=credit_days,
        is_active=True,
    )
    session.add(distributor)
    await session.flush()
    return distributor


async def make_retailer(
    session: AsyncSession,
    tenant: Tenant,
    territory: Territory,
    distributor: Distributor,
    *,
    code: str | None = None,
    channel: Channel = Channel.GT,
    outlet_class: OutletClass = OutletClass.B,
    latitude: float = -6.2,
    longitude: float = 106.85,
) -> Retailer:
    """Add a retailer in `territory` served by `distributor`."""
    retailer = Retailer(
        id=new_id(),
        tenant_id=tenant.id,
        code=code or f"RT-{next(_seq):06d}",
        name="Toko Test",
        address="Jl. Test 2",
        channel=channel,
        outlet_class=outlet_class,
        location=point_element(latitude, longitude),
        opening_hours=EVERY_DAY_8_TO_21,
        distributor_id=distributor.id,
        territory_id=territory.id,
        is_active=True,
    )
    session.add(retailer)
    await session.flush()
    return retailer
