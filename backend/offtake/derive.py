"""Offtake derived from a rep's stock counts: opening count + net purchases in between − closing
count, where net purchases are the units invoiced less the units returned.

Between two consecutive counts of a SKU at a retailer (ordered by check-in time), the units the
retailer sold are what it had, plus what it bought, minus what it gave back to the distributor,
minus what is left. Purchases come from a `PurchasesSource`: by default the retailer's secondary
document lines, free goods included (`backend.secondary.purchases.purchase_lines`, the one
purchase-history query): invoice lines count positive, credit-note lines of sales returns
negative. An invoice line is bought at its invoice date's tenant-local midnight, or when the order
it bills was captured if that is later (goods do not arrive before they are ordered; documents
record no delivery time); a return leaves the shelf at its credit note's local midnight. A
purchase or return counts in the interval when opening check-in ≤ its time < closing check-in, so
an order captured at the opening visit (after its count) and billed that day is in, and the one
billed from the closing visit is out. A derived row keeps the invoiced units (`purchased`) and the
returned units (`returned`) apart, both not negative: quantity = opening + purchased − returned −
closing.

Implausible figures are stored with a flag and a reason and left out of reports:
- NEGATIVE: the closing count exceeds the opening count plus net purchases;
- COUNT_UP_WITHOUT_PURCHASE: the shelf count went up with no purchase recorded in between;
- ABOVE_USUAL: more than `ABOVE_USUAL_FACTOR` × the usual daily rate (the median of the pair's
  previous plausible intervals, once there are `USUAL_MIN_INTERVALS` of them) and at least
  `ABOVE_USUAL_MIN_UNITS` units.

Deriving a window replaces the derived rows whose closing count falls in it, so it can be rerun
(after late purchases or late counts) and always gives the same figures; derivations of one tenant
run one at a time (a transaction-scoped advisory lock).
"""

from __future__ import annotations

import bisect
import itertools
import statistics
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import ColumnElement, delete, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from backend.field.visit_models import Visit, VisitStockLine
from backend.jobs.registry import job_handler
from backend.kit.db import insert_batches
from backend.kit.errors import ValidationFailed
from backend.offtake.models import DerivedOfftake, OfftakeFlag
from backend.parties.models import Retailer
from backend.secondary.purchases import purchase_lines

ABOVE_USUAL_FACTOR = 5
ABOVE_USUAL_MIN_UNITS = 10
USUAL_MIN_INTERVALS = 3
USUAL_WINDOW = 6
LOOKBACK_DAYS = 180
MAX_WINDOW_DAYS = 366
INSERT_CHUNK = 5_000


@dataclass(frozen=True, slots=True)
class Purchase:
    """Units of a SKU a retailer bought at a moment (negative: units it returned)."""

    retailer_id: uuid.UUID
    product_id: uuid.UUID
    at: datetime
    quantity: int


class PurchasesSource(Protocol):
    """The purchases (and returns, as negative quantities) of the given retailers with
    `start <= at < end`, in any order."""

    async def __call__(
        self,
        session: AsyncSession,
        *,
        retailer_ids: Sequence[uuid.UUID],
        start: datetime,
        end: datetime,
    ) -> Sequence[Purchase]: ...


async def invoiced_purchases(
    session: AsyncSession,
    *,
    retailer_ids: Sequence[uuid.UUID],
    start: datetime,
    end: datetime,
) -> Sequence[Purchase]:
    """Purchases as secondary invoice lines (free goods included: they are on the shelf too) and
    returns as the credit-note lines that correct them (negative), from `purchase_lines`."""
    if not retailer_ids:
        return []
    # Bound the scan by issue dates (a day either side covers any time zone), then by time.
    lines = purchase_lines(
        since=start.date() - timedelta(days=1),
        until=end.date() + timedelta(days=1),
        retailer_ids=retailer_ids,
    )
    stmt = select(lines.c.retailer_id, lines.c.product_id, lines.c.at, lines.c.quantity).where(
        lines.c.at >= start, lines.c.at < end
    )
    return [Purchase(*row) for row in (await session.execute(stmt)).all()]


@dataclass(frozen=True, slots=True)
class Count:
    """Units of a SKU counted on a retailer's shelf at a visit."""

    retailer_id: uuid.UUID
    product_id: uuid.UUID
    visit_id: uuid.UUID
    visit_date: date
    at: datetime
    quantity: int


