"""The demo's field activity and secondary bills, planned together so that visits and invoices agree.

Each outlet buys on its own rhythm (`secondary_history.plan_bills`). When a purchase falls due, the
outlet gives the order to its rep if the rep's PJP brought the rep there in the days just before
(`pull_days`: a third of the outlet's buying interval, at least two days), or waits for a visit
due shortly after (`wait_days`: a fifth of the interval, at least one day): the bill moves to that
visit's day, the visit is productive and its captured order carries the bill's lines, converted
to the distributor's secondary order (source VISIT) and billed that day. A purchase that no visit
precedes closely enough is ordered at the distributor's desk on its due day (source DESK). A
visit that finds the shop closed captures nothing, and the purchase it would have taken goes to
the desk on its due day. Visits without a due purchase are no-order calls: mostly "stock
sufficient", the rest from the other reasons.

So the field KPIs read from visits (productive calls, lines per call, drop size) and those read
from invoices describe the same orders, and a rep's attributed sales are the invoices of the
rep's captured orders. Everything is pure (no database) and deterministic for the seed; the
record ids are fresh on every call.
"""

from __future__ import annotations

import math
import random
import uuid
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.demo.field_history import history_days, pjp_of, plan_beats
from backend.demo.records import DemoRep, DemoRetailer, DemoWorld
from backend.demo.secondary_history import PlannedBill, plan_bills
from backend.field.calendar import beat_for
from backend.field.geofence import is_open_at
from backend.field.visit_models import NoOrderReason
from backend.kit.db import new_id
from backend.parties.hours import to_json

# Why a call on an open shop with nothing due took no order: stock sufficient most of the time.
NO_ORDER_REASONS = (
    (NoOrderReason.STOCK_SUFFICIENT, 6),
    (NoOrderReason.OWNER_ABSENT, 2),
    (NoOrderReason.NO_CASH, 1),
    (NoOrderReason.BUYS_FROM_COMPETITOR, 1),
)


@dataclass(frozen=True)
class PlannedVisit:
    """One call of a rep at an outlet; `bill` is the purchase it captured, if productive."""

    id: uuid.UUID
    rep: DemoRep
    outlet: DemoRetailer
    checked_in: datetime  # aware, local time
    checked_out: datetime
    lat: float
    lon: float
    accuracy_m: float
    distance_m: float
    is_open: bool
    reason: NoOrderReason | None
    bill: PlannedBill | None

    @property
    def day(self) -> date:
        """The visit's local date."""
        return self.checked_in.date()


@dataclass(frozen=True)
class DemoActivity:
    """The visits and the bills of the history, in date order."""

    visits: list[PlannedVisit]
    bills: list[PlannedBill]


