"""Demo field history: rep profiles, beats and PJPs by outlet class, and weeks of visits.

Beats follow the class frequencies of the domain: each rep's A outlets are split into six
weekly beats (Monday–Saturday), B outlets into twelve fortnightly beats (weekday × week parity),
C outlets into twenty-four monthly beats (weekday × 1st–4th week of the month). Outlets are
grouped by bearing from the rep's start point, so a beat is a compact slice of the territory.
Visits replay the PJP over the weeks before `HISTORY_END`; everything is drawn from a random
generator seeded with the world's seed and the rep's code, so the same seed gives the same rows.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.demo.records import DemoRep, DemoRetailer, DemoWorld
from backend.field.calendar import PjpLine, RepPjp, beat_for
from backend.field.geofence import is_open_at
from backend.field.models import Beat, BeatRetailer, PjpEntry, Rep, SpeedProfile, VisitFrequency
from backend.field.visit_models import (
    CapturedOrder,
    CapturedOrderLine,
    CapturedOrderStatus,
    GeofenceResult,
    NoOrderReason,
    Visit,
    VisitOutcome,
)
from backend.identity.models import User
from backend.kit.db import new_id
from backend.kit.geo import point_element
from backend.parties.hours import to_json
from backend.parties.models import Retailer
from backend.territories.models import Territory

PJP_START = date(2026, 8, 3)  # a Monday
HISTORY_END = date(2026, 11, 24)  # the last day of history: the demo's "yesterday"
HISTORY_WEEKS = 12
WORKDAYS = range(6)  # Monday to Saturday
GEOFENCE_M = 100.0  # the default radius (no tenant setting in the demo)
PRODUCTIVE_SHARE = 0.75
NO_ORDER_REASONS = (
    NoOrderReason.STOCK_SUFFICIENT,
    NoOrderReason.OWNER_ABSENT,
    NoOrderReason.NO_CASH,
    NoOrderReason.BUYS_FROM_COMPETITOR,
)
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


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat, dlon = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    h = (
        math.sin(dlat / 2) ** 2
        + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(dlon / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


async def seed_field_history(session: AsyncSession, world: DemoWorld, *, seed: int) -> int:
    """Add reps, beats, PJPs and visit history unless reps exist; return the visits added."""
    if (await session.execute(select(Rep.id).limit(1))).first() is not None:
        return 0
    ids = await _ids(session)
    zone = ZoneInfo(world.tenant.timezone)
    by_territory: dict[str, list[DemoRetailer]] = {}
    for outlet in world.retailers:
        by_territory.setdefault(outlet.territory_code, []).append(outlet)
    visits = 0
    for rep in world.reps:
        rep_id = await _insert_rep(session, ids, rep)
        calendar, beats = await _insert_beats(
            session, ids, rep, rep_id, by_territory[rep.territory_code]
        )
        rng = random.Random(f"{seed}:{rep.code}")
        visits += await _insert_visits(session, ids, rep, rep_id, calendar, beats, zone, rng)
    return visits


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
) -> tuple[RepPjp, dict[uuid.UUID, list[DemoRetailer]]]:
    tenant_id = ids["tenant"][rep.username]
    beats, members, lines, links, entries = [], {}, [], [], []
    for code, line, chunk in plan_beats(rep, outlets):
        beat_id = new_id()
        beats.append(
            {
                "id": beat_id,
                "tenant_id": tenant_id,
                "code": code,
                "name": f"{rep.name} {code}",
                "rep_id": rep_id,
            }
        )
        members[beat_id] = chunk
        links += [
            {
                "tenant_id": tenant_id,
                "beat_id": beat_id,
                "retailer_id": ids["retailer"][o.code],
                "position": i,
            }
            for i, o in enumerate(chunk)
        ]
        line = PjpLine(
            beat_id,
            line.weekday,
            line.frequency,
            line.valid_from,
            None,
            line.week_parity,
            line.week_of_month,
        )
        lines.append(line)
        entries.append(
            {
                "id": new_id(),
                "tenant_id": tenant_id,
                "rep_id": rep_id,
                "beat_id": beat_id,
                "weekday": line.weekday,
                "frequency": line.frequency,
                "week_parity": line.week_parity,
                "week_of_month": line.week_of_month,
                "valid_from": line.valid_from,
            }
        )
    await session.execute(insert(Beat), beats)
    await session.execute(insert(BeatRetailer), links)
    await session.execute(insert(PjpEntry), entries)
    return RepPjp(rep_id, tuple(lines)), members


async def _insert_visits(
    session: AsyncSession,
    ids: dict[str, dict[str, Any]],
    rep: DemoRep,
    rep_id: uuid.UUID,
    calendar: RepPjp,
    beats: dict[uuid.UUID, list[DemoRetailer]],
    zone: ZoneInfo,
    rng: random.Random,
) -> int:
    tenant_id = ids["tenant"][rep.username]
    visits: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    skus = list(ids["product"].values())
    first_day = HISTORY_END - timedelta(weeks=HISTORY_WEEKS) + timedelta(days=1)
    for offset in range((HISTORY_END - first_day).days + 1):
        day = first_day + timedelta(days=offset)
        stops = [o for beat_id in beat_for(calendar, day) for o in beats[beat_id]]
        clock = datetime.combine(day, time.fromisoformat(rep.shift_start), zone)
        for outlet in stops:
            clock += timedelta(minutes=rng.randint(6, 18))
            visit, order, order_lines = _visit(rng, ids, tenant_id, rep_id, outlet, clock, skus)
            visits.append(visit)
            if order is not None:
                orders.append(order)
                lines += order_lines
            clock = visit["checked_out_at"].astimezone(zone)
    for start in range(0, len(visits), 1000):
        await session.execute(insert(Visit), visits[start : start + 1000])
    for start in range(0, len(orders), 1000):
        await session.execute(insert(CapturedOrder), orders[start : start + 1000])
    for start in range(0, len(lines), 1000):
        await session.execute(insert(CapturedOrderLine), lines[start : start + 1000])
    return len(visits)


def _visit(
    rng: random.Random,
    ids: dict[str, dict[str, Any]],
    tenant_id: uuid.UUID,
    rep_id: uuid.UUID,
    outlet: DemoRetailer,
    local: datetime,
    skus: list[uuid.UUID],
) -> tuple[dict[str, Any], dict[str, Any] | None, list[dict[str, Any]]]:
    # Most check-ins land a few metres from the shop; one in thirty is a block away.
    spread = 0.0015 if rng.random() < 1 / 30 else 0.0002
    lat, lon = outlet.lat + rng.uniform(-spread, spread), outlet.lon + rng.uniform(-spread, spread)
    distance = _distance_m(outlet.lat, outlet.lon, lat, lon)
    is_open = is_open_at(to_json({d: list(w) for d, w in outlet.opening_hours.items()}), local)
    productive = is_open and rng.random() < PRODUCTIVE_SHARE
    reason = (
        None
        if productive
        else (NoOrderReason.SHOP_CLOSED if not is_open else rng.choice(NO_ORDER_REASONS))
    )
    checked_in = local.astimezone(UTC)
    visit_id = new_id()
    visit = {
        "id": visit_id,
        "tenant_id": tenant_id,
        "rep_id": rep_id,
        "retailer_id": ids["retailer"][outlet.code],
        "visit_date": local.date(),
        "checked_in_at": checked_in,
        "check_in_location": point_element(lat, lon),
        "check_in_accuracy_m": float(rng.randint(4, 25)),
        "distance_m": distance,
        "geofence": GeofenceResult.INSIDE if distance <= GEOFENCE_M else GeofenceResult.OUTSIDE,
        "outside_opening_hours": not is_open,
        "checked_out_at": checked_in + timedelta(minutes=rng.randint(6, 15) if productive else 3),
        "outcome": VisitOutcome.PRODUCTIVE if productive else VisitOutcome.NO_ORDER,
        "no_order_reason": reason,
        "photo_refs": [],
    }
    if not productive:
        return visit, None, []
    order_id = new_id()
    order = {
        "id": order_id,
        "tenant_id": tenant_id,
        "visit_id": visit_id,
        "rep_id": rep_id,
        "retailer_id": visit["retailer_id"],
        "distributor_id": ids["distributor"][outlet.code],
        "captured_at": visit["checked_out_at"],
        "status": CapturedOrderStatus.CAPTURED,
    }
    picked = rng.sample(skus, rng.randint(3, 8))
    lines = [
        {
            "tenant_id": tenant_id,
            "order_id": order_id,
            "product_id": sku,
            "quantity": rng.randint(1, 24),
        }
        for sku in picked
    ]
    return visit, order, lines
