"""Which outlets a rep might visit on a date, and what each is worth.

Candidates are today's beat (by the PJP), outlets of the rep's other beats that are overdue
on their PJP frequency, and the best-scoring outlets of the rep's territory within reach of its
start point. Each gets opening windows for the weekday, a service time by outlet class, the
expected offtake (ranking model, else baseline) and the goal weight; class A beat outlets are
mandatory unless closed today.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import and_, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.field.calendar import beat_for
from backend.field.models import Beat, BeatRetailer, PjpEntry, Rep, SpeedProfile, VisitFrequency
from backend.field.pjp import calendar_of
from backend.field.repository import pjp_entries_of
from backend.field.visit_models import Visit
from backend.kit.validation import parse_hhmm
from backend.parties.models import OutletClass, Retailer
from backend.planning.goal_weights import OutletWeight, goal_gaps, open_goals, outlet_weights
from backend.planning.models import DropCause, StopReason
from backend.planning.offtake import WINDOW_DAYS, expected_offtake
from backend.planning.purchases import SkuHistory, sku_histories
from backend.ranking.expected import ExpectedOfftake

INTERVAL_DAYS = {
    VisitFrequency.WEEKLY: 7,
    VisitFrequency.FORTNIGHTLY: 14,
    VisitFrequency.MONTHLY: 28,
}
SERVICE_SECONDS = {OutletClass.A: 20 * 60, OutletClass.B: 15 * 60, OutletClass.C: 10 * 60}
REACH_M = {
    SpeedProfile.WALKING: 1_500.0,
    SpeedProfile.MOTORBIKE: 6_000.0,
    SpeedProfile.CAR: 8_000.0,
}
HIGH_RANKED = 8  # at least this many territory outlets off the PJP, the best scoring
FILL_FACTOR = 1.5  # ...and more, up to 1.5 candidates per visit the rep can make
TERRITORY_POOL = 300  # nearest territory outlets scored to find them
MAX_CANDIDATES = 60  # the optimiser's search slows sharply past this (optimizer/README)


@dataclass
class Candidate:
    """An outlet the plan may visit."""

    retailer_id: uuid.UUID
    latitude: float
    longitude: float
    outlet_class: OutletClass
    windows: list[tuple[int, int]]
    service_s: int
    reasons: set[StopReason] = field(default_factory=set)
    beat_position: int | None = None
    offtake: ExpectedOfftake | None = None
    weight: OutletWeight = field(default_factory=OutletWeight)
    explanation: list[str] = field(default_factory=list)
    distributor_tier: str = "*"

    @property
    def mandatory(self) -> bool:
        """Class A beat outlets are mandatory."""
        return StopReason.MANDATORY in self.reasons

    @property
    def expected_value(self) -> Decimal:
        """The expected offtake, zero when there is no figure."""
        return self.offtake.value if self.offtake else Decimal(0)

    @property
    def weighted_value(self) -> Decimal:
        """Expected offtake × goal weight: what the optimiser collects."""
        return self.expected_value * self.weight.weight


@dataclass
class CandidateSet:
    """The outlets considered for a rep-day, those set aside before routing, and the inputs used."""

    rep: Rep
    plan_date: date
    beat_ids: tuple[uuid.UUID, ...]
    candidates: list[Candidate]
    dropped: list[tuple[Candidate, DropCause]]
    skus: list[SkuHistory]
    products: dict[uuid.UUID, Product]
    goal_labels: list[str]


def windows_on(hours: dict[str, list[list[str]]], on: date) -> list[tuple[int, int]]:
    """The opening windows of a weekday in seconds since midnight."""
    return [
        (parse_hhmm(opens) * 60, parse_hhmm(closes) * 60)
        for opens, closes in hours.get(str(on.weekday()), [])
    ]


async def _portfolio(
    session: AsyncSession, rep: Rep, on: date
) -> dict[uuid.UUID, tuple[int, date]]:
    """The rep's PJP outlets valid on `on`: shortest visit interval and since when planned."""
    stmt = (
        select(BeatRetailer.retailer_id, PjpEntry.frequency, PjpEntry.valid_from)
        .join(Beat, and_(Beat.id == BeatRetailer.beat_id, Beat.tenant_id == BeatRetailer.tenant_id))
        .join(PjpEntry, and_(PjpEntry.beat_id == Beat.id, PjpEntry.tenant_id == Beat.tenant_id))
        .where(
            PjpEntry.rep_id == rep.id,
            PjpEntry.valid_from <= on,
            or_(PjpEntry.valid_to.is_(None), PjpEntry.valid_to >= on),
        )
    )
    found: dict[uuid.UUID, tuple[int, date]] = {}
    for retailer_id, frequency, valid_from in (await session.execute(stmt)).all():
        interval = INTERVAL_DAYS[frequency]
        previous = found.get(retailer_id)
        if previous is None or interval < previous[0]:
            found[retailer_id] = (interval, valid_from)
    return found


