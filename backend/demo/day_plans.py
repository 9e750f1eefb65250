"""Today's plans for every demo rep, built in-process while seeding (no worker needed for the demo).

They are built the way the nightly `planRepDay` jobs build them, with a shorter search cap
(`SEED_TIME_LIMIT_S` per rep-day) to keep `jalur demo seed` quick; `jalur plan` followed by
`jalur worker` rebuilds them with the configured cap.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.demo.field_history import HISTORY_END
from backend.demo.goals import seed_goals
from backend.field.models import Rep
from backend.field.pjp import tenant_today
from backend.kit.db import without_nested_loops
from backend.kit.settings import OptimizerSettings
from backend.planning.build import PlanRequest
from backend.planning.jobs import plan_with_cache
from backend.planning.models import DayPlan

DEMO_TODAY = HISTORY_END + timedelta(days=1)
SEED_TIME_LIMIT_S = 0.5


async def seed_day_plans(session: AsyncSession, optimizer: OptimizerSettings | None = None) -> int:
    """Plan the demo's today (and the real today, when different) for reps without a plan.

    The month's goals are added first (when the tenant has none), so plans weigh their gaps.
    """
    settings = (optimizer or OptimizerSettings()).model_copy(
        update={"time_limit_s": SEED_TIME_LIMIT_S}
    )
    # The seed writes its whole history in one transaction: the goal measures and candidates
    # query ~250,000 invoice lines that have no planner statistics yet (minutes per goal
    # measure with nested loops).
    async with without_nested_loops(session):
        days = sorted({DEMO_TODAY, await tenant_today(session)})
        await seed_goals(session, days[-1])
        reps = (await session.execute(select(Rep.id).order_by(Rep.id))).scalars().all()
        stmt = select(DayPlan.rep_id, DayPlan.plan_date).where(DayPlan.plan_date.in_(days))
        planned = {(row[0], row[1]) for row in (await session.execute(stmt)).all()}
        built = 0
        for day in days:
            for rep_id in reps:
                if (rep_id, day) in planned:
                    continue
                await plan_with_cache(
                    session, PlanRequest(rep_id, day), redis=None, optimizer=settings
                )
                built += 1
    return built
