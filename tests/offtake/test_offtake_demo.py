"""The demo seed carries 12 weeks of MT sell-out, added once."""

from __future__ import annotations

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.demo.seed import seed_demo
from backend.demo.sellout_history import FEED
from backend.offtake.models import OfftakeImport, SellOutLine
from backend.parties.models import Channel, Retailer


async def test_demo_seed_adds_mt_sell_out_once(session: AsyncSession) -> None:
    await seed_demo(session, seed=7, build_plans=False)
    first = (
        await session.execute(
            select(
                func.count(),
                func.count(distinct(SellOutLine.retailer_id)),
                func.count(distinct(SellOutLine.sold_on)),
                func.sum(SellOutLine.quantity),
            )
        )
    ).one()
    await seed_demo(session, seed=7, build_plans=False)
    again = (await session.execute(select(func.count(), func.sum(SellOutLine.quantity)))).one()
    rows, outlets, weeks, units = first
    mt_outlets = (
        await session.execute(
            select(func.count()).select_from(Retailer).where(Retailer.channel == Channel.MT)
        )
    ).scalar_one()
    assert (again[0], again[1]) == (rows, units)
    assert outlets == mt_outlets == 320 and weeks == 12
    assert 320 * 12 * 10 < rows < 320 * 12 * 35
    non_mt = await session.execute(
        select(func.count())
        .select_from(SellOutLine)
        .join(Retailer, Retailer.id == SellOutLine.retailer_id)
        .where(Retailer.channel != Channel.MT)
    )
    assert non_mt.scalar_one() == 0
    record = (await session.execute(select(OfftakeImport))).scalar_one()
    assert (record.feed, record.rows_total, record.rows_accepted) == (FEED, rows, rows)