async def _last_visits(
    session: AsyncSession, retailer_ids: Sequence[uuid.UUID], on: date
) -> dict[uuid.UUID, date]:
    if not retailer_ids:
        return {}
    stmt = (
        select(Visit.retailer_id, func.max(Visit.visit_date))
        .where(Visit.retailer_id.in_(retailer_ids), Visit.visit_date < on)
        .group_by(Visit.retailer_id)
    )
    return {row[0]: row[1] for row in (await session.execute(stmt)).all()}


def _outlet_columns() -> list[Any]:
    geometry = cast(Retailer.location, Geometry)
    from backend.parties.models import Distributor

    tier = (
        select(Distributor.tier)
        .where(Distributor.id == Retailer.distributor_id)
        .correlate(Retailer)
        .scalar_subquery()
    )
    return [
        Retailer.id,
        func.ST_Y(geometry),
        func.ST_X(geometry),
        Retailer.outlet_class,
        Retailer.opening_hours,
        tier,
    ]


async def _outlets(
    session: AsyncSession, retailer_ids: Sequence[uuid.UUID], on: date
) -> dict[uuid.UUID, Candidate]:
    if not retailer_ids:
        return {}
    stmt = select(*_outlet_columns()).where(Retailer.id.in_(retailer_ids), Retailer.is_active)
    return {
        row[0]: Candidate(
            retailer_id=row[0],
            latitude=float(row[1]),
            longitude=float(row[2]),
            outlet_class=row[3],
            windows=windows_on(row[4], on),
            service_s=SERVICE_SECONDS[row[3]],
            distributor_tier=row[5],
        )
        for row in (await session.execute(stmt)).all()
    }


async def _nearby(session: AsyncSession, rep: Rep, exclude: set[uuid.UUID]) -> list[uuid.UUID]:
    """Active outlets of the rep's territory within reach of its start, nearest first."""
    stmt = (
        select(Retailer.id)
        .where(
            Retailer.territory_id == rep.territory_id,
            Retailer.is_active,
            func.ST_DWithin(Retailer.location, rep.start_location, REACH_M[rep.speed_profile]),
        )
        .order_by(func.ST_Distance(Retailer.location, rep.start_location), Retailer.id)
        .limit(TERRITORY_POOL + len(exclude))
    )
    return [r for r in (await session.execute(stmt)).scalars().all() if r not in exclude]


