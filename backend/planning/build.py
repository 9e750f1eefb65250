"""Build a rep's day plan and store it as the rep-day's new version, all in the caller's transaction.

candidates (candidates.py) → travel matrix (matrix.py, cached) → `optimizer.plan_route` inside the
rep's shift, break and opening windows → suggested order lines for the planned stops → one upsert
of the plan row (version + 1) and a full replacement of its stops and dropped outlets. The job
runner commits that together with the job's status, so a failure anywhere leaves the previous
plan untouched.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from geoalchemy2 import Geometry
from sqlalchemy import cast, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.field.goal_models import Goal, GoalMetric
from backend.field.models import Rep, SpeedProfile
from backend.field.visit_models import Visit
from backend.identity.repository import current_tenant
from backend.kit.errors import NotFound
from backend.kit.settings import OptimizerSettings
from backend.planning.candidates import Candidate, CandidateSet, build_candidates
from backend.planning.goal_weights import open_goals
from backend.planning.matrix import CachedMatrix
from backend.planning.models import (
    DayPlan,
    DayPlanDropped,
    DayPlanStop,
    DayPlanTrigger,
    DropCause,
    StopReason,
)
from backend.pricing.models import PriceListItem
from backend.pricing.prices import PriceRow, pick_price
from backend.schemes.engine import applicable_schemes
from backend.schemes.nudges import Nudge, next_steps
from backend.schemes.rules import CartLine, RetailerProfile, Scheme
from backend.schemes.service import active_secondary_schemes, retailer_profiles
from optimizer.daily import plan_route
from optimizer.daily_types import Break, DropReason, RouteProblem, RouteSolution, Stop, TimeWindow
from optimizer.daily_types import Rep as RouteRep
from optimizer.matrices import StraightLineProvider, haversine_km

CENT = Decimal("0.01")
PRIZE_SCALE = 10_000  # the best outlet's prize in points; the optimiser only uses ratios
BEAT_FLOOR, OTHER_FLOOR = 500, 50  # points for outlets with no purchase history
# Keeping to the PJP is worth something beyond this week's order (coverage, the outlet's
# rhythm): beat and overdue outlets collect a little more than their expected value alone.
ROUTINE_BONUS = {StopReason.BEAT: Decimal("1.25"), StopReason.OVERDUE: Decimal("1.15")}
BREAK_SLACK_S = 3600  # the break may start up to an hour either side of mid-shift
REPLENISH_LINES = 5  # the outlet's biggest recent lines
INTRODUCE_LINES = 5  # focus SKUs of open goals, then must-sell SKUs, that the outlet lacks

MatrixFactory = Callable[[SpeedProfile], CachedMatrix]


@dataclass(frozen=True)
class PlanRequest:
    """What to plan: a rep, a date, why, and outlets reported closed today."""

    rep_id: uuid.UUID
    plan_date: date
    trigger: DayPlanTrigger = DayPlanTrigger.NIGHTLY
    reason: str = ""
    closed_retailer_ids: tuple[uuid.UUID, ...] = ()
    job_id: uuid.UUID | None = None


def seconds_of(value: time) -> int:
    """Seconds since midnight of a wall-clock time."""
    return value.hour * 3600 + value.minute * 60 + value.second


async def _rep(session: AsyncSession, rep_id: uuid.UUID) -> Rep:
    rep = (await session.execute(select(Rep).where(Rep.id == rep_id))).scalar_one_or_none()
    if rep is None:
        raise NotFound("no such rep", field="rep")
    return rep


async def _rep_point(session: AsyncSession, rep: Rep) -> tuple[float, float]:
    geometry = cast(Rep.start_location, Geometry)
    row = (
        await session.execute(
            select(func.ST_Y(geometry), func.ST_X(geometry)).where(Rep.id == rep.id)
        )
    ).one()
    return float(row[0]), float(row[1])


@dataclass(frozen=True)
class DayStart:
    """Where and when the rep's day (or the rest of it) starts, and what is already done."""

    open_s: int
    start: tuple[float, float]
    visited: tuple[uuid.UUID, ...]


