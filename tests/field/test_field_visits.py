"""Check-in against the geofence (accept, flag, refuse exactly at the radius) and opening hours."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.field.errors import OutsideGeofence, ProductiveWithoutOrder
from backend.field.models import OutsideGeofencePolicy, Rep
from backend.field.visit_models import GeofenceResult, NoOrderReason, Visit, VisitOutcome
from backend.field.visits import CheckIn, CheckOut, capture_order, check_in, check_out
from backend.identity.models import Role, Tenant
from backend.kit.geo import point_element
from backend.parties.models import Retailer
from tests.factories.catalog import make_product
from tests.factories.field import make_rep, set_geofence
from tests.factories.identity import make_tenant, make_user, principal_of
from tests.factories.parties import make_distributor, make_retailer
from tests.factories.territories import make_territory

SHOP = (-6.2, 106.85)
NEARBY = (-6.2004, 106.8503)  # roughly 55 m away
MONDAY_10_JAKARTA = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@dataclass
class Field:
    tenant: Tenant
    principal: Principal
    rep: Rep
    retailer: Retailer


async def _field(session: AsyncSession) -> Field:
    tenant = await make_tenant(session)
    territory = await make_territory(session, tenant)
    distributor = await make_distributor(session, tenant, territory)
    retailer = await make_retailer(
        session, tenant, territory, distributor, latitude=SHOP[0], longitude=SHOP[1]
    )
    user = await make_user(session, tenant, role=Role.REP, territory_id=territory.id)
    rep = await make_rep(session, tenant, user)
    return Field(tenant, principal_of(user, territory_path=territory.path), rep, retailer)


async def _distance(session: AsyncSession, retailer: Retailer, point: tuple[float, float]) -> float:
    stmt = select(func.ST_Distance(Retailer.location, point_element(*point))).where(
        Retailer.id == retailer.id
    )
    return float((await session.execute(stmt)).scalar_one())


def _check_in(f: Field, point: tuple[float, float], at: datetime = MONDAY_10_JAKARTA) -> CheckIn:
    return CheckIn(uuid.uuid4(), f.retailer.id, point[0], point[1], 12.0, at)


async def _visits(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(Visit))).scalar_one())


async def test_a_check_in_exactly_at_the_radius_is_inside(session: AsyncSession) -> None:
    f = await _field(session)
    distance = await _distance(session, f.retailer, NEARBY)
    await set_geofence(session, f.tenant, radius_m=distance)

    visit = await check_in(session, principal=f.principal, rep=f.rep, data=_check_in(f, NEARBY))

    assert 50 < distance < 60
    assert visit.geofence is GeofenceResult.INSIDE
    assert visit.distance_m == distance


async def test_just_beyond_the_radius_is_accepted_but_flagged_with_the_distance(
    session: AsyncSession,
) -> None:
    f = await _field(session)
    distance = await _distance(session, f.retailer, NEARBY)
    await set_geofence(session, f.tenant, radius_m=math.nextafter(distance, 0))

    visit = await check_in(session, principal=f.principal, rep=f.rep, data=_check_in(f, NEARBY))

    assert visit.geofence is GeofenceResult.OUTSIDE
    assert visit.distance_m == distance
    assert await _visits(session) == 1


async def test_just_beyond_the_radius_is_refused_when_the_tenant_refuses(
    session: AsyncSession,
) -> None:
    f = await _field(session)
    distance = await _distance(session, f.retailer, NEARBY)
    tenant = f.tenant
    radius = math.nextafter(distance, 0)
    await set_geofence(session, tenant, radius_m=radius, outside=OutsideGeofencePolicy.REFUSE)

    with pytest.raises(OutsideGeofence) as refused:
        await check_in(session, principal=f.principal, rep=f.rep, data=_check_in(f, NEARBY))

    assert refused.value.details == {"distanceM": distance}
    assert refused.value.field == "input.position"
    assert await _visits(session) == 0


async def test_at_the_radius_is_accepted_even_when_the_tenant_refuses_outside(
    session: AsyncSession,
) -> None:
    f = await _field(session)
    distance = await _distance(session, f.retailer, NEARBY)
    tenant = f.tenant
    await set_geofence(session, tenant, radius_m=distance, outside=OutsideGeofencePolicy.REFUSE)

    visit = await check_in(session, principal=f.principal, rep=f.rep, data=_check_in(f, NEARBY))

    assert visit.geofence is GeofenceResult.INSIDE


@pytest.mark.parametrize(
    ("utc_hour", "utc_minute", "outside"),
    [
        (0, 59, True),
        (1, 0, False),
        (6, 59, False),
        (7, 0, True),
        (9, 0, False),
        (13, 59, False),
        (14, 0, True),
    ],
)
async def test_check_ins_outside_the_outlets_hours_in_the_tenant_zone_are_flagged(
    session: AsyncSession, utc_hour: int, utc_minute: int, outside: bool
) -> None:
    # Open 08:00–14:00 and 16:00–21:00 in Jakarta (UTC+7) on Mondays.
    f = await _field(session)
    f.retailer.opening_hours = {"0": [["08:00", "14:00"], ["16:00", "21:00"]]}
    await session.flush()
    at = datetime(2026, 11, 23, utc_hour, utc_minute, tzinfo=UTC)

    visit = await check_in(session, principal=f.principal, rep=f.rep, data=_check_in(f, SHOP, at))

    assert visit.outside_opening_hours is outside
    assert visit.geofence is GeofenceResult.INSIDE


async def test_a_visit_on_a_closed_day_is_flagged_and_dated_in_the_tenant_zone(
    session: AsyncSession,
) -> None:
    f = await _field(session)
    f.retailer.opening_hours = {"0": [["08:00", "21:00"]], "6": []}
    await session.flush()
    # Sunday 22:00 UTC is Monday 05:00 in Jakarta: before opening, on Monday.
    at = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)

    visit = await check_in(session, principal=f.principal, rep=f.rep, data=_check_in(f, SHOP, at))

    assert visit.visit_date.isoformat() == "2026-11-23"
    assert visit.outside_opening_hours is True


async def test_check_out_records_duration_and_a_productive_call_needs_its_order(
    session: AsyncSession,
) -> None:
    f = await _field(session)
    visit = await check_in(session, principal=f.principal, rep=f.rep, data=_check_in(f, SHOP))
    later = datetime(2026, 11, 23, 3, 12, 30, tzinfo=UTC)
    productive = CheckOut(visit.id, later, VisitOutcome.PRODUCTIVE, None, ("photo/1.jpg",))

    with pytest.raises(ProductiveWithoutOrder):
        await check_out(session, rep=f.rep, data=productive)
    product = await make_product(session, f.tenant)
    captured = await capture_order(
        session,
        principal=f.principal,
        rep=f.rep,
        order_id=uuid.uuid4(),
        visit_id=visit.id,
        lines={product.id: 24},
        at=later,
    )
    order = captured.order
    closed = await check_out(session, rep=f.rep, data=productive)

    assert closed.duration_seconds == 750
    assert closed.outcome is VisitOutcome.PRODUCTIVE
    assert closed.photo_refs == ["photo/1.jpg"]
    assert order.distributor_id == f.retailer.distributor_id
    # the SKU has no retailer price in force: the order waits for the desk, and the rep is told
    assert order.status.value == "CAPTURED"
    assert order.secondary_order_id is None
    assert captured.note == (
        "kept for the distributor's desk, not priced: no retailer price in force"
    )


async def test_a_no_order_check_out_needs_a_reason(session: AsyncSession) -> None:
    f = await _field(session)
    visit = await check_in(session, principal=f.principal, rep=f.rep, data=_check_in(f, SHOP))
    at = datetime(2026, 11, 23, 3, 5, tzinfo=UTC)

    closed = await check_out(
        session,
        rep=f.rep,
        data=CheckOut(visit.id, at, VisitOutcome.NO_ORDER, NoOrderReason.STOCK_SUFFICIENT),
    )

    assert closed.no_order_reason is NoOrderReason.STOCK_SUFFICIENT
    assert closed.duration_seconds == 300
