"""Distributor performance KPIs for a period (the names of docs/domain.md).

- fill rate: units delivered ÷ units ordered, over orders placed in the period (not draft,
  rejected or cancelled);
- delivery adherence: invoices delivered on time ÷ invoices delivered in the period; on time is
  on or before the order's requested date, or within 7 days of the order when none was asked;
- order accuracy: orders delivered exactly as ordered ÷ orders delivered (placed in the period);
- primary sales: invoices and debit notes less credit notes issued in the period, net of tax;
- DSO and overdue %: as on the statement of account at the period's end;
- claims ratio: value claimed in the period ÷ primary sales;
- primary sales vs target: the distributor's PRIMARY_VALUE goals prorated by the days each
  shares with the period (a goal for November counts 15/30 in a 1–15 November period), rounded
  to the cent per goal; achievement = primary sales ÷ target, in %.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.billing.models import BillingDocument, DocumentKind
from backend.billing.sales import primary_sales_query
from backend.billing.statements import statement_of_account
from backend.claims.models import Claim
from backend.field.goal_models import Goal, GoalMetric, GoalOwner
from backend.orders.models import OrderStatus, PrimaryOrder, PrimaryOrderLine

NOT_COUNTED = (OrderStatus.DRAFT, OrderStatus.REJECTED, OrderStatus.CANCELLED)
DEFAULT_LEAD_DAYS = 7


@dataclass(frozen=True)
class DistributorPerformance:
    """KPIs of one distributor over one period (ratios as fractions, None when undefined)."""

    distributor_id: uuid.UUID
    currency: str
    start: date
    end: date
    fill_rate: Decimal | None
    delivery_adherence: Decimal | None
    order_accuracy: Decimal | None
    primary_sales: Decimal
    dso_days: Decimal | None
    overdue_percent: Decimal | None
    claims_ratio: Decimal | None
    primary_target: Decimal | None
    primary_target_achievement: Decimal | None


def fraction(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """numerator ÷ denominator to 4 places, or None when the denominator is 0."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


async def distributor_performance(
    session: AsyncSession,
    *,
    principal: Principal,
    distributor_id: uuid.UUID,
    start: date,
    end: date,
) -> DistributorPerformance:
    """Compute the KPIs (the statement call checks the distributor is visible)."""
    statement = await statement_of_account(
        session, principal=principal, distributor_id=distributor_id, start=start, end=end
    )
    ordered, delivered, accurate, delivered_orders = await _order_figures(
        session, distributor_id, start, end
    )
    on_time, deliveries = await _delivery_figures(session, distributor_id, start, end)
    sales = Decimal(await session.scalar(primary_sales_query(distributor_id, start, end)) or 0)
    target = await primary_target(session, distributor_id, start, end)
    claimed = await session.scalar(
        select(func.coalesce(func.sum(Claim.claimed_amount), 0)).where(
            Claim.distributor_id == distributor_id, Claim.submitted_on.between(start, end)
        )
    )
    return DistributorPerformance(
        distributor_id=distributor_id,
        currency=statement.currency,
        start=start,
        end=end,
        fill_rate=fraction(delivered, ordered),
        delivery_adherence=fraction(on_time, deliveries),
        order_accuracy=fraction(accurate, delivered_orders),
        primary_sales=sales,
        dso_days=statement.dso_days,
        overdue_percent=statement.overdue_percent,
        claims_ratio=fraction(Decimal(claimed or 0), sales) if sales > 0 else None,
        primary_target=target,
        primary_target_achievement=(
            None if not target else (sales * 100 / target).quantize(Decimal("0.01"), ROUND_HALF_UP)
        ),
    )


async def primary_target(
    session: AsyncSession, distributor_id: uuid.UUID, start: date, end: date
) -> Decimal | None:
    """The distributor's primary sales target for start..end, or None when no goal overlaps."""
    goals = (
        await session.execute(
            select(Goal.target, Goal.period_start, Goal.period_end).where(
                Goal.owner == GoalOwner.DISTRIBUTOR,
                Goal.distributor_id == distributor_id,
                Goal.metric == GoalMetric.PRIMARY_VALUE,
                Goal.period_start <= end,
                Goal.period_end >= start,
            )
        )
    ).all()
    if not goals:
        return None
    total = Decimal("0.00")
    for target, goal_start, goal_end in goals:
        shared = (min(end, goal_end) - max(start, goal_start)).days + 1
        length = (goal_end - goal_start).days + 1
        total += (target * shared / length).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return total


async def _order_figures(
    session: AsyncSession, distributor_id: uuid.UUID, start: date, end: date
) -> tuple[int, int, int, int]:
    per_order = (
        select(
            PrimaryOrder.id,
            PrimaryOrder.status,
            func.sum(PrimaryOrderLine.quantity).label("ordered"),
            func.sum(PrimaryOrderLine.delivered_quantity).label("delivered"),
            func.bool_and(PrimaryOrderLine.delivered_quantity == PrimaryOrderLine.quantity).label(
                "exact"
            ),
        )
        .join(PrimaryOrderLine, PrimaryOrderLine.order_id == PrimaryOrder.id)
        .where(
            PrimaryOrder.distributor_id == distributor_id,
            PrimaryOrder.order_date.between(start, end),
            PrimaryOrder.status.not_in(NOT_COUNTED),
            PrimaryOrderLine.is_free.is_(False),  # free lines estimate scheme goods: not ordered
        )
        .group_by(PrimaryOrder.id, PrimaryOrder.status)
    ).subquery()
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(per_order.c.ordered), 0),
                func.coalesce(func.sum(per_order.c.delivered), 0),
                func.count().filter(per_order.c.status == OrderStatus.DELIVERED, per_order.c.exact),
                func.count().filter(per_order.c.status == OrderStatus.DELIVERED),
            )
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


async def _delivery_figures(
    session: AsyncSession, distributor_id: uuid.UUID, start: date, end: date
) -> tuple[int, int]:
    promised = func.coalesce(
        PrimaryOrder.requested_on, PrimaryOrder.order_date + timedelta(days=DEFAULT_LEAD_DAYS)
    )
    row = (
        await session.execute(
            select(func.count().filter(BillingDocument.delivered_on <= promised), func.count())
            .join(PrimaryOrder, PrimaryOrder.id == BillingDocument.order_id)
            .where(
                BillingDocument.distributor_id == distributor_id,
                BillingDocument.kind == DocumentKind.INVOICE,
                BillingDocument.delivered_on.between(start, end),
            )
        )
    ).one()
    return int(row[0]), int(row[1])