async def _day_start(
    session: AsyncSession, rep: Rep, request: PlanRequest, zone: ZoneInfo, now: datetime
) -> DayStart:
    """At the shift start from home; a replan of today starts now, where the last visit was."""
    on = request.plan_date
    home = await _rep_point(session, rep)
    shift_open = seconds_of(rep.shift_start)
    local = now.astimezone(zone)
    if request.trigger is not DayPlanTrigger.REPLAN or local.date() != on:
        return DayStart(shift_open, home, ())
    geometry = cast(Visit.check_in_location, Geometry)
    rows = (
        await session.execute(
            select(Visit.retailer_id, func.ST_Y(geometry), func.ST_X(geometry))
            .where(Visit.rep_id == rep.id, Visit.visit_date == on)
            .order_by(Visit.checked_in_at, Visit.id)
        )
    ).all()
    visited = tuple(r[0] for r in rows)
    now_s = math.ceil((local.hour * 3600 + local.minute * 60 + local.second) / 60) * 60
    start = (float(rows[-1][1]), float(rows[-1][2])) if rows else home
    return DayStart(max(shift_open, now_s), start, visited)


def _collected(c: Candidate) -> Decimal:
    bonus = max((ROUTINE_BONUS.get(r, Decimal(1)) for r in c.reasons), default=Decimal(1))
    return c.weighted_value * bonus


def _prizes(candidates: Sequence[Candidate]) -> list[int]:
    """Points per stop: expected value × goal weight × routine bonus, the best at PRIZE_SCALE."""
    best = max((_collected(c) for c in candidates), default=Decimal(0))
    prizes = []
    for c in candidates:
        floor = BEAT_FLOOR if StopReason.BEAT in c.reasons else OTHER_FLOOR
        points = int(_collected(c) * PRIZE_SCALE / best) if best > 0 else 0
        prizes.append(max(floor, points))
    return prizes


def route_problem(
    cset: CandidateSet,
    travel: np.ndarray,
    *,
    open_s: int,
    close_s: int,
    break_minutes: int,
    max_stops: int,
) -> RouteProblem:
    """The optimiser's problem: location 0 is where the day starts, 1 home, then the candidates."""
    stops = tuple(
        Stop(
            stop_id=str(c.retailer_id),
            location=2 + i,
            windows=tuple(TimeWindow(o, e) for o, e in c.windows),
            service_s=c.service_s,
            prize=prize,
            mandatory=c.mandatory,
        )
        for i, (c, prize) in enumerate(zip(cset.candidates, _prizes(cset.candidates), strict=True))
    )
    rest = None
    if break_minutes > 0:
        duration = break_minutes * 60
        middle = (seconds_of(cset.rep.shift_start) + seconds_of(cset.rep.shift_end)) // 2
        earliest = max(open_s, middle - BREAK_SLACK_S)
        latest = min(close_s - duration, middle + BREAK_SLACK_S)
        if earliest <= latest:
            rest = Break(earliest, latest, duration)
    rep = RouteRep(
        rep_id=str(cset.rep.id),
        start_location=0,
        end_location=1,
        shift=TimeWindow(open_s, close_s),
        rest=rest,
        max_stops=max_stops,
    )
    return RouteProblem(stops=stops, reps=(rep,), travel_s=travel)


def _metres(
    a: tuple[float, float], b: tuple[float, float], circuity: StraightLineProvider
) -> float:
    km = haversine_km([a, b])[0, 1]
    return round(float(km * circuity.circuity_for(np.asarray(km)) * 1000.0), 1)


async def _prices(
    session: AsyncSession, product_ids: Sequence[uuid.UUID], on: date
) -> dict[uuid.UUID, list[PriceRow]]:
    if not product_ids:
        return {}
    rows = (
        await session.execute(
            select(PriceListItem).where(
                PriceListItem.product_id.in_(product_ids), PriceListItem.valid_from <= on
            )
        )
    ).scalars()
    found: dict[uuid.UUID, list[PriceRow]] = {}
    for r in rows:
        found.setdefault(r.product_id, []).append(
            PriceRow(r.tier, r.valid_from, r.valid_to, r.distributor_price, r.retailer_price, r.mrp)
        )
    return found


