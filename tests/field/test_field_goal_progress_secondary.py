"""Goal progress for secondary-sales metrics reads secondary invoice lines, net of returns."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from backend.field.goal_models import Goal, GoalMetric, GoalOwner
from backend.field.goal_progress import goal_progress
from backend.identity.models import Role
from backend.kit.db import new_id
from backend.kit.settings import Settings
from tests.factories.catalog import make_product
from tests.factories.field import make_rep
from tests.factories.planning import add_order
from tests.factories.scenarios import make_tenant_world
from tests.factories.secondary import add_credit_note, add_invoice

NOV = (date(2026, 11, 1), date(2026, 11, 30))
AS_OF = date(2026, 11, 20)


async def test_secondary_goals_measure_invoices_net_of_returns_by_owner(
    session: AsyncSession, settings: Settings
) -> None:
    world = await make_tenant_world(session, settings)
    rep = await make_rep(session, world.tenant, world.users[Role.REP])
    r0, r1, r2, r3 = world.retailers
    p0, p1 = world.product, await make_product(session, world.tenant)
    noodle, cheap = Decimal("1100.00"), Decimal("500.00")
    # r0: the rep's order, billed with 2 free units; 3 units returned later in the month
    order = await add_order(session, world, rep, r0, date(2026, 11, 3), [(p0, 10)], billed=False)
    invoice = await add_invoice(
        session,
        r0,
        date(2026, 11, 3),
        [(p0, 10, noodle), (p1, 4, cheap)],
        captured_order_id=order.id,
        free=[(p0, 2)],
    )
    await add_credit_note(session, invoice, r0, date(2026, 11, 10), [(p0, 3, noodle)])
    # desk invoices: r1 in the period, r2 in it and after `as_of`, r3 before it
    await add_invoice(session, r1, date(2026, 11, 5), [(p0, 6, noodle)])
    await add_invoice(session, r2, date(2026, 11, 7), [(p1, 2, cheap)])
    await add_invoice(session, r2, date(2026, 11, 25), [(p0, 100, noodle)])
    await add_invoice(session, r3, date(2026, 10, 31), [(p0, 50, noodle)])
    admin = world.users[Role.ADMIN].id
    area0, area1 = world.hierarchy.areas[0].id, world.hierarchy.areas[1].id

    def goal(metric: GoalMetric, owner: GoalOwner, target: str, **kw: object) -> Goal:
        return Goal(
            id=new_id(),
            tenant_id=world.tenant.id,
            owner=owner,
            metric=metric,
            period_start=NOV[0],
            period_end=NOV[1],
            target=Decimal(target),
            set_by_id=admin,
            **kw,
        )

    goals = [
        goal(GoalMetric.SECONDARY_VALUE, GoalOwner.REP, "20000", rep_id=rep.id),
        goal(
            GoalMetric.SKU_VOLUME,
            GoalOwner.DISTRIBUTOR,
            "100",
            distributor_id=world.distributors[0].id,
            subject=p0.sku,
        ),
        goal(GoalMetric.ECO, GoalOwner.TERRITORY, "4", territory_id=area0),
        goal(
            GoalMetric.CATEGORY_VOLUME,
            GoalOwner.TERRITORY,
            "10",
            territory_id=area1,
            subject="Noodles",
        ),
        goal(GoalMetric.NEW_OUTLETS, GoalOwner.REP, "5", rep_id=rep.id),
    ]

    progress = await goal_progress(session, goals, AS_OF)

    got = [
        (p.has_data, p.achieved, p.achievement_pct, p.daily_rate_needed, p.note) for p in progress
    ]
    assert got == [
        # 10 × 1,100 + 4 × 500 − 3 × 1,100 (the free units are worth nothing)
        (True, Decimal("9700.00"), Decimal("48.50"), Decimal("1030.00"), "from secondary invoices"),
        # distributor 0's outlets: r0 10 − 3 (free units are no sale) + r1 6
        (True, Decimal(13), Decimal("13.00"), Decimal("8.70"), "from secondary invoices"),
        # area 0's outlets billed: r0 and r1
        (True, Decimal(2), Decimal("50.00"), Decimal("0.20"), "from secondary invoices"),
        # area 1: r2's 2 units on 7 November (not the 100 after `as_of`, not r3's October ones)
        (True, Decimal(2), Decimal("20.00"), Decimal("0.80"), "from secondary invoices"),
        (False, None, None, None, "no data yet"),
    ]
