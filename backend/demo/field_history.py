"""Demo field history: rep profiles, beats and PJPs by outlet class, and weeks of visits.

Beats follow the class frequencies of the domain: each rep's A outlets are split into six
weekly beats (Monday–Saturday), B outlets into twelve fortnightly beats (weekday × week parity),
C outlets into twenty-four monthly beats (weekday × 1st–4th week of the month). Outlets are
grouped by bearing from the rep's start point, so a beat is a compact slice of the territory.
Visits replay the PJP over the weeks before `HISTORY_END`; they are planned with the secondary
bills (`backend.demo.activity`), so a productive visit's captured order is an invoiced secondary
order and the same seed gives the same rows.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.demo.records import DemoRep, DemoRetailer, DemoWorld
from backend.field.calendar import PjpLine, RepPjp
from backend.field.models import Beat, BeatRetailer, PjpEntry, Rep, SpeedProfile, VisitFrequency
from backend.field.visit_models import (
    CapturedOrder,
    CapturedOrderLine,
    CapturedOrderStatus,
    GeofenceResult,
    Visit,
    VisitOutcome,
)
from backend.identity.models import User
from backend.kit.db import insert_batches, new_id
from backend.kit.geo import point_element
from backend.parties.models import Retailer
from backend.territories.models import Territory

if TYPE_CHECKING:
    from backend.demo.activity import PlannedVisit

PJP_START = date(2026, 8, 3)  # a Monday
HISTORY_END = date(2026, 11, 24)  # the last day of history: the demo's "yesterday"
HISTORY_WEEKS = 12
FIRST_DAY = HISTORY_END - timedelta(weeks=HISTORY_WEEKS) + timedelta(days=1)
WORKDAYS = range(6)  # Monday to Saturday
GEOFENCE_M = 100.0  # the default radius (no tenant setting in the demo)
GROUPS = {
    "A": (VisitFrequency.WEEKLY, 1),
    "B": (VisitFrequency.FORTNIGHTLY, 2),
    "C": (VisitFrequency.MONTHLY, 4),
}


def _bearing(rep: DemoRep, outlet: DemoRetailer) -> float:
    return math.atan2(outlet.lat - rep.start_lat, outlet.lon - rep.start_lon)


def _chunks(items: Sequence[DemoRetailer], count: int) -> list[list[DemoRetailer]]:
    size, extra = divmod(len(items), count)
    chunks, start = [], 0
    for k in range(count):
        end = start + size + (1 if k < extra else 0)
        chunks.append(list(items[start:end]))
        start = end
    return chunks


def plan_beats(
    rep: DemoRep, outlets: Sequence[DemoRetailer]
) -> list[tuple[str, PjpLine, list[DemoRetailer]]]:
    """The rep's beats as (code, PJP line, outlets in visiting order); beat ids are filled later."""
    planned = []
    for outlet_class, (frequency, cycles) in GROUPS.items():
        members = sorted(
            (o for o in outlets if o.outlet_class == outlet_class), key=lambda o: _bearing(rep, o)
        )
        for index, chunk in enumerate(_chunks(members, len(WORKDAYS) * cycles)):
            weekday, cycle = index % len(WORKDAYS), index // len(WORKDAYS)
            line = PjpLine(
                beat_id=uuid.UUID(int=0),
                weekday=weekday,
                frequency=frequency,
                valid_from=PJP_START,
                week_parity=cycle if frequency is VisitFrequency.FORTNIGHTLY else None,
                week_of_month=cycle + 1 if frequency is VisitFrequency.MONTHLY else None,
            )
            planned.append((f"{rep.code}-{outlet_class}{index + 1:02d}", line, chunk))
    return planned


def history_days() -> list[date]:
    """Every day of the history, FIRST_DAY to HISTORY_END."""
    return [FIRST_DAY + timedelta(days=k) for k in range((HISTORY_END - FIRST_DAY).days + 1)]


def pjp_of(
    rep_id: uuid.UUID,
    planned: Sequence[tuple[str, PjpLine, list[DemoRetailer]]],
    beat_ids: Sequence[uuid.UUID],
) -> RepPjp:
    """The PJP calendar of `plan_beats`' beats, given their ids."""
    return RepPjp(
        rep_id,
        tuple(
            PjpLine(
                beat_id,
                line.weekday,
                line.frequency,
                line.valid_from,
                None,
                line.week_parity,
                line.week_of_month,
            )
            for beat_id, (_, line, _) in zip(beat_ids, planned, strict=True)
        ),
    )


async def seed_field_history(
    session: AsyncSession, world: DemoWorld, visits: Mapping[str, Sequence[PlannedVisit]]
) -> int:
    """Add reps, beats, PJPs and the planned visits (by rep code) unless reps exist; return the
    visits added. Captured orders are written converted: their secondary orders come with the
    secondary history, in the same transaction."""
    if (await session.execute(select(Rep.id).limit(1))).first() is not None:
        return 0
    ids = await _ids(session)
    by_territory: dict[str, list[DemoRetailer]] = {}
    for outlet in world.retailers:
        by_territory.setdefault(outlet.territory_code, []).append(outlet)
    added = 0
    for rep in world.reps:
        rep_id = await _insert_rep(session, ids, rep)
        await _insert_beats(session, ids, rep, rep_id, by_territory[rep.territory_code])
        tenant_id = ids["tenant"][rep.username]
        added += await _insert_visits(session, ids, tenant_id, rep_id, visits.get(rep.code, ()))
    return added