async def build_candidates(
    session: AsyncSession,
    rep: Rep,
    on: date,
    *,
    closed_retailer_ids: Sequence[uuid.UUID] = (),
    visited_today: Sequence[uuid.UUID] = (),
) -> CandidateSet:
    """Gather and value the candidate outlets of a rep-day."""
    beat_ids = beat_for(calendar_of(rep.id, await pjp_entries_of(session, [rep.id])), on)
    beat_rows = (
        await session.execute(
            select(BeatRetailer.beat_id, BeatRetailer.retailer_id, BeatRetailer.position).where(
                BeatRetailer.beat_id.in_(beat_ids)
            )
        )
    ).all()
    beat_order = {b: i for i, b in enumerate(beat_ids)}
    beat_outlets: dict[uuid.UUID, int] = {}
    for row in sorted(beat_rows, key=lambda r: (beat_order[r[0]], r[2])):
        beat_outlets.setdefault(row[1], len(beat_outlets))

    portfolio = await _portfolio(session, rep, on)
    last = await _last_visits(session, [r for r in portfolio if r not in beat_outlets], on)
    overdue: dict[uuid.UUID, str] = {}
    for retailer_id, (interval, since) in portfolio.items():
        if retailer_id in beat_outlets:
            continue
        seen = last.get(retailer_id)
        days = (on - (seen or since)).days
        if days > interval:
            what = f"last visited {days} days ago" if seen else f"not visited in {days} days"
            overdue[retailer_id] = f"{what}; due every {interval} days"

    nearby = await _nearby(session, rep, set(beat_outlets) | set(overdue))
    outlets = await _outlets(session, [*beat_outlets, *overdue, *nearby], on)
    offtake = await expected_offtake(session, retailer_ids=list(outlets), as_of=on)
    room = min(MAX_CANDIDATES, math.ceil(FILL_FACTOR * rep.max_visits_per_day))
    wanted = max(HIGH_RANKED, room - len(beat_outlets) - len(overdue))
    ranked = sorted(
        (r for r in nearby if r in outlets and r in offtake and offtake[r].value > 0),
        key=lambda r: (-offtake[r].value, str(r)),
    )[:wanted]

    chosen: dict[uuid.UUID, Candidate] = {}
    for retailer_id, position in beat_outlets.items():
        if (c := outlets.get(retailer_id)) is not None:
            c.reasons.add(StopReason.BEAT)
            c.beat_position = position
            if c.outlet_class is OutletClass.A:
                c.reasons.add(StopReason.MANDATORY)
            chosen[retailer_id] = c
    for retailer_id, why in overdue.items():
        if (c := outlets.get(retailer_id)) is not None:
            c.reasons.add(StopReason.OVERDUE)
            c.explanation.append(why)
            chosen[retailer_id] = c
    for retailer_id in ranked:
        c = outlets[retailer_id]
        c.reasons.add(StopReason.HIGH_EXPECTED_OFFTAKE)
        chosen[retailer_id] = c
    for c in chosen.values():
        c.offtake = offtake.get(c.retailer_id)
        if c.offtake is not None:
            c.explanation.extend(c.offtake.reasons)

    skus = await sku_histories(
        session, list(chosen), since=on - timedelta(days=WINDOW_DAYS), until=on - timedelta(days=1)
    )
    products = {
        p.id: p for p in (await session.execute(select(Product).where(Product.is_active))).scalars()
    }
    goals = await open_goals(session, rep, on)
    gaps = await goal_gaps(session, rep, goals, on)
    weights = outlet_weights(list(chosen), gaps, skus, products, on=on)
    for c in chosen.values():
        c.weight = weights[c.retailer_id]
        if c.weight.weight >= Decimal("1.1") and c.expected_value > 0:
            c.reasons.add(StopReason.GOAL_GAP)
            c.explanation.append(f"serves goals behind pace: {', '.join(c.weight.goals)}")

    closed = set(closed_retailer_ids)
    visited = set(visited_today)
    kept: list[Candidate] = []
    dropped: list[tuple[Candidate, DropCause]] = []
    for c in chosen.values():
        if c.retailer_id in visited:
            dropped.append((c, DropCause.ALREADY_VISITED))
        elif c.retailer_id in closed:
            c.reasons.discard(StopReason.MANDATORY)
            dropped.append((c, DropCause.REPORTED_CLOSED))
        elif not c.windows:
            c.reasons.discard(StopReason.MANDATORY)
            dropped.append((c, DropCause.CLOSED_TODAY))
        else:
            kept.append(c)
    kept.sort(key=_priority)
    for c in kept[MAX_CANDIDATES:]:
        dropped.append((c, DropCause.OVER_CANDIDATE_LIMIT))
    return CandidateSet(
        rep=rep,
        plan_date=on,
        beat_ids=beat_ids,
        candidates=kept[:MAX_CANDIDATES],
        dropped=dropped,
        skus=skus,
        products=products,
        goal_labels=[g.label for g in gaps if g.gap > 0],
    )


def _priority(c: Candidate) -> tuple[int, int, Decimal, str]:
    """Mandatory first, then the beat, then overdue, then by weighted value."""
    if c.mandatory:
        tier = 0
    elif StopReason.BEAT in c.reasons:
        tier = 1
    elif StopReason.OVERDUE in c.reasons:
        tier = 2
    else:
        tier = 3
    return (
        tier,
        c.beat_position if c.beat_position is not None else 10**6,
        -c.weighted_value,
        str(c.retailer_id),
    )
