"""QPS (quantity purchase scheme): cumulative slabs over the scheme's period, settled at its end.

A QPS never touches a bill. At the end of its period each eligible retailer's purchases of the
scheme's SKUs are added up; the highest slab whose threshold (in units) the total reaches gives
its percent off the eligible value bought in the period, paid by a credit note to the retailer
(issued by secondary billing, which also records the credit as an accrual for the scheme claim).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kit.errors import NotFound, ValidationFailed
from backend.schemes.mapping import to_rule
from backend.schemes.models import TradeScheme
from backend.schemes.repository import SchemeParts, load_parts
from backend.schemes.roi import Period, SalesLines, eligible_sales_query
from backend.schemes.rules import SchemeKind, Slab

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Purchases:
    """What one retailer bought of a scheme's SKUs in its period."""

    retailer_id: uuid.UUID
    quantity: int
    value: Decimal


@dataclass(frozen=True)
class QpsCredit:
    """A retailer's QPS result: the slab reached and the credit it earns."""

    retailer_id: uuid.UUID
    quantity: int
    value: Decimal
    slab: Slab
    credit: Decimal


def qps_credits(slabs: tuple[Slab, ...], purchases: list[Purchases]) -> list[QpsCredit]:
    """Credits of the retailers that reached a slab (percent of their value, half up to cents)."""
    credits = []
    for bought in sorted(purchases, key=lambda p: str(p.retailer_id)):
        reached = [s for s in slabs if bought.quantity >= s.threshold]
        if not reached or bought.value <= 0:
            continue
        slab = max(reached, key=lambda s: s.threshold)
        credit = (bought.value * slab.percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        credits.append(QpsCredit(bought.retailer_id, bought.quantity, bought.value, slab, credit))
    return credits


async def qps_purchases(
    session: AsyncSession,
    lines: SalesLines,
    *,
    scheme: TradeScheme,
    parts: SchemeParts,
    period: Period,
) -> list[Purchases]:
    """Each eligible retailer's eligible quantity and value in the period (needs `quantity`)."""
    if scheme.kind is not SchemeKind.QPS:
        raise ValidationFailed("not a QPS scheme", field="schemeId")
    if lines.quantity is None:
        raise ValidationFailed("the sales source gives no quantities", field="schemeId")
    stmt = (
        eligible_sales_query(lines, scheme=scheme, parts=parts, period=period)
        .with_only_columns(
            lines.retailer_id,
            func.coalesce(func.sum(lines.quantity), 0),
            func.coalesce(func.sum(lines.value), 0),
        )
        .group_by(lines.retailer_id)
        .order_by(lines.retailer_id)
    )
    return [
        Purchases(retailer_id, int(quantity), Decimal(value))
        for retailer_id, quantity, value in (await session.execute(stmt)).all()
    ]


def settlement_period(scheme: TradeScheme, on: date) -> Period:
    """The whole period of a QPS, once it has ended."""
    if on <= scheme.valid_to:
        raise ValidationFailed(
            f"a QPS is settled after its period ends on {scheme.valid_to}", field="on"
        )
    return Period(scheme.valid_from, scheme.valid_to)


async def qps_settlement(
    session: AsyncSession, *, scheme_id: uuid.UUID, on: date, lines: SalesLines
) -> list[QpsCredit]:
    """The credits an ended QPS owes, per retailer that reached a slab."""
    scheme = await session.get(TradeScheme, scheme_id)
    if scheme is None:
        raise NotFound("no such scheme", field="schemeId")
    parts = (await load_parts(session, [scheme]))[scheme.id]
    period = settlement_period(scheme, on)
    bought = await qps_purchases(session, lines, scheme=scheme, parts=parts, period=period)
    rule = to_rule(scheme, parts)
    return qps_credits(rule.slabs, bought)