@dataclass(frozen=True, slots=True)
class Derived:
    """Offtake between two consecutive counts, with its plausibility."""

    retailer_id: uuid.UUID
    product_id: uuid.UUID
    opening_visit_id: uuid.UUID
    closing_visit_id: uuid.UUID
    period_start: date
    period_end: date
    opening_count: int
    purchased: int
    returned: int
    closing_count: int
    quantity: int
    usual_daily: Decimal | None
    flag: OfftakeFlag | None
    reason: str | None

    @property
    def plausible(self) -> bool:
        """Whether reports may use the figure."""
        return self.flag is None


def derive_intervals(counts: Sequence[Count], purchases: Sequence[Purchase]) -> list[Derived]:
    """Derive every interval between consecutive counts of each (retailer, SKU) pair (pure)."""
    by_pair: dict[tuple[uuid.UUID, uuid.UUID], list[Count]] = defaultdict(list)
    for count in counts:
        by_pair[(count.retailer_id, count.product_id)].append(count)
    bought: dict[tuple[uuid.UUID, uuid.UUID], list[tuple[datetime, int]]] = defaultdict(list)
    for p in purchases:
        bought[(p.retailer_id, p.product_id)].append((p.at, p.quantity))
    derived: list[Derived] = []
    for pair, pair_counts in by_pair.items():
        pair_counts.sort(key=lambda c: (c.at, c.visit_id))
        moments = sorted(bought.get(pair, []))
        times = [at for at, _ in moments]
        # running totals of units invoiced and units returned, kept apart
        cumulative, cumulative_back = [0], [0]
        for _, quantity in moments:
            cumulative.append(cumulative[-1] + max(quantity, 0))
            cumulative_back.append(cumulative_back[-1] + max(-quantity, 0))
        rates: list[Decimal] = []
        for opening, closing in itertools.pairwise(pair_counts):
            lo = bisect.bisect_left(times, opening.at)
            hi = bisect.bisect_left(times, closing.at)
            purchased = cumulative[hi] - cumulative[lo]
            returned = cumulative_back[hi] - cumulative_back[lo]
            quantity = opening.quantity + purchased - returned - closing.quantity
            days = max((closing.visit_date - opening.visit_date).days, 1)
            recent = rates[-USUAL_WINDOW:]
            usual = (
                Decimal(statistics.median(recent)).quantize(Decimal("0.001"))
                if len(recent) >= USUAL_MIN_INTERVALS
                else None
            )
            flag, reason = _judge(opening, closing, purchased, returned, quantity, days, usual)
            if flag is None:
                rates.append(Decimal(quantity) / Decimal(days))
            derived.append(
                Derived(
                    retailer_id=opening.retailer_id,
                    product_id=opening.product_id,
                    opening_visit_id=opening.visit_id,
                    closing_visit_id=closing.visit_id,
                    period_start=opening.visit_date,
                    period_end=closing.visit_date,
                    opening_count=opening.quantity,
                    purchased=purchased,
                    returned=returned,
                    closing_count=closing.quantity,
                    quantity=quantity,
                    usual_daily=usual,
                    flag=flag,
                    reason=reason,
                )
            )
    return derived


def _judge(
    opening: Count,
    closing: Count,
    purchased: int,
    returned: int,
    quantity: int,
    days: int,
    usual: Decimal | None,
) -> tuple[OfftakeFlag | None, str | None]:
    if quantity < 0 and purchased == 0 and closing.quantity > opening.quantity:
        return OfftakeFlag.COUNT_UP_WITHOUT_PURCHASE, (
            f"the count went up from {opening.quantity} to {closing.quantity}"
            " with no purchase recorded in between"
        )
    if quantity < 0:
        less_returns = f" less returns {returned}" if returned else ""
        return OfftakeFlag.NEGATIVE, (
            f"the closing count {closing.quantity} exceeds the opening count {opening.quantity}"
            f" plus purchases {purchased}{less_returns}"
        )
    if (
        usual is not None
        and quantity >= ABOVE_USUAL_MIN_UNITS
        and quantity > ABOVE_USUAL_FACTOR * usual * days
    ):
        return OfftakeFlag.ABOVE_USUAL, (
            f"{quantity} units in {days} day(s) is over {ABOVE_USUAL_FACTOR}× the usual"
            f" {usual} a day"
        )
    return None, None


