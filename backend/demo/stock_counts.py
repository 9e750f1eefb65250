"""Demo shelf stock counts at visits, consistent with the invoices, and their derived offtake.

At modern-trade and class A outlets, the rep counts the outlet's focus SKUs (the three it bought
most units of over the history) at every second visit made while the shop was open. The shelf
follows the outlet's purchases: each count is the previous true stock plus the units invoiced
less the units returned in between (the same purchase history, and the same interval rule, as
the derivation: `invoiced_purchases` over `purchase_lines`), less a consumer offtake drawn from
the pair's own rate (its units bought a day, times 0.8–1.0, with log-normal noise), never below
zero. About 2% of counts are miscounts higher than possible (`MISCOUNT_SHARE`), so the derived
offtake has flags to show. The seed then derives the offtake for the history, so reports over
derived offtake have data at once.

Both read purchases in the seed's own transaction, right after the bulk load: the tables' planner
statistics still say they are empty (the application role may not ANALYZE, and autovacuum cannot
see uncommitted rows), so the planner expects one row and nests loops over tens of thousands
(75 s for the purchase query on the dev database). Those two steps run with nested loops off.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Table, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.demo.field_history import FIRST_DAY, HISTORY_END
from backend.field.visit_models import Visit, VisitStockLine
from backend.kit.db import insert_rows, without_nested_loops
from backend.offtake.derive import DeriveSummary, derive_offtake, invoiced_purchases
from backend.parties.models import Retailer

FOCUS_SKUS = 3
EVERY = 2  # count at every second visit
MISCOUNT_SHARE = 0.02


async def seed_stock_counts(session: AsyncSession, *, seed: int) -> int:
    """Add the stock counts unless any exist; return how many were added."""
    if (await session.execute(select(VisitStockLine.visit_id).limit(1))).first() is not None:
        return 0
    async with without_nested_loops(session):
        return await _seed_stock_counts(session, seed=seed)


async def _seed_stock_counts(session: AsyncSession, *, seed: int) -> int:
    visits = (
        await session.execute(
            select(Visit.tenant_id, Visit.id, Visit.retailer_id, Visit.checked_in_at, Retailer.code)
            .join(Retailer, Retailer.id == Visit.retailer_id)
            .where(
                or_(Retailer.channel == "MT", Retailer.outlet_class == "A"),
                Visit.outside_opening_hours.is_(False),
                Visit.visit_date >= FIRST_DAY,
                Visit.visit_date <= HISTORY_END,
            )
            .order_by(Retailer.code, Visit.checked_in_at, Visit.id)
        )
    ).all()
    if not visits:
        return 0
    by_retailer: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in visits:
        by_retailer[row.retailer_id].append(row)
    start = datetime.combine(FIRST_DAY, time(), UTC) - timedelta(days=1)
    bought = await invoiced_purchases(
        session,
        retailer_ids=sorted(by_retailer),
        start=start,
        end=max(row.checked_in_at for row in visits) + timedelta(seconds=1),
    )
    moves: dict[tuple[uuid.UUID, uuid.UUID], list[tuple[datetime, int]]] = defaultdict(list)
    units: dict[uuid.UUID, dict[uuid.UUID, int]] = defaultdict(lambda: defaultdict(int))
    for p in bought:
        moves[(p.retailer_id, p.product_id)].append((p.at, p.quantity))
        if p.quantity > 0:
            units[p.retailer_id][p.product_id] += p.quantity
    days = (HISTORY_END - FIRST_DAY).days + 1
    rows: list[dict[str, Any]] = []
    for retailer_id, outlet_visits in by_retailer.items():
        counted = outlet_visits[::EVERY]
        rng = random.Random(f"{seed}:stock:{counted[0].code}")
        ranked = sorted(units[retailer_id].items(), key=lambda kv: (-kv[1], str(kv[0])))
        for product_id, total in ranked[:FOCUS_SKUS]:
            rate = total / days * rng.uniform(0.8, 1.0)
            history = sorted(moves[(retailer_id, product_id)])
            stock = round(rate * rng.uniform(3, 10))
            previous = None
            for visit in counted:
                available = stock
                if previous is not None:
                    moved = sum(q for at, q in history if previous <= at < visit.checked_in_at)
                    elapsed = (visit.checked_in_at - previous).total_seconds() / 86_400
                    available = stock + moved
                    sold = round(rate * elapsed * rng.lognormvariate(0, 0.25))
                    stock = max(0, available - sold)
                quantity = stock
                if previous is not None and rng.random() < MISCOUNT_SHARE:
                    # counted twice, or a neighbouring SKU's facings: more than can be there
                    shelf = max(available, 0)
                    quantity = shelf + max(3, round(shelf * rng.uniform(0.2, 0.6)))
                rows.append(
                    {
                        "tenant_id": visit.tenant_id,
                        "visit_id": visit.id,
                        "product_id": product_id,
                        "quantity": quantity,
                        "sequence": 1,
                    }
                )
                previous = visit.checked_in_at
    await insert_rows(session, cast(Table, VisitStockLine.__table__), rows)
    return len(rows)


async def derive_demo_offtake(session: AsyncSession, tenant_id: uuid.UUID) -> DeriveSummary:
    """Derive the offtake between the history's counts (rerunnable: it replaces the window)."""
    async with without_nested_loops(session):
        return await derive_offtake(session, tenant_id=tenant_id, start=FIRST_DAY, end=HISTORY_END)
