"""Visits: geofenced check-in, check-out with outcome, stock counts, captured orders, collections."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.catalog.models import Product
from backend.field import dms_checks
from backend.field.errors import (
    DependencyMissing,
    OrderAlreadyCaptured,
    OutsideGeofence,
    ProductiveWithoutOrder,
    RepProfileMissing,
    VisitAlreadyCheckedOut,
)
from backend.field.geofence import is_open_at, judge_geofence
from backend.field.models import Rep
from backend.field.repository import rep_of_user
from backend.field.reps import field_rules
from backend.field.visit_models import (
    CapturedOrder,
    CapturedOrderLine,
    CapturedOrderStatus,
    CollectionMethod,
    CollectionRecord,
    NoOrderReason,
    Visit,
    VisitOutcome,
    VisitStockLine,
)
from backend.identity.models import Role
from backend.identity.repository import current_tenant
from backend.kit.constraints import register_unique
from backend.kit.errors import NotFound, ValidationFailed
from backend.kit.geo import point_element
from backend.kit.validation import Checks
from backend.parties.models import Retailer
from backend.parties.repository import retailer_scope

MAX_PHOTOS = 20
MAX_LINES = 200
# Phones' clocks drift; a record stamped further ahead than this is refused as a wrong clock.
MAX_CLOCK_AHEAD = timedelta(minutes=15)

register_unique("pk_visit", "input.visitId", "a visit with this id already exists")
register_unique("pk_captured_order", "input.orderId", "an order with this id already exists")
register_unique(
    "pk_collection_record", "input.collectionId", "a collection with this id already exists"
)


@dataclass(frozen=True)
class CheckIn:
    """A check-in as the phone recorded it."""

    visit_id: uuid.UUID
    retailer_id: uuid.UUID
    latitude: float
    longitude: float
    accuracy_m: float
    at: datetime


@dataclass(frozen=True)
class CheckOut:
    """A check-out with the call's outcome."""

    visit_id: uuid.UUID
    at: datetime
    outcome: VisitOutcome
    no_order_reason: NoOrderReason | None
    photo_refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Collection:
    """Money collected from a retailer."""

    collection_id: uuid.UUID
    retailer_id: uuid.UUID
    visit_id: uuid.UUID | None
    amount: Decimal
    currency: str
    method: CollectionMethod
    reference: str | None
    at: datetime


async def acting_rep(session: AsyncSession, principal: Principal) -> Rep:
    """The rep profile of the signed-in REP user."""
    principal.require(Role.REP)
    rep = await rep_of_user(session, principal.user_id)
    if rep is None:
        raise RepProfileMissing("ask your manager to set up your rep profile")
    return rep


async def check_in(
    session: AsyncSession, *, principal: Principal, rep: Rep, data: CheckIn, field: str = "input"
) -> Visit:
    """Open a visit at an outlet, judged against its geofence and opening hours."""
    checks = Checks()
    checks.location(f"{field}.position", data.latitude, data.longitude)
    if not 0 <= data.accuracy_m <= 10_000:
        checks.fail(f"{field}.accuracyM", "must be between 0 and 10,000 metres")
    if data.at.tzinfo is None:
        checks.fail(f"{field}.at", "must carry a time zone")
    elif data.at > datetime.now(UTC) + MAX_CLOCK_AHEAD:
        checks.fail(f"{field}.at", "is in the future: check the phone's clock")
    checks.raise_if_any()
    point = point_element(data.latitude, data.longitude)
    row = (
        await session.execute(
            select(Retailer, func.ST_Distance(Retailer.location, point)).where(
                Retailer.id == data.retailer_id, retailer_scope(principal)
            )
        )
    ).first()
    if row is None:
        raise NotFound("no such retailer in your territory", field=f"{field}.retailerId")
    retailer, distance = row
    rules = await field_rules(session)
    verdict = judge_geofence(
        float(distance), radius_m=rules.geofence_radius_m, policy=rules.outside_geofence
    )
    if verdict.result is None:
        raise OutsideGeofence(
            f"you are {verdict.distance_m:.0f} m from the outlet; check in within"
            f" {rules.geofence_radius_m:.0f} m",
            field=f"{field}.position",
            details={"distanceM": verdict.distance_m},
        )
    local = data.at.astimezone(await _tenant_zone(session))
    visit = Visit(
        id=data.visit_id,
        tenant_id=principal.tenant_id,
        rep_id=rep.id,
        retailer_id=retailer.id,
        visit_date=local.date(),
        checked_in_at=data.at,
        check_in_location=point,
        check_in_accuracy_m=data.accuracy_m,
        distance_m=verdict.distance_m,
        geofence=verdict.result,
        outside_opening_hours=not is_open_at(retailer.opening_hours, local),
        photo_refs=[],
    )
    session.add(visit)
    await session.flush()
    return visit