@dataclass(frozen=True)
class DeriveSummary:
    """What a derivation run stored."""

    intervals: int
    flagged: int
    retailers: int


async def derive_offtake(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    start: date,
    end: date,
    scope: ColumnElement[bool] | None = None,
    retailer_id: uuid.UUID | None = None,
    purchases: PurchasesSource = invoiced_purchases,
) -> DeriveSummary:
    """Recompute the derived offtake whose closing count falls in [start, end] for the retailers
    matching `scope` (and `retailer_id`); return what was stored."""
    if end < start:
        raise ValidationFailed("the period ends before it starts", field="input.to")
    if (end - start).days >= MAX_WINDOW_DAYS:
        raise ValidationFailed(f"derive at most {MAX_WINDOW_DAYS} days at once", field="input.to")
    # One derivation at a time per tenant: each replaces rows the other would insert.
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtext(f"offtake.derive:{tenant_id}")))
    )
    retailers = select(Retailer.id).where(scope if scope is not None else true())
    if retailer_id is not None:
        retailers = retailers.where(Retailer.id == retailer_id)
    stmt = (
        select(
            Visit.retailer_id,
            VisitStockLine.product_id,
            Visit.id,
            Visit.visit_date,
            Visit.checked_in_at,
            VisitStockLine.quantity,
        )
        .join(VisitStockLine, VisitStockLine.visit_id == Visit.id)
        .where(
            Visit.visit_date >= start - timedelta(days=LOOKBACK_DAYS),
            Visit.visit_date <= end,
            Visit.retailer_id.in_(retailers.scalar_subquery()),
        )
    )
    counts = [Count(*row) for row in (await session.execute(stmt)).all()]
    retailer_ids = sorted({c.retailer_id for c in counts if start <= c.visit_date <= end})
    await session.execute(
        delete(DerivedOfftake).where(
            DerivedOfftake.period_end >= start,
            DerivedOfftake.period_end <= end,
            DerivedOfftake.retailer_id.in_(retailers.scalar_subquery()),
        )
    )
    if not retailer_ids:
        return DeriveSummary(0, 0, 0)
    wanted = set(retailer_ids)
    counts = [c for c in counts if c.retailer_id in wanted]
    bought = await purchases(
        session,
        retailer_ids=retailer_ids,
        start=min(c.at for c in counts),
        end=max(c.at for c in counts),
    )
    derived = [d for d in derive_intervals(counts, bought) if start <= d.period_end <= end]
    rows: list[dict[str, Any]] = [
        {
            "tenant_id": tenant_id,
            "retailer_id": d.retailer_id,
            "product_id": d.product_id,
            "opening_visit_id": d.opening_visit_id,
            "closing_visit_id": d.closing_visit_id,
            "period_start": d.period_start,
            "period_end": d.period_end,
            "opening_count": d.opening_count,
            "purchased": d.purchased,
            "returned": d.returned,
            "closing_count": d.closing_count,
            "quantity": d.quantity,
            "usual_daily": d.usual_daily,
            "plausible": d.plausible,
            "flag": d.flag,
            "reason": d.reason,
        }
        for d in derived
    ]
    await insert_batches(session, DerivedOfftake, rows, batch=INSERT_CHUNK)
    return DeriveSummary(
        intervals=len(derived),
        flagged=sum(1 for d in derived if not d.plausible),
        retailers=len({d.retailer_id for d in derived}),
    )


@job_handler("offtake.derive")
async def derive_job(
    session: AsyncSession, tenant_id: uuid.UUID, payload: dict[str, Any]
) -> dict[str, Any]:
    """Nightly derivation for the whole tenant: payload `{"from": date, "to": date}` (ISO)."""
    try:
        end = date.fromisoformat(payload["to"]) if "to" in payload else date.today()
        start = date.fromisoformat(payload["from"]) if "from" in payload else end - timedelta(35)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("from/to must be ISO dates", field="payload") from exc
    summary = await derive_offtake(session, tenant_id=tenant_id, start=start, end=end)
    return {
        "intervals": summary.intervals,
        "flagged": summary.flagged,
        "retailers": summary.retailers,
    }