def pull_days(outlet: DemoRetailer) -> int:
    """How many days before a purchase falls due the rep's visit still takes the order."""
    return max(2, outlet.order_interval_days // 3)


def wait_days(outlet: DemoRetailer) -> int:
    """How many days past its due day an outlet waits for the rep's visit to order."""
    return max(1, outlet.order_interval_days // 5)


def plan_routes(world: DemoWorld) -> dict[tuple[str, date], list[DemoRetailer]]:
    """Each rep's PJP calls on each history day, in beat order (workdays with a beat only)."""
    by_territory: dict[str, list[DemoRetailer]] = defaultdict(list)
    for outlet in world.retailers:
        by_territory[outlet.territory_code].append(outlet)
    routes: dict[tuple[str, date], list[DemoRetailer]] = {}
    for rep in world.reps:
        planned = plan_beats(rep, by_territory[rep.territory_code])
        beat_ids = [uuid.UUID(int=i + 1) for i in range(len(planned))]
        calendar = pjp_of(uuid.UUID(int=0), planned, beat_ids)
        members = {bid: chunk for bid, (_, _, chunk) in zip(beat_ids, planned, strict=True)}
        for day in history_days():
            stops = [o for bid in beat_for(calendar, day) for o in members[bid]]
            if stops:
                routes[(rep.code, day)] = stops
    return routes


def plan_activity(world: DemoWorld, *, seed: int) -> DemoActivity:
    """Plan the history's visits and bills together (see the module's docstring)."""
    routes = plan_routes(world)  # by rep, then by day
    visit_days: dict[str, list[date]] = defaultdict(list)
    for (_, day), outlets in sorted(routes.items(), key=lambda item: item[0][1]):
        for outlet in outlets:
            visit_days[outlet.code].append(day)
    bills = list(
        plan_bills(
            world, seed=seed, order_day=lambda o, due, last: _visit_day(visit_days, o, due, last)
        )
    )
    at_visit = {
        (b.outlet.code, b.day): i for i, b in enumerate(bills) if b.day in visit_days[b.outlet.code]
    }
    zone = ZoneInfo(world.tenant.timezone)
    reps = {rep.code: rep for rep in world.reps}
    rngs = {code: random.Random(f"{seed}:{code}") for code in reps}
    visits: list[PlannedVisit] = []
    for (code, day), outlets in routes.items():
        rep, rng = reps[code], rngs[code]
        clock = datetime.combine(day, time.fromisoformat(rep.shift_start), zone)
        for outlet in outlets:
            clock += timedelta(minutes=rng.randint(6, 18))
            index = at_visit.get((outlet.code, day))
            visit = _visit(rng, rep, outlet, clock, None if index is None else bills[index])
            if index is not None:
                # captured at the visit, or (shop closed) ordered at the desk when due
                bills[index] = visit.bill or replace(bills[index], day=bills[index].due)
            visits.append(visit)
            clock = visit.checked_out
    bills.sort(key=lambda b: (b.day, b.outlet.code))
    return DemoActivity(visits, bills)


def _visit_day(
    visit_days: dict[str, list[date]], outlet: DemoRetailer, due: date, last: date
) -> date:
    """The latest PJP visit up to `pull_days` before `due` (after the last bill), else the first
    one up to `wait_days` after it, else `due` itself (a desk order)."""
    days = visit_days.get(outlet.code, [])
    i = bisect_right(days, due)
    if i and days[i - 1] > last and (due - days[i - 1]).days <= pull_days(outlet):
        return days[i - 1]
    if i < len(days) and (days[i] - due).days <= wait_days(outlet):
        return days[i]
    return due


def _visit(
    rng: random.Random,
    rep: DemoRep,
    outlet: DemoRetailer,
    local: datetime,
    due: PlannedBill | None,
) -> PlannedVisit:
    # Most check-ins land a few metres from the shop; one in thirty is a block away.
    spread = 0.0015 if rng.random() < 1 / 30 else 0.0002
    lat, lon = outlet.lat + rng.uniform(-spread, spread), outlet.lon + rng.uniform(-spread, spread)
    is_open = is_open_at(to_json({d: list(w) for d, w in outlet.opening_hours.items()}), local)
    productive = is_open and due is not None
    reason = (
        None
        if productive
        else NoOrderReason.SHOP_CLOSED
        if not is_open
        else rng.choices([r for r, _ in NO_ORDER_REASONS], [w for _, w in NO_ORDER_REASONS])[0]
    )
    visit_id = new_id()
    duration = rng.randint(6, 15) if productive else 3
    bill = (
        replace(due, visit_id=visit_id, captured_order_id=new_id())
        if productive and due is not None
        else None
    )
    return PlannedVisit(
        id=visit_id,
        rep=rep,
        outlet=outlet,
        checked_in=local,
        checked_out=local + timedelta(minutes=duration),
        lat=lat,
        lon=lon,
        accuracy_m=float(rng.randint(4, 25)),
        distance_m=_distance_m(outlet.lat, outlet.lon, lat, lon),
        is_open=is_open,
        reason=reason,
        bill=bill,
    )


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat, dlon = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    h = (
        math.sin(dlat / 2) ** 2
        + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(dlon / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def visits_by_rep(activity: DemoActivity) -> dict[str, list[PlannedVisit]]:
    """The activity's visits grouped by rep code, in time order."""
    grouped: dict[str, list[PlannedVisit]] = defaultdict(list)
    for visit in activity.visits:
        grouped[visit.rep.code].append(visit)
    return grouped
