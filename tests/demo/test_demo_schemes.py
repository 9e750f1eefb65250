"""Demo schemes: several kinds, active on the demo's today, created once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.demo.schemes import DEMO_TODAY, seed_demo_schemes
from backend.schemes.models import SchemeStatus, TradeScheme
from backend.schemes.service import active_schemes
from tests.factories.schemes import make_scheme_world


async def test_demo_schemes_are_created_once_and_apply_today(session: AsyncSession) -> None:
    w = await make_scheme_world(session)

    assert await seed_demo_schemes(session, w.tenant.id) == 8
    assert await seed_demo_schemes(session, w.tenant.id) == 0

    rows = list((await session.execute(select(TradeScheme).order_by(TradeScheme.code))).scalars())
    assert {r.status for r in rows} == {SchemeStatus.ACTIVE}
    assert len({r.kind for r in rows}) == 7
    r0 = w.retailers[0]  # general trade, class A
    found = await active_schemes(
        session, retailer_id=r0.id, distributor_id=r0.distributor_id, on=DEMO_TODAY
    )
    assert [s.code for s in found] == [
        "DEMO-GT-VALUE",
        "DEMO-12-PLUS-1",
        "DEMO-BRAND-5",
        "DEMO-COMBO",
        "DEMO-Q4-QPS",
        "DEMO-QTY-SLAB",
    ]