async def _ids(session: AsyncSession) -> dict[str, dict[str, Any]]:
    def pairs(rows: Any) -> dict[str, Any]:
        return {key: value for key, value in rows}

    return {
        "user": pairs(await session.execute(select(User.username, User.id))),
        "territory": pairs(await session.execute(select(Territory.code, Territory.id))),
        "retailer": pairs(await session.execute(select(Retailer.code, Retailer.id))),
        "distributor": pairs(await session.execute(select(Retailer.code, Retailer.distributor_id))),
        "tenant": pairs(await session.execute(select(User.username, User.tenant_id))),
        "product": pairs(
            await session.execute(select(Product.sku, Product.id).order_by(Product.sku))
        ),
    }


async def _insert_rep(
    session: AsyncSession, ids: dict[str, dict[str, Any]], rep: DemoRep
) -> uuid.UUID:
    rep_id = new_id()
    await session.execute(
        insert(Rep),
        [
            {
                "id": rep_id,
                "tenant_id": ids["tenant"][rep.username],
                "user_id": ids["user"][rep.username],
                "territory_id": ids["territory"][rep.territory_code],
                "start_location": point_element(rep.start_lat, rep.start_lon),
                "shift_start": time.fromisoformat(rep.shift_start),
                "shift_end": time.fromisoformat(rep.shift_end),
                "break_minutes": rep.break_minutes,
                "speed_profile": SpeedProfile.MOTORBIKE,
                "max_visits_per_day": rep.max_visits,
            }
        ],
    )
    return rep_id


async def _insert_beats(
    session: AsyncSession,
    ids: dict[str, dict[str, Any]],
    rep: DemoRep,
    rep_id: uuid.UUID,
    outlets: Sequence[DemoRetailer],
) -> None:
    tenant_id = ids["tenant"][rep.username]
    planned = plan_beats(rep, outlets)
    beat_ids = [new_id() for _ in planned]
    beats, links = [], []
    for beat_id, (code, _, chunk) in zip(beat_ids, planned, strict=True):
        beats.append(
            {
                "id": beat_id,
                "tenant_id": tenant_id,
                "code": code,
                "name": f"{rep.name} {code}",
                "rep_id": rep_id,
            }
        )
        links += [
            {
                "tenant_id": tenant_id,
                "beat_id": beat_id,
                "retailer_id": ids["retailer"][o.code],
                "position": i,
            }
            for i, o in enumerate(chunk)
        ]
    entries = [
        {
            "id": new_id(),
            "tenant_id": tenant_id,
            "rep_id": rep_id,
            "beat_id": line.beat_id,
            "weekday": line.weekday,
            "frequency": line.frequency,
            "week_parity": line.week_parity,
            "week_of_month": line.week_of_month,
            "valid_from": line.valid_from,
        }
        for line in pjp_of(rep_id, planned, beat_ids).lines
    ]
    await session.execute(insert(Beat), beats)
    await session.execute(insert(BeatRetailer), links)
    await session.execute(insert(PjpEntry), entries)


async def _insert_visits(
    session: AsyncSession,
    ids: dict[str, dict[str, Any]],
    tenant_id: uuid.UUID,
    rep_id: uuid.UUID,
    planned: Sequence[PlannedVisit],
) -> int:
    visits: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for visit in planned:
        checked_in, checked_out = (
            visit.checked_in.astimezone(UTC),
            visit.checked_out.astimezone(UTC),
        )
        retailer_id = ids["retailer"][visit.outlet.code]
        visits.append(
            {
                "id": visit.id,
                "tenant_id": tenant_id,
                "rep_id": rep_id,
                "retailer_id": retailer_id,
                "visit_date": visit.day,
                "checked_in_at": checked_in,
                "check_in_location": point_element(visit.lat, visit.lon),
                "check_in_accuracy_m": visit.accuracy_m,
                "distance_m": visit.distance_m,
                "geofence": GeofenceResult.INSIDE
                if visit.distance_m <= GEOFENCE_M
                else GeofenceResult.OUTSIDE,
                "outside_opening_hours": not visit.is_open,
                "checked_out_at": checked_out,
                "outcome": VisitOutcome.PRODUCTIVE if visit.bill else VisitOutcome.NO_ORDER,
                "no_order_reason": visit.reason,
                "photo_refs": [],
            }
        )
        if visit.bill is None:
            continue
        orders.append(
            {
                "id": visit.bill.captured_order_id,
                "tenant_id": tenant_id,
                "visit_id": visit.id,
                "rep_id": rep_id,
                "retailer_id": retailer_id,
                "distributor_id": ids["distributor"][visit.outlet.code],
                "captured_at": checked_out,
                # the distributor billed it that day (secondary_history writes the order)
                "status": CapturedOrderStatus.CONVERTED,
                "secondary_order_id": visit.bill.order_id,
            }
        )
        lines += [
            {
                "tenant_id": tenant_id,
                "order_id": visit.bill.captured_order_id,
                "product_id": ids["product"][sku],
                "quantity": quantity,
            }
            for sku, quantity, _ in visit.bill.lines
        ]
    for model, rows in ((Visit, visits), (CapturedOrder, orders), (CapturedOrderLine, lines)):
        await insert_batches(session, model, rows)
    return len(visits)