def suggested_lines(
    c: Candidate,
    cset: CandidateSet,
    goals: Sequence[Goal],
    prices: dict[uuid.UUID, list[PriceRow]],
    on: date,
) -> list[dict[str, Any]]:
    """Replenishment from recent purchases, then must-sell and focus SKUs the outlet lacks."""
    bought = [s for s in cset.skus if s.retailer_id == c.retailer_id]
    have = {s.product_id for s in bought}
    lines: list[tuple[Product, int, str, str]] = []
    for s in sorted(bought, key=lambda s: (-s.value, str(s.product_id)))[:REPLENISH_LINES]:
        quantity = max(1, round(s.quantity / s.orders))
        note = f"bought on {s.orders} invoices lately, {quantity} a time on average"
        lines.append((cset.products[s.product_id], quantity, "REPLENISH", note))
    focus = {g.subject for g in goals if g.metric is GoalMetric.SKU_VOLUME and g.subject}
    missing = [
        p
        for p in sorted(cset.products.values(), key=lambda p: (p.sku not in focus, p.sku))
        if p.id not in have and (p.must_sell or p.sku in focus)
    ]
    for product in missing[:INTRODUCE_LINES]:
        if product.must_sell:
            lines.append((product, product.case_size, "MUST_SELL", "must-sell, not bought lately"))
        else:
            lines.append((product, product.case_size, "FOCUS", "focus SKU of an open goal"))
    out = []
    for product, quantity, kind, note in lines:
        price = pick_price(prices.get(product.id, []), tier=c.distributor_tier, on=on)
        unit = price.retailer_price if price else None
        out.append(
            {
                "productId": str(product.id),
                "sku": product.sku,
                "name": product.name,
                "quantity": quantity,
                "kind": kind,
                "note": note,
                "unitPrice": None if unit is None else str(unit),
                "value": None if unit is None else str((unit * quantity).quantize(CENT)),
            }
        )
    return out


@dataclass(frozen=True)
class StopSchemes:
    """The schemes a stop's outlet gets today and what the suggested cart lacks for more."""

    applicable: list[Scheme]
    nudges: list[Nudge]

    def sentences(self) -> list[str]:
        """Explanation lines for the rep."""
        if not self.applicable:
            return []
        out = ["schemes today: " + ", ".join(s.code for s in self.applicable)]
        for n in self.nudges:
            if n.missing_quantity is not None:
                gap = f"{n.missing_quantity} more units"
            else:
                gap = f"{(n.missing_value or Decimal(0)).quantize(CENT)} more value"
            out.append(f"{n.code}: {gap} in the suggested cart → {n.reward}")
        return out


def stop_schemes(
    lines: Sequence[dict[str, Any]],
    profile: RetailerProfile | None,
    schemes: Sequence[Scheme],
    products: dict[uuid.UUID, Product],
    on: date,
) -> StopSchemes:
    """Which of the plan's active schemes the outlet gets, and the next slab, free item or
    bundle the suggested (priced) lines would need (`schemes.nudges.next_steps`)."""
    if profile is None or not schemes:
        return StopSchemes([], [])
    applicable = applicable_schemes(profile, on, schemes)
    cart = []
    for line in lines:
        if line["unitPrice"] is None:
            continue
        product = products[uuid.UUID(line["productId"])]
        cart.append(
            CartLine(
                sku=product.sku,
                quantity=int(line["quantity"]),
                unit_price=Decimal(line["unitPrice"]),
                brand=product.brand,
                category=product.category,
            )
        )
    return StopSchemes(applicable, next_steps(cart, profile, on, applicable))