async def _tenant_zone(session: AsyncSession) -> ZoneInfo:
    tenant = await current_tenant(session)
    assert tenant is not None
    return ZoneInfo(tenant.timezone)


async def own_visit(
    session: AsyncSession, rep: Rep, visit_id: uuid.UUID, *, field: str, lock: bool = False
) -> Visit:
    """The rep's visit, or a retryable `DependencyMissing` when it has not arrived yet."""
    stmt = select(Visit).where(Visit.id == visit_id, Visit.rep_id == rep.id)
    if lock:
        stmt = stmt.with_for_update()
    visit = (await session.execute(stmt)).scalar_one_or_none()
    if visit is None:
        raise DependencyMissing("the visit's check-in has not been received", field=field)
    return visit


async def check_out(
    session: AsyncSession, *, rep: Rep, data: CheckOut, field: str = "input"
) -> Visit:
    """Close a visit with its outcome; a productive call needs its captured order first."""
    _check_outcome(data, field)
    visit = await own_visit(session, rep, data.visit_id, field=f"{field}.visitId", lock=True)
    if visit.checked_out_at is not None:
        raise VisitAlreadyCheckedOut("this visit is already checked out", field=f"{field}.visitId")
    if data.at < visit.checked_in_at:
        raise ValidationFailed("check-out is before check-in", field=f"{field}.at")
    has_order = await _order_of(session, visit.id) is not None
    if data.outcome is VisitOutcome.PRODUCTIVE and not has_order:
        raise ProductiveWithoutOrder(
            "a productive call needs its captured order", field=f"{field}.outcome"
        )
    if data.outcome is VisitOutcome.NO_ORDER and has_order:
        raise ValidationFailed("an order was captured at this visit", field=f"{field}.outcome")
    visit.checked_out_at = data.at
    visit.outcome = data.outcome
    visit.no_order_reason = data.no_order_reason
    visit.photo_refs = list(data.photo_refs)
    await session.flush()
    return visit


def _check_outcome(data: CheckOut, field: str) -> None:
    checks = Checks()
    if (data.outcome is VisitOutcome.NO_ORDER) != (data.no_order_reason is not None):
        checks.fail(f"{field}.noOrderReason", "give a reason exactly when no order was taken")
    if len(data.photo_refs) > MAX_PHOTOS:
        checks.fail(f"{field}.photoRefs", f"at most {MAX_PHOTOS} photos")
    for i, ref in enumerate(data.photo_refs):
        checks.text(f"{field}.photoRefs[{i}]", ref, max_length=300)
    checks.raise_if_any()


async def _order_of(session: AsyncSession, visit_id: uuid.UUID) -> uuid.UUID | None:
    stmt = select(CapturedOrder.id).where(CapturedOrder.visit_id == visit_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def _known_products(
    session: AsyncSession, lines: dict[uuid.UUID, int], field: str, *, minimum: int
) -> None:
    checks = Checks()
    if not 1 <= len(lines) <= MAX_LINES:
        checks.fail(f"{field}.lines", f"give 1 to {MAX_LINES} distinct SKUs")
    if any(q < minimum for q in lines.values()):
        checks.fail(f"{field}.lines", f"quantities must be at least {minimum}")
    checks.raise_if_any()
    stmt = select(func.count()).where(Product.id.in_(list(lines)))
    if (await session.execute(stmt)).scalar_one() != len(lines):
        raise NotFound("a SKU does not exist", field=f"{field}.lines")


async def record_stock_count(
    session: AsyncSession,
    *,
    rep: Rep,
    visit_id: uuid.UUID,
    lines: dict[uuid.UUID, int],
    sequence: int,
    field: str = "input",
) -> Visit:
    """Record shelf counts at a visit; per SKU the count with the highest sequence wins."""
    visit = await own_visit(session, rep, visit_id, field=f"{field}.visitId")
    await _known_products(session, lines, field, minimum=0)
    rows = [
        {
            "tenant_id": rep.tenant_id,
            "visit_id": visit.id,
            "product_id": p,
            "quantity": q,
            "sequence": sequence,
        }
        for p, q in sorted(lines.items())
    ]
    stmt = insert(VisitStockLine).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["tenant_id", "visit_id", "product_id"],
        set_={"quantity": stmt.excluded.quantity, "sequence": stmt.excluded.sequence},
        where=VisitStockLine.sequence < stmt.excluded.sequence,
    )
    await session.execute(stmt)
    return visit


