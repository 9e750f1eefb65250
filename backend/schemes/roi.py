"""Scheme ROI: incremental sales during a scheme ÷ its cost.

- The scheme period is its validity up to `as_of` (a running scheme is measured so far); the
  baseline is a period of the same length immediately before it.
- Sales are secondary sales (net line value) of the scheme's eligible SKUs (its product scope) to
  its eligible outlets (channel, class, territory subtree, distributor, retailer list), read by
  `eligible_sales` from any source of invoice lines described by `SalesLines`.
- Cost is what the scheme gave: the larger of its consumed budget and its accruals (they measure
  the same benefits; a scheme without a budget has only accruals, a primary one only consumption).
- ROI = (sales during − baseline sales) ÷ cost; uplift = that increment ÷ baseline sales.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.kit.errors import JalurError, NotFound, ValidationFailed
from backend.parties.models import Retailer
from backend.schemes.models import SchemeAccrual, TradeScheme
from backend.schemes.repository import SchemeParts, load_parts
from backend.territories.models import Territory

RATIO = Decimal("0.0001")


@dataclass(frozen=True)
class Period:
    """Consecutive days, both ends inclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """How many days."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class SchemeRoi:
    """What a scheme returned: sales during and before it, the increment, its cost and the ratios."""

    period: Period
    baseline_period: Period
    sales: Decimal
    baseline_sales: Decimal
    incremental_sales: Decimal
    cost: Decimal
    roi: Decimal | None  # incremental ÷ cost; None when the scheme cost nothing
    uplift: Decimal | None  # incremental ÷ baseline; None without baseline sales


def measured_period(valid_from: date, valid_to: date, as_of: date) -> Period:
    """The part of the validity that has happened by `as_of`."""
    if as_of < valid_from:
        raise ValidationFailed("the scheme has not started by that date", field="asOf")
    return Period(valid_from, min(valid_to, as_of))


def baseline_for(period: Period) -> Period:
    """The same number of days immediately before."""
    return Period(period.start - timedelta(days=period.days), period.start - timedelta(days=1))


def scheme_roi(
    *, period: Period, sales: Decimal, baseline_sales: Decimal, cost: Decimal
) -> SchemeRoi:
    """The ROI figures from the two sales totals and the cost (ratios to 4 places, half up)."""
    incremental = sales - baseline_sales
    return SchemeRoi(
        period=period,
        baseline_period=baseline_for(period),
        sales=sales,
        baseline_sales=baseline_sales,
        incremental_sales=incremental,
        cost=cost,
        roi=_ratio(incremental, cost),
        uplift=_ratio(incremental, baseline_sales),
    )


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if denominator <= 0:
        return None
    return (numerator / denominator).quantize(RATIO, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SalesLines:
    """Where secondary sales lines are: a FROM (table, join or VALUES) and its columns.

    The secondary domain registers its invoice lines net of credit notes
    (`backend.secondary.purchases.secondary_sales_lines`); tests may register other sources.
    """

    source: Any
    retailer_id: Any
    product_id: Any
    distributor_id: Any
    day: Any
    value: Any
    quantity: Any = None  # units, for QPS settlement


_SALES_LINES: list[Callable[[], SalesLines]] = []


def register_sales_lines(
    factory: Callable[[], SalesLines] | None,
) -> Callable[[], SalesLines] | None:
    """Name the source of secondary sales lines (the secondary domain calls this at import);
    return the one it replaces."""
    previous = _SALES_LINES[0] if _SALES_LINES else None
    _SALES_LINES[:] = [] if factory is None else [factory]
    return previous


def registered_sales_lines() -> SalesLines:
    """The registered source, or a coded error while none is connected."""
    if not _SALES_LINES:
        raise JalurError(
            "secondary sales are not connected to scheme ROI yet",
            code="NO_SALES_SOURCE",
            field="schemeId",
        )
    return _SALES_LINES[0]()


def eligible_sales_query(
    lines: SalesLines, *, scheme: TradeScheme, parts: SchemeParts, period: Period
) -> Select[Any]:
    """Total net value of the lines in the period whose SKU and outlet fit the scheme."""
    stmt = (
        select(func.coalesce(func.sum(lines.value), 0))
        .select_from(lines.source)
        .join(Retailer, Retailer.id == lines.retailer_id)
        .join(Territory, Territory.id == Retailer.territory_id)
        .join(Product, Product.id == lines.product_id)
        .where(lines.day >= period.start, lines.day <= period.end)
    )
    if scheme.channels:
        stmt = stmt.where(Retailer.channel.in_(scheme.channels))
    if scheme.outlet_classes:
        stmt = stmt.where(Retailer.outlet_class.in_(scheme.outlet_classes))
    if parts.territory_paths:
        stmt = stmt.where(
            or_(*(Territory.path.startswith(p, autoescape=True) for p in parts.territory_paths))
        )
    if parts.distributor_ids:
        stmt = stmt.where(lines.distributor_id.in_(parts.distributor_ids))
    if parts.retailer_ids:
        stmt = stmt.where(lines.retailer_id.in_(parts.retailer_ids))
    scope = [
        condition
        for condition, present in (
            (Product.id.in_(parts.product_ids), parts.product_ids),
            (Product.brand.in_(scheme.brands), scheme.brands),
            (Product.category.in_(scheme.categories), scheme.categories),
        )
        if present
    ]
    if scope:
        stmt = stmt.where(or_(*scope))
    return stmt


async def eligible_sales(
    session: AsyncSession,
    lines: SalesLines,
    *,
    scheme: TradeScheme,
    parts: SchemeParts,
    period: Period,
) -> Decimal:
    """Net value of the lines in the period whose SKU and outlet fit the scheme."""
    stmt = eligible_sales_query(lines, scheme=scheme, parts=parts, period=period)
    return Decimal((await session.execute(stmt)).scalar_one())


async def scheme_cost(session: AsyncSession, scheme: TradeScheme) -> Decimal:
    """The larger of the consumed budget and the accrued benefits."""
    stmt = select(func.coalesce(func.sum(SchemeAccrual.amount), 0)).where(
        SchemeAccrual.scheme_id == scheme.id
    )
    accrued = Decimal((await session.execute(stmt)).scalar_one())
    return max(Decimal(scheme.consumed), accrued)


async def scheme_roi_report(
    session: AsyncSession, *, scheme_id: uuid.UUID, as_of: date, lines: SalesLines
) -> SchemeRoi:
    """Measure a scheme's ROI up to `as_of` against the same-length period before it."""
    scheme = await session.get(TradeScheme, scheme_id)
    if scheme is None:
        raise NotFound("no such scheme", field="schemeId")
    parts = (await load_parts(session, [scheme]))[scheme.id]
    period = measured_period(scheme.valid_from, scheme.valid_to, as_of)
    during = await eligible_sales(session, lines, scheme=scheme, parts=parts, period=period)
    before = await eligible_sales(
        session, lines, scheme=scheme, parts=parts, period=baseline_for(period)
    )
    return scheme_roi(
        period=period,
        sales=during,
        baseline_sales=before,
        cost=await scheme_cost(session, scheme),
    )
