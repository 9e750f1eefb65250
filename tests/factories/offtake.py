"""Builders for stock counts at visits and captured orders (the inputs of derived offtake)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.field.models import Rep
from backend.field.visit_models import (
    CapturedOrder,
    CapturedOrderLine,
    CapturedOrderStatus,
    GeofenceResult,
    Visit,
    VisitOutcome,
    VisitStockLine,
)
from backend.kit.db import new_id
from backend.kit.geo import point_element
from backend.parties.models import Retailer


async def make_count(
    session: AsyncSession,
    rep: Rep,
    retailer: Retailer,
    at: datetime,
    counts: dict[Product, int],
) -> Visit:
    """A checked-out visit at `at` where the rep counted `counts` on the shelf."""
    visit = Visit(
        id=new_id(),
        tenant_id=rep.tenant_id,
        rep_id=rep.id,
        retailer_id=retailer.id,
        visit_date=at.date(),
        checked_in_at=at,
        check_in_location=point_element(-6.2, 106.85),
        check_in_accuracy_m=5.0,
        distance_m=3.0,
        geofence=GeofenceResult.INSIDE,
        outside_opening_hours=False,
        checked_out_at=at + timedelta(minutes=10),
        outcome=VisitOutcome.PRODUCTIVE,
        photo_refs=[],
    )
    session.add(visit)
    await session.flush()
    session.add_all(
        VisitStockLine(
            tenant_id=rep.tenant_id,
            visit_id=visit.id,
            product_id=product.id,
            quantity=quantity,
            sequence=1,
        )
        for product, quantity in counts.items()
    )
    await session.flush()
    return visit


async def make_captured_order(
    session: AsyncSession,
    visit: Visit,
    retailer: Retailer,
    at: datetime,
    lines: dict[Product, int],
    *,
    status: CapturedOrderStatus = CapturedOrderStatus.CAPTURED,
) -> CapturedOrder:
    """An order captured at `visit` at `at`."""
    order = CapturedOrder(
        id=new_id(),
        tenant_id=visit.tenant_id,
        visit_id=visit.id,
        rep_id=visit.rep_id,
        retailer_id=retailer.id,
        distributor_id=retailer.distributor_id,
        captured_at=at,
        status=status,
    )
    session.add(order)
    await session.flush()
    session.add_all(
        CapturedOrderLine(tenant_id=visit.tenant_id, order_id=order.id, product_id=p.id, quantity=q)
        for p, q in lines.items()
    )
    await session.flush()
    return order