@dataclass(frozen=True)
class CapturedCall:
    """A stored captured order and what the capture hooks said about it (e.g. held for credit)."""

    order: CapturedOrder
    note: str | None


async def capture_order(
    session: AsyncSession,
    *,
    principal: Principal,
    rep: Rep,
    order_id: uuid.UUID,
    visit_id: uuid.UUID,
    lines: dict[uuid.UUID, int],
    at: datetime,
    field: str = "input",
) -> CapturedCall:
    """Capture the order of an open visit, for the serving distributor to bill.

    The capture hooks run in the same transaction (secondary billing converts the order into a
    secondary order there, held or refused on credit); their note comes back with the order.
    """
    visit = await own_visit(session, rep, visit_id, field=f"{field}.visitId", lock=True)
    if visit.checked_out_at is not None:
        raise VisitAlreadyCheckedOut("the visit is checked out", field=f"{field}.visitId")
    if await _order_of(session, visit.id) is not None:
        raise OrderAlreadyCaptured("this visit already has an order", field=f"{field}.visitId")
    await _known_products(session, lines, field, minimum=1)
    retailer = (
        await session.execute(select(Retailer).where(Retailer.id == visit.retailer_id))
    ).scalar_one()
    order = CapturedOrder(
        id=order_id,
        tenant_id=rep.tenant_id,
        visit_id=visit.id,
        rep_id=rep.id,
        retailer_id=retailer.id,
        distributor_id=retailer.distributor_id,
        captured_at=at,
        status=CapturedOrderStatus.CAPTURED,
    )
    session.add(order)
    await session.flush()
    session.add_all(
        CapturedOrderLine(tenant_id=rep.tenant_id, order_id=order.id, product_id=p, quantity=q)
        for p, q in sorted(lines.items())
    )
    await session.flush()
    note = await dms_checks.after_capture(
        session, principal=principal, order_id=order.id, field=field
    )
    await session.refresh(order)
    return CapturedCall(order, note)


async def record_collection(
    session: AsyncSession, *, principal: Principal, rep: Rep, data: Collection, field: str = "input"
) -> CollectionRecord:
    """Record money collected from a retailer in the rep's territory."""
    tenant = await current_tenant(session)
    assert tenant is not None
    checks = Checks()
    if data.amount <= 0 or data.amount != data.amount.quantize(Decimal("0.01")):
        checks.fail(f"{field}.amount", "must be positive with at most 2 decimals")
    if data.currency != tenant.currency:
        checks.fail(f"{field}.currency", f"must be {tenant.currency}")
    checks.text(f"{field}.reference", data.reference, max_length=80, required=False)
    checks.raise_if_any()
    if data.visit_id is not None:
        await own_visit(session, rep, data.visit_id, field=f"{field}.visitId")
    visible = (
        await session.execute(
            select(Retailer.id).where(Retailer.id == data.retailer_id, retailer_scope(principal))
        )
    ).first()
    if visible is None:
        raise NotFound("no such retailer in your territory", field=f"{field}.retailerId")
    record = CollectionRecord(
        id=data.collection_id,
        tenant_id=rep.tenant_id,
        rep_id=rep.id,
        retailer_id=data.retailer_id,
        visit_id=data.visit_id,
        amount=data.amount,
        currency=data.currency,
        method=data.method,
        reference=data.reference,
        collected_at=data.at,
    )
    session.add(record)
    await session.flush()
    return record
