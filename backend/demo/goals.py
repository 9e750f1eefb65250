"""This month's goals for every demo rep, so the demo plans have gaps to chase.

Each rep gets a secondary-value goal of 115% of what its beat outlets were invoiced over the
previous 30 days (net of returns), pro-rated to the calendar month, and a focus-SKU volume goal
(the demo's first must-sell SKU, or its first SKU) of 150% of their units of that SKU. Both are
set by the tenant's admin. (The demo's secondary invoices are billed at the desk, so the basis is
the rep's outlets rather than the invoices of its own captured orders.)
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.field.goal_models import Goal, GoalMetric, GoalOwner
from backend.field.models import Beat, BeatRetailer, Rep
from backend.identity.models import Role, User
from backend.kit.db import new_id
from backend.secondary.purchases import purchase_lines

VALUE_STRETCH = Decimal("1.15")
FOCUS_STRETCH = Decimal("1.5")


def month_of(day: date) -> tuple[date, date]:
    """First and last day of the month holding `day`."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


async def seed_goals(session: AsyncSession, today: date) -> int:
    """Add the month's rep goals unless the tenant has rep goals already; return how many
    (distributors' primary goals, seeded with the primary history, do not count)."""
    rep_goals = select(Goal.id).where(Goal.owner == GoalOwner.REP).limit(1)
    if (await session.execute(rep_goals)).first() is not None:
        return 0
    admin = (
        (await session.execute(select(User.id).where(User.role == Role.ADMIN))).scalars().first()
    )
    focus = (
        (
            await session.execute(
                select(Product)
                .where(Product.is_active)
                .order_by(Product.must_sell.desc(), Product.sku)
            )
        )
        .scalars()
        .first()
    )
    if admin is None or focus is None:
        return 0
    first, last = month_of(today)
    lines = purchase_lines(since=today - timedelta(days=30), until=today - timedelta(days=1))
    portfolio = (
        select(Beat.rep_id, BeatRetailer.retailer_id)
        .join(BeatRetailer, BeatRetailer.beat_id == Beat.id)
        .distinct()
        .subquery()
    )
    history = (
        await session.execute(
            select(
                Rep.id,
                func.coalesce(func.sum(lines.c.value), 0),
                func.coalesce(func.sum(lines.c.quantity).filter(lines.c.product_id == focus.id), 0),
            )
            .outerjoin(portfolio, portfolio.c.rep_id == Rep.id)
            .outerjoin(lines, lines.c.retailer_id == portfolio.c.retailer_id)
            .group_by(Rep.id)
            .order_by(Rep.id)
        )
    ).all()
    month_share = Decimal((last - first).days + 1) / 30
    rows = []
    for rep_id, value, units in history:
        target = (Decimal(value) * VALUE_STRETCH * month_share).quantize(
            Decimal("1"), ROUND_HALF_UP
        )
        volume = (Decimal(units) * FOCUS_STRETCH * month_share).quantize(
            Decimal("1"), ROUND_HALF_UP
        )
        for metric, subject, amount in (
            (GoalMetric.SECONDARY_VALUE, None, target),
            (GoalMetric.SKU_VOLUME, focus.sku, volume),
        ):
            if amount > 0:
                rows.append(
                    {
                        "id": new_id(),
                        "tenant_id": focus.tenant_id,
                        "owner": GoalOwner.REP,
                        "rep_id": rep_id,
                        "metric": metric,
                        "subject": subject,
                        "period_start": first,
                        "period_end": last,
                        "target": amount,
                        "set_by_id": admin,
                    }
                )
    if rows:
        await session.execute(insert(Goal), rows)
    return len(rows)