DROP_CAUSES = {
    DropReason.UNREACHABLE: DropCause.UNREACHABLE,
    DropReason.NOT_WORTH: DropCause.NOT_WORTH,
    DropReason.MANDATORY_CONFLICT: DropCause.MANDATORY_CONFLICT,
}


async def build_day_plan(
    session: AsyncSession,
    request: PlanRequest,
    *,
    matrix_for: MatrixFactory,
    optimizer: OptimizerSettings,
    now: datetime | None = None,
) -> DayPlan:
    """Plan the rep-day and store it as the new version (flushed, not committed)."""
    tenant = await current_tenant(session)
    if tenant is None:
        raise NotFound("no tenant in scope")
    rep = await _rep(session, request.rep_id)
    zone = ZoneInfo(tenant.timezone)
    start = await _day_start(session, rep, request, zone, now or datetime.now(UTC))
    cset = await build_candidates(
        session,
        rep,
        request.plan_date,
        closed_retailer_ids=request.closed_retailer_ids,
        visited_today=start.visited,
    )
    home = await _rep_point(session, rep)
    points = [start.start, home, *((c.latitude, c.longitude) for c in cset.candidates)]
    matrix = matrix_for(rep.speed_profile)
    travel = await matrix.travel_seconds(points)
    close_s = seconds_of(rep.shift_end)
    problem = route_problem(
        cset,
        travel,
        open_s=min(start.open_s, close_s),
        close_s=close_s,
        break_minutes=rep.break_minutes,
        max_stops=max(0, rep.max_visits_per_day - len(start.visited)),
    )
    solution = await asyncio.to_thread(
        plan_route, problem, time_limit_s=optimizer.time_limit_s, seed=0, warm_start=_warm(cset)
    )
    goals = await open_goals(session, rep, request.plan_date)
    prices = await _prices(session, list(cset.products), request.plan_date)
    # Schemes once per plan; every stop filters them by its outlet's profile.
    offers = PlanSchemes(
        await active_secondary_schemes(session, on=request.plan_date),
        await retailer_profiles(session, [c.retailer_id for c in cset.candidates]),
    )
    return await _store(
        session,
        request,
        tenant.currency,
        cset,
        solution,
        points,
        travel,
        (goals, prices, offers),
        matrix,
    )


@dataclass(frozen=True)
class PlanSchemes:
    """The secondary schemes active on the plan date and the candidates' engine profiles."""

    schemes: list[Scheme]
    profiles: dict[uuid.UUID, RetailerProfile]


def _warm(cset: CandidateSet) -> list[list[str]]:
    beat = sorted(
        (c for c in cset.candidates if c.beat_position is not None),
        key=lambda c: c.beat_position or 0,
    )
    return [[str(c.retailer_id) for c in beat]]


