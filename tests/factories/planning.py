"""A rep with a beat, outlets around its start point, opening hours and purchase history."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.field.models import Beat, Rep
from backend.field.visit_models import (
    CapturedOrder,
    CapturedOrderLine,
    CapturedOrderStatus,
    GeofenceResult,
    NoOrderReason,
    Visit,
    VisitOutcome,
)
from backend.identity.models import Role
from backend.kit.db import new_id
from backend.kit.geo import point_element
from backend.parties.models import OutletClass, Retailer
from backend.pricing.models import PriceListItem
from tests.factories.catalog import make_product
from tests.factories.field import make_beat, make_pjp_entry, make_rep
from tests.factories.orders import make_price
from tests.factories.parties import make_retailer
from tests.factories.scenarios import TenantWorld
from tests.factories.secondary import add_invoice

PLAN_DATE = date(2026, 12, 7)  # a Monday, after the test clock's today
START = (-6.2, 106.85)
SPLIT = [["08:00", "12:00"], ["14:00", "20:00"]]


@dataclass(frozen=True)
class PlanWorld:
    """A rep working a Monday beat of outlets around its start point."""

    rep: Rep
    beat: Beat
    outlets: list[Retailer]
    products: list[Product]


def hours_with(weekday_windows: list[list[str]], *, weekday: int = 0) -> dict[str, list[list[str]]]:
    """Every day 08:00–21:00 except `weekday`, which has the given windows."""
    hours = {str(d): [["08:00", "21:00"]] for d in range(7)}
    hours[str(weekday)] = weekday_windows
    return hours


async def make_plan_world(
    session: AsyncSession,
    world: TenantWorld,
    *,
    outlets: int = 12,
    class_a: int = 3,
    closed_monday: int = 1,
    split_monday: int = 3,
    max_visits: int = 35,
) -> PlanWorld:
    """A rep (world's REP user) with one weekly Monday beat of `outlets` outlets within ~2 km.

    The first `class_a` outlets are class A (mandatory); the last `closed_monday` are closed on
    Mondays; the `split_monday` before them close 12:00–14:00 on Mondays.
    """
    rep = await make_rep(
        session, world.tenant, world.users[Role.REP], max_visits_per_day=max_visits
    )
    territory = world.hierarchy.territories[0]
    made: list[Retailer] = []
    for n in range(outlets):
        angle, radius = 2 * math.pi * n / outlets, 0.004 + 0.012 * ((n * 7) % outlets) / outlets
        retailer = await make_retailer(
            session,
            world.tenant,
            territory,
            world.distributors[0],
            outlet_class=OutletClass.A if n < class_a else OutletClass.B,
            latitude=START[0] + radius * math.sin(angle),
            longitude=START[1] + radius * math.cos(angle),
        )
        if n >= outlets - closed_monday:
            retailer.opening_hours = hours_with([])
        elif n >= outlets - closed_monday - split_monday:
            retailer.opening_hours = hours_with(SPLIT)
        made.append(retailer)
    await session.flush()
    beat = await make_beat(session, world.tenant, rep, made)
    await make_pjp_entry(session, world.tenant, rep, beat, weekday=PLAN_DATE.weekday())
    products = [world.product, await make_product(session, world.tenant, must_sell=True)]
    for product in products:
        await make_price(session, world.tenant, product, price=Decimal("1000.00"))
    return PlanWorld(rep=rep, beat=beat, outlets=made, products=products)


async def add_visit(
    session: AsyncSession,
    world: TenantWorld,
    rep: Rep,
    retailer: Retailer,
    on: date,
    *,
    productive: bool,
) -> Visit:
    """A checked-out call on `on` at 10:00 Jakarta time (an order or 'stock sufficient')."""
    at = datetime.combine(on, time(3, 0), UTC)
    visit = Visit(
        id=new_id(),
        tenant_id=world.tenant.id,
        rep_id=rep.id,
        retailer_id=retailer.id,
        visit_date=on,
        checked_in_at=at,
        check_in_location=point_element(*START),
        check_in_accuracy_m=5.0,
        distance_m=3.0,
        geofence=GeofenceResult.INSIDE,
        outside_opening_hours=False,
        checked_out_at=at + timedelta(minutes=10),
        outcome=VisitOutcome.PRODUCTIVE if productive else VisitOutcome.NO_ORDER,
        no_order_reason=None if productive else NoOrderReason.STOCK_SUFFICIENT,
        photo_refs=[],
    )
    session.add(visit)
    await session.flush()
    return visit


async def add_order(
    session: AsyncSession,
    world: TenantWorld,
    rep: Rep,
    retailer: Retailer,
    on: date,
    lines: list[tuple[Product, int]],
    *,
    billed: bool = True,
) -> CapturedOrder:
    """A productive visit on `on` with a captured order of `lines`, billed the same day on a
    secondary invoice at the retailer price in force (unless `billed` is False)."""
    visit = await add_visit(session, world, rep, retailer, on, productive=True)
    at = visit.checked_in_at
    order = CapturedOrder(
        id=new_id(),
        tenant_id=world.tenant.id,
        visit_id=visit.id,
        rep_id=rep.id,
        retailer_id=retailer.id,
        distributor_id=retailer.distributor_id,
        captured_at=at + timedelta(minutes=10),
        status=CapturedOrderStatus.CAPTURED,
    )
    session.add(order)
    await session.flush()
    session.add_all(
        CapturedOrderLine(tenant_id=world.tenant.id, order_id=order.id, product_id=p.id, quantity=q)
        for p, q in lines
    )
    await session.flush()
    if billed:
        priced = []
        for product, quantity in lines:
            price = await session.scalar(
                select(PriceListItem.retailer_price)
                .where(PriceListItem.product_id == product.id, PriceListItem.valid_from <= on)
                .order_by(PriceListItem.valid_from.desc())
                .limit(1)
            )
            priced.append((product, quantity, Decimal(price or 0)))
        await add_invoice(session, retailer, on, priced, captured_order_id=order.id)
    return order
