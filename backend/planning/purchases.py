"""A retailer's buying history for the planner, from secondary invoices net of credit notes.

Every reader goes through `backend.secondary.purchases.purchase_lines`: an invoice counts as an
order (credit notes only take units and value away from the invoices they correct).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.secondary.purchases import PURCHASE_SOURCE, purchase_lines

HISTORY_SOURCE = PURCHASE_SOURCE


@dataclass(frozen=True)
class RetailerHistory:
    """A retailer's invoices over a window: count, net value, first and last invoice day."""

    retailer_id: uuid.UUID
    orders: int
    value: Decimal
    first_order: date
    last_order: date


async def retailer_histories(
    session: AsyncSession, retailer_ids: Sequence[uuid.UUID], *, since: date, until: date
) -> dict[uuid.UUID, RetailerHistory]:
    """Invoice count, net value and first/last invoice day of each retailer in [since, until]
    (retailers whose only documents in the window are credit notes are left out)."""
    if not retailer_ids:
        return {}
    lines = purchase_lines(since=since, until=until, retailer_ids=retailer_ids)
    invoice_day = func.min(lines.c.day).filter(lines.c.is_invoice)
    stmt = (
        select(
            lines.c.retailer_id,
            func.count(func.distinct(lines.c.invoice_id)).filter(lines.c.is_invoice),
            func.sum(lines.c.value),
            invoice_day,
            func.max(lines.c.day).filter(lines.c.is_invoice),
        )
        .group_by(lines.c.retailer_id)
        .having(invoice_day.is_not(None))
    )
    return {
        row[0]: RetailerHistory(row[0], int(row[1]), max(Decimal(0), row[2]), row[3], row[4])
        for row in (await session.execute(stmt)).all()
    }


@dataclass(frozen=True)
class SkuHistory:
    """How a retailer bought one SKU over a window (net of returns)."""

    retailer_id: uuid.UUID
    product_id: uuid.UUID
    orders: int
    quantity: int
    value: Decimal
    last_order: date


async def sku_histories(
    session: AsyncSession, retailer_ids: Sequence[uuid.UUID], *, since: date, until: date
) -> list[SkuHistory]:
    """Per retailer and SKU: invoices holding it, net units, net value, last invoice day.

    Free goods are not what the retailer chose to buy, so they are left out; a SKU returned in
    full (no units left) is not history either.
    """
    if not retailer_ids:
        return []
    lines = purchase_lines(since=since, until=until, retailer_ids=retailer_ids)
    stmt = (
        select(
            lines.c.retailer_id,
            lines.c.product_id,
            func.count(func.distinct(lines.c.invoice_id)).filter(lines.c.is_invoice),
            func.sum(lines.c.quantity),
            func.sum(lines.c.value),
            func.max(lines.c.day).filter(lines.c.is_invoice),
        )
        .where(lines.c.is_free.is_(False))
        .group_by(lines.c.retailer_id, lines.c.product_id)
        .having(func.sum(lines.c.quantity) > 0, func.bool_or(lines.c.is_invoice))
    )
    return [
        SkuHistory(r[0], r[1], int(r[2]), int(r[3]), Decimal(r[4]), r[5])
        for r in (await session.execute(stmt)).all()
    ]