async def _store(
    session: AsyncSession,
    request: PlanRequest,
    currency: str,
    cset: CandidateSet,
    solution: RouteSolution,
    points: list[tuple[float, float]],
    travel: np.ndarray,
    inputs: tuple[Sequence[Goal], dict[uuid.UUID, list[PriceRow]], PlanSchemes],
    matrix: CachedMatrix,
) -> DayPlan:
    goals, prices, offers = inputs
    by_id = {str(c.retailer_id): (i, c) for i, c in enumerate(cset.candidates)}
    route = solution.routes[0]
    circuity = StraightLineProvider()
    stops: list[dict[str, Any]] = []
    previous_point, previous_location, distance = points[0], 0, 0.0
    expected = goal_value = Decimal(0)
    for position, planned in enumerate(route.stops, start=1):
        _, c = by_id[planned.stop_id]
        point = (c.latitude, c.longitude)
        hop = _metres(previous_point, point, circuity)
        distance += hop
        value = c.expected_value.quantize(CENT, ROUND_HALF_UP)
        expected += value
        goal_value += (value * (c.weight.weight - 1)).quantize(CENT, ROUND_HALF_UP)
        lines = suggested_lines(c, cset, goals, prices, cset.plan_date)
        offer = stop_schemes(
            lines,
            offers.profiles.get(c.retailer_id),
            offers.schemes,
            cset.products,
            cset.plan_date,
        )
        reasons = {r.value for r in c.reasons}
        if offer.nudges:
            reasons.add(StopReason.SCHEME_NUDGE.value)
        stops.append(
            {
                "tenant_id": cset.rep.tenant_id,
                "position": position,
                "retailer_id": c.retailer_id,
                "arrival_seconds": planned.arrival_s,
                "wait_seconds": planned.wait_s,
                "service_start_seconds": planned.service_start_s,
                "service_seconds": c.service_s,
                "departure_seconds": planned.departure_s,
                "travel_seconds_from_previous": int(travel[previous_location, planned.location]),
                "distance_m_from_previous": hop,
                "reasons": sorted(reasons),
                "mandatory": c.mandatory,
                "expected_value": value,
                "goal_weight": c.weight.weight,
                "offtake_source": c.offtake.source if c.offtake else "none",
                "explanation": [*c.explanation, *offer.sentences()],
                "suggested_lines": lines,
            }
        )
        previous_point, previous_location = point, planned.location
    if route.stops:
        distance += _metres(previous_point, points[1], circuity)
    dropped = [(c, cause) for c, cause in cset.dropped]
    for d in solution.dropped:
        dropped.append((by_id[d.stop_id][1], DROP_CAUSES[d.reason]))
    sources = sorted({c.offtake.source for c in cset.candidates if c.offtake})
    stats = {**asdict(solution.stats), "warnings": list(solution.warnings)}
    stats.update(
        candidates=len(cset.candidates),
        served=len(route.stops),
        dropped=len(dropped),
        matrixCacheHits=matrix.stats.hits,
        matrixCacheMisses=matrix.stats.misses,
        beats=[str(b) for b in cset.beat_ids],
        goalsBehind=cset.goal_labels,
    )
    values = {
        "version": 1,
        "trigger": request.trigger,
        "reason": request.reason[:400],
        "built_at": datetime.now(UTC),
        "job_id": request.job_id,
        "currency": currency,
        "leave_seconds": route.leave_s,
        "return_seconds": route.return_s,
        "travel_seconds": route.travel_s,
        "service_seconds": route.service_s,
        "wait_seconds": route.wait_s,
        "distance_m": round(distance, 1),
        "break_start_seconds": route.break_start_s,
        "expected_value": expected,
        "goal_contribution": goal_value,
        "candidate_count": len(cset.candidates) + len(cset.dropped),
        "offtake_sources": sources,
        "solver_stats": stats,
    }
    upsert = pg_insert(DayPlan).values(
        id=uuid.uuid4(),
        tenant_id=cset.rep.tenant_id,
        rep_id=cset.rep.id,
        plan_date=cset.plan_date,
        **values,
    )
    returning = upsert.on_conflict_do_update(
        index_elements=["tenant_id", "rep_id", "plan_date"],
        set_={
            **{k: upsert.excluded[k] for k in values if k != "version"},
            "version": DayPlan.version + 1,
            "updated_at": func.now(),
        },
    ).returning(DayPlan.id)
    plan_id = (await session.execute(returning)).scalar_one()
    await session.execute(delete(DayPlanStop).where(DayPlanStop.plan_id == plan_id))
    await session.execute(delete(DayPlanDropped).where(DayPlanDropped.plan_id == plan_id))
    if stops:
        await session.execute(insert(DayPlanStop), [{**s, "plan_id": plan_id} for s in stops])
    if dropped:
        await session.execute(
            insert(DayPlanDropped),
            [
                {
                    "tenant_id": cset.rep.tenant_id,
                    "plan_id": plan_id,
                    "retailer_id": c.retailer_id,
                    "cause": cause,
                    "mandatory": c.mandatory,
                    "reasons": sorted(r.value for r in c.reasons),
                    "expected_value": c.expected_value.quantize(CENT, ROUND_HALF_UP),
                }
                for c, cause in dropped
            ],
        )
    stmt = select(DayPlan).where(DayPlan.id == plan_id)
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one()
