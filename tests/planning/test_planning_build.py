"""Building a day plan: mandatory stops, opening hours and shift, atomic versions, the matrix cache."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.field.models import SpeedProfile
from backend.identity.models import Role
from backend.kit.db import new_id
from backend.kit.settings import Settings
from backend.planning.build import PlanRequest, build_day_plan, seconds_of
from backend.planning.candidates import windows_on
from backend.planning.jobs import plan_with_cache
from backend.planning.matrix import CachedMatrix, provider_for
from backend.planning.models import DayPlan, DayPlanDropped, DayPlanStop, DayPlanTrigger, DropCause
from backend.planning.offtake import BASELINE_NAME
from backend.ranking.models import RankingKind, RankingModel, RetailerScore
from backend.schemes.rules import SchemeKind
from backend.schemes.validation import SlabDraft
from tests.factories.identity import principal_of
from tests.factories.planning import PLAN_DATE, PlanWorld, add_order, add_visit, make_plan_world
from tests.factories.scenarios import TenantWorld, make_tenant_world
from tests.factories.schemes import make_scheme


@pytest.fixture
async def world(session: AsyncSession, settings: Settings) -> TenantWorld:
    return await make_tenant_world(session, settings)


@pytest.fixture
async def plan_world(session: AsyncSession, world: TenantWorld) -> PlanWorld:
    built = await make_plan_world(session, world)
    # Purchase history for the baseline: outlet 5 buys much more than the others.
    for n, outlet in enumerate(built.outlets[:9]):
        for week in (1, 2, 3):
            qty = 40 if n == 5 else 4
            await add_order(
                session,
                world,
                built.rep,
                outlet,
                PLAN_DATE - timedelta(days=7 * week + 2),
                [(built.products[0], qty)],
            )
    return built


async def _plan(session: AsyncSession, settings: Settings, world: PlanWorld, **kw: Any) -> DayPlan:
    request = PlanRequest(rep_id=world.rep.id, plan_date=PLAN_DATE, **kw)
    return await plan_with_cache(
        session,
        request,
        redis=None,
        optimizer=settings.optimizer.model_copy(update={"time_limit_s": 1.0}),
    )


async def _stops(session: AsyncSession, plan: DayPlan) -> list[DayPlanStop]:
    stmt = select(DayPlanStop).where(DayPlanStop.plan_id == plan.id).order_by(DayPlanStop.position)
    return list((await session.execute(stmt)).scalars().all())


async def _dropped(session: AsyncSession, plan: DayPlan) -> dict[Any, DayPlanDropped]:
    stmt = select(DayPlanDropped).where(DayPlanDropped.plan_id == plan.id)
    return {d.retailer_id: d for d in (await session.execute(stmt)).scalars().all()}


async def test_mandatory_stops_are_planned_inside_opening_hours_and_the_shift(
    session: AsyncSession, settings: Settings, plan_world: PlanWorld
) -> None:
    plan = await _plan(session, settings, plan_world)
    stops = await _stops(session, plan)
    dropped = await _dropped(session, plan)
    by_retailer = {s.retailer_id: s for s in stops}
    outlets = plan_world.outlets

    for mandatory in outlets[:3]:
        assert by_retailer[mandatory.id].mandatory
        assert "MANDATORY" in by_retailer[mandatory.id].reasons
    closed = outlets[-1]
    assert closed.id not in by_retailer
    assert dropped[closed.id].cause is DropCause.CLOSED_TODAY
    # 11 open outlets, 35 visits allowed, a 9-hour shift: every open outlet fits.
    assert len(stops) == 11
    assert [s.position for s in stops] == list(range(1, 12))

    rep = plan_world.rep
    shift = (seconds_of(rep.shift_start), seconds_of(rep.shift_end))
    assert shift[0] <= plan.leave_seconds and plan.return_seconds <= shift[1]
    hours = {o.id: windows_on(o.opening_hours, PLAN_DATE) for o in outlets}
    for s in stops:
        assert s.service_start_seconds + s.service_seconds == s.departure_seconds
        assert any(
            o <= s.service_start_seconds and s.departure_seconds <= c
            for o, c in hours[s.retailer_id]
        )
        assert shift[0] <= s.arrival_seconds and s.departure_seconds <= shift[1]
    for before, after in itertools.pairwise(stops):
        assert (
            before.departure_seconds + after.travel_seconds_from_previous <= after.arrival_seconds
        )


async def test_expected_value_comes_from_the_baseline_and_orders_the_prizes(
    session: AsyncSession, settings: Settings, plan_world: PlanWorld
) -> None:
    plan = await _plan(session, settings, plan_world)
    stops = {s.retailer_id: s for s in await _stops(session, plan)}
    big = stops[plan_world.outlets[5].id]
    small = stops[plan_world.outlets[4].id]
    # 3 orders, 14 days apart on average, last 9 days before: 40 × 1100 × 7/7 × min(1.5, 9/7).
    assert big.offtake_source == BASELINE_NAME
    assert big.expected_value == Decimal("56571.43")
    assert small.expected_value == Decimal("5657.14")
    no_history = stops[plan_world.outlets[9].id]
    assert (no_history.expected_value, no_history.offtake_source) == (Decimal("0.00"), "none")
    assert plan.expected_value == sum(s.expected_value for s in stops.values())
    assert plan.offtake_sources == [BASELINE_NAME]


async def test_a_new_version_replaces_the_old_one_whole(
    session: AsyncSession, settings: Settings, plan_world: PlanWorld
) -> None:
    first = await _plan(session, settings, plan_world)
    closed = plan_world.outlets[0]
    second = await _plan(
        session,
        settings,
        plan_world,
        trigger=DayPlanTrigger.REPLAN,
        reason="shop shut",
        closed_retailer_ids=(closed.id,),
    )

    assert second.id == first.id and second.version == 2
    assert second.trigger is DayPlanTrigger.REPLAN and second.reason == "shop shut"
    stops = await _stops(session, second)
    assert closed.id not in {s.retailer_id for s in stops}
    assert (await _dropped(session, second))[closed.id].cause is DropCause.REPORTED_CLOSED
    count = select(func.count()).select_from(DayPlanStop).where(DayPlanStop.plan_id == second.id)
    assert (await session.execute(count)).scalar_one() == len(stops) == 10


async def test_travel_times_come_from_the_cache_and_survive_its_loss(
    session: AsyncSession, settings: Settings, plan_world: PlanWorld, redis: Redis
) -> None:
    name, provider = provider_for(SpeedProfile.MOTORBIKE, settings.optimizer)
    calls: list[int] = []

    class Counting:
        def travel_seconds(self, points: Any) -> Any:
            calls.append(len(points))
            return provider.travel_seconds(points)

    points = [(-6.2, 106.85), (-6.21, 106.86), (-6.19, 106.84)]
    cached = CachedMatrix(provider=Counting(), name=name, redis=redis)
    first = await cached.travel_seconds(points)
    second = await cached.travel_seconds(list(reversed(points)))
    assert calls == [3]
    assert (second == first[::-1, ::-1]).all()
    assert (cached.stats.hits, cached.stats.misses) == (1, 1)

    await redis.flushdb()  # the cache is lost: same answer, one more provider call
    third = await cached.travel_seconds(points)
    assert calls == [3, 3] and (third == first).all()

    broken = CachedMatrix(
        provider=Counting(), name=name, redis=Redis.from_url("redis://127.0.0.1:1/0")
    )
    fourth = await broken.travel_seconds(points)
    assert (fourth == first).all() and broken.stats.cache_errors == 2


async def test_a_plan_reads_its_travel_times_from_the_cache_on_the_second_build(
    session: AsyncSession, settings: Settings, plan_world: PlanWorld, redis: Redis
) -> None:
    optimizer = settings.optimizer.model_copy(update={"time_limit_s": 1.0})
    request = PlanRequest(rep_id=plan_world.rep.id, plan_date=PLAN_DATE)
    first = await plan_with_cache(session, request, redis=redis, optimizer=optimizer)
    first_stops = [(s.retailer_id, s.arrival_seconds) for s in await _stops(session, first)]
    assert (first.solver_stats["matrixCacheHits"], first.solver_stats["matrixCacheMisses"]) == (
        0,
        1,
    )
    second = await plan_with_cache(session, request, redis=redis, optimizer=optimizer)
    assert (second.solver_stats["matrixCacheHits"], second.solver_stats["matrixCacheMisses"]) == (
        1,
        0,
    )
    assert [
        (s.retailer_id, s.arrival_seconds) for s in await _stops(session, second)
    ] == first_stops


async def test_a_replan_during_the_day_starts_now_and_leaves_out_outlets_already_visited(
    session: AsyncSession, settings: Settings, plan_world: PlanWorld, world: TenantWorld
) -> None:
    visited = plan_world.outlets[:2]  # class A, mandatory: done this morning
    for outlet in visited:
        await add_visit(session, world, plan_world.rep, outlet, PLAN_DATE, productive=False)

    def no_cache(profile: SpeedProfile) -> CachedMatrix:
        name, provider = provider_for(profile, settings.optimizer)
        return CachedMatrix(provider=provider, name=name, redis=None)

    noon = datetime.combine(PLAN_DATE, time(12, 0), ZoneInfo("Asia/Jakarta"))
    request = PlanRequest(plan_world.rep.id, PLAN_DATE, trigger=DayPlanTrigger.REPLAN)
    plan = await build_day_plan(
        session,
        request,
        matrix_for=no_cache,
        optimizer=settings.optimizer.model_copy(update={"time_limit_s": 1.0}),
        now=noon,
    )
    stops = await _stops(session, plan)
    dropped = await _dropped(session, plan)
    assert {dropped[o.id].cause for o in visited} == {DropCause.ALREADY_VISITED}
    assert not {o.id for o in visited} & {s.retailer_id for s in stops}
    assert plan.leave_seconds >= 12 * 3600
    assert all(s.arrival_seconds >= 12 * 3600 for s in stops)
    assert len(stops) == 9  # 12 outlets, one closed on Mondays, two visited


async def test_a_stored_ranking_score_sets_the_prize_and_the_baseline_covers_the_rest(
    session: AsyncSession, settings: Settings, world: TenantWorld, plan_world: PlanWorld
) -> None:
    model = RankingModel(
        id=new_id(),
        tenant_id=world.tenant.id,
        version="rk-2026-12-01",
        kind=RankingKind.MODEL,
        selected="lightgbm",
        selection_message="beat the baseline",
        trained_from=date(2026, 6, 1),
        trained_to=date(2026, 11, 30),
        horizon_days=7,
        retailer_count=12,
        metrics={},
        libraries={},
        data_hash="0" * 64,
        card={},
        artefact=b"",
        artefact_sha256="0" * 64,
        is_active=True,
        activated_at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    session.add(model)
    await session.flush()
    scored = plan_world.outlets[4]
    session.add(
        RetailerScore(
            tenant_id=world.tenant.id,
            as_of=PLAN_DATE - timedelta(days=1),
            retailer_id=scored.id,
            model_id=model.id,
            expected_value=Decimal("80000.00"),
            currency="IDR",
            horizon_days=7,
            reasons=["bought more each month"],
            portfolio="rep",
            rank=1,
            portfolio_size=1,
        )
    )
    await session.flush()

    plan = await _plan(session, settings, plan_world)
    stops = {s.retailer_id: s for s in await _stops(session, plan)}

    # the scored outlet's prize is the model's figure; the others keep the baseline's
    assert (stops[scored.id].expected_value, stops[scored.id].offtake_source) == (
        Decimal("80000.00"),
        "rk-2026-12-01",
    )
    big = stops[plan_world.outlets[5].id]
    assert (big.expected_value, big.offtake_source) == (Decimal("56571.43"), BASELINE_NAME)
    assert sorted(plan.offtake_sources) == sorted([BASELINE_NAME, "rk-2026-12-01"])
    # the scored outlet now ranks first by prize among the non-mandatory ones
    optional = sorted(
        (s for s in stops.values() if not s.mandatory), key=lambda s: -s.expected_value
    )
    assert optional[0].retailer_id == scored.id


async def test_stops_show_todays_schemes_and_the_nudge_for_the_suggested_cart(
    session: AsyncSession, settings: Settings, world: TenantWorld, plan_world: PlanWorld
) -> None:
    admin = principal_of(world.users[Role.ADMIN])
    product = plan_world.products[0]
    small, big, class_a = plan_world.outlets[4], plan_world.outlets[5], plan_world.outlets[0]
    december: dict[str, Any] = {"valid_from": date(2026, 12, 1), "valid_to": date(2026, 12, 31)}
    await make_scheme(
        session,
        admin,
        "SLAB10",
        SchemeKind.QUANTITY_SLABS,
        slabs=(SlabDraft(Decimal(10), Decimal(5)), SlabDraft(Decimal(20), Decimal(8))),
        product_ids=(product.id,),
        retailer_ids=(small.id, big.id),
        **december,
    )
    await make_scheme(session, admin, "CLASSA", outlet_classes=("A",), **december)
    await make_scheme(session, admin, "NOVONLY", retailer_ids=(small.id,))  # over by December

    plan = await _plan(session, settings, plan_world)
    stops = {s.retailer_id: s for s in await _stops(session, plan)}

    # 4 units a time of the slab SKU: 6 more reach the 10-unit slab
    assert "SCHEME_NUDGE" in stops[small.id].reasons
    assert stops[small.id].explanation[-2:] == [
        "schemes today: SLAB10",
        "SLAB10: 6 more units in the suggested cart → 5% off",
    ]
    # 40 units a time are past every slab: the scheme applies, there is nothing to nudge
    assert "SCHEME_NUDGE" not in stops[big.id].reasons
    assert stops[big.id].explanation[-1] == "schemes today: SLAB10"
    # a flat percentage has no next step
    assert "SCHEME_NUDGE" not in stops[class_a.id].reasons
    assert stops[class_a.id].explanation[-1] == "schemes today: CLASSA"
    outside = stops[plan_world.outlets[6].id]
    assert "SCHEME_NUDGE" not in outside.reasons
    assert not any(e.startswith("schemes today") for e in outside.explanation)
