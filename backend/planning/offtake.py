"""Expected offtake for the planner: the ranking model's scores when they exist, else a baseline.

`baseline_offtake` implements `ExpectedOfftakeSource` from the retailer's own secondary invoices
(see `purchases.py`): the average invoice value (net of credit notes) over the last twelve weeks,
scaled by how many invoices its buying rhythm puts in the horizon and by how overdue its next one
is. It is labelled ``source="baseline:rhythm"`` so a plan says which figures came from a model.

`MODEL_SOURCE` is the ranking domain's `load_expected_offtake` (the active model's latest scores);
retailers it has no score for fall back to the baseline one by one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from backend.planning.purchases import HISTORY_SOURCE, retailer_histories
from backend.ranking.expected import ExpectedOfftake, ExpectedOfftakeSource
from backend.ranking.scores import load_expected_offtake

BASELINE_NAME = "baseline:rhythm"
WINDOW_DAYS = 84
HORIZON_DAYS = 7
MIN_OVERDUE, MAX_OVERDUE = Decimal("0.5"), Decimal("1.5")
CENT = Decimal("0.01")

MODEL_SOURCE: ExpectedOfftakeSource | None = load_expected_offtake


def baseline_value(
    *, orders: int, value: Decimal, first_order: date, last_order: date, as_of: date
) -> tuple[Decimal, tuple[str, ...]]:
    """The baseline figure and its reasons for one retailer's history (pure, for tests)."""
    average = value / orders
    span = (last_order - first_order).days
    # The rhythm is the mean gap between orders; with one order, the whole window stands for it.
    rhythm = Decimal(span) / (orders - 1) if orders > 1 and span > 0 else Decimal(WINDOW_DAYS)
    rhythm = max(rhythm, Decimal(1))
    per_horizon = min(Decimal(1), Decimal(HORIZON_DAYS) / rhythm)
    since_last = Decimal((as_of - last_order).days)
    overdue = min(MAX_OVERDUE, max(MIN_OVERDUE, since_last / rhythm))
    expected = (average * per_horizon * overdue).quantize(CENT, rounding=ROUND_HALF_UP)
    reasons = (
        f"{orders} invoices in {WINDOW_DAYS} days ({HISTORY_SOURCE}), "
        f"average {average.quantize(CENT, rounding=ROUND_HALF_UP)}",
        f"buys every {rhythm.quantize(Decimal('0.1'))} days; last {int(since_last)} days ago "
        f"(×{overdue.quantize(Decimal('0.01'))})",
    )
    return expected, reasons


async def baseline_offtake(
    session: AsyncSession, *, retailer_ids: Sequence[uuid.UUID], as_of: date
) -> dict[uuid.UUID, ExpectedOfftake]:
    """Expected offtake over the next week from each retailer's own order rhythm."""
    until = as_of - timedelta(days=1)
    histories = await retailer_histories(
        session, retailer_ids, since=as_of - timedelta(days=WINDOW_DAYS), until=until
    )
    found: dict[uuid.UUID, ExpectedOfftake] = {}
    for retailer_id, history in histories.items():
        if history.orders == 0:
            continue
        value, reasons = baseline_value(
            orders=history.orders,
            value=history.value,
            first_order=history.first_order,
            last_order=history.last_order,
            as_of=as_of,
        )
        found[retailer_id] = ExpectedOfftake(
            retailer_id, value, HORIZON_DAYS, reasons, BASELINE_NAME
        )
    return found


async def expected_offtake(
    session: AsyncSession, *, retailer_ids: Sequence[uuid.UUID], as_of: date
) -> dict[uuid.UUID, ExpectedOfftake]:
    """The model's figures where it has them, the baseline's for the other retailers."""
    found: dict[uuid.UUID, ExpectedOfftake] = {}
    if MODEL_SOURCE is not None:
        found = dict(await MODEL_SOURCE(session, retailer_ids=retailer_ids, as_of=as_of))
    missing = [r for r in retailer_ids if r not in found]
    if missing:
        found.update(await baseline_offtake(session, retailer_ids=missing, as_of=as_of))
    return found
