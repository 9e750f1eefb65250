"""Field KPIs per rep over a period, counted in one SQL statement (definitions in docs/domain.md).

* coverage = portfolio outlets visited ÷ portfolio outlets (the outlets of the rep's PJP beats
  valid in the period);
* beat adherence = planned calls made ÷ planned calls (each outlet of each beat the PJP puts on
  each day of the period, made when the rep visited it that day);
* productive calls % = productive calls ÷ calls (checked-out visits);
* LPC = SKU lines sold ÷ productive calls; TLSD = lines sold ÷ rep working days (days with calls);
* drop size = sales value ÷ productive calls;
* ECO = portfolio outlets with at least one bill in the period ÷ portfolio outlets.

Sales come from secondary invoices (`backend.secondary.purchases.purchase_lines`): lines sold are
the paid lines of the invoices billing the rep's captured orders (free goods are not lines sold),
sales value is their net value less the credit notes correcting them, and an outlet is billed
when it got any invoice in the period (whoever took the order). Calls, working days, coverage and
adherence stay on visits. Territory and tenant figures add the reps' counts, so an outlet on two
reps' PJPs counts for each.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    and_,
    cast,
    distinct,
    exists,
    extract,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from backend.field.calendar import PARITY_EPOCH
from backend.field.models import BeatRetailer, PjpEntry, Rep
from backend.field.visit_models import Visit, VisitOutcome
from backend.secondary.purchases import purchase_lines

FOUR = Decimal("0.0001")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class FieldCounts:
    """The counts every field KPI is a ratio of."""

    portfolio_outlets: int = 0
    visited_outlets: int = 0
    planned_calls: int = 0
    planned_calls_made: int = 0
    calls: int = 0
    productive_calls: int = 0
    lines_sold: int = 0
    sales_value: Decimal = Decimal(0)
    working_days: int = 0
    billed_outlets: int = 0

    def __add__(self, other: FieldCounts) -> FieldCounts:
        return FieldCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @staticmethod
    def _ratio(
        numerator: Decimal | int, denominator: int, quantum: Decimal = FOUR
    ) -> Decimal | None:
        if denominator == 0:
            return None
        return (Decimal(numerator) / Decimal(denominator)).quantize(quantum, ROUND_HALF_UP)

    @property
    def coverage(self) -> Decimal | None:
        """Portfolio outlets visited ÷ portfolio outlets."""
        return self._ratio(self.visited_outlets, self.portfolio_outlets)

    @property
    def beat_adherence(self) -> Decimal | None:
        """Planned calls made ÷ planned calls."""
        return self._ratio(self.planned_calls_made, self.planned_calls)

    @property
    def productive_ratio(self) -> Decimal | None:
        """Productive calls ÷ calls."""
        return self._ratio(self.productive_calls, self.calls)

    @property
    def lpc(self) -> Decimal | None:
        """Lines sold ÷ productive calls."""
        return self._ratio(self.lines_sold, self.productive_calls, CENT)

    @property
    def tlsd(self) -> Decimal | None:
        """Lines sold ÷ rep working days."""
        return self._ratio(self.lines_sold, self.working_days, CENT)

    @property
    def drop_size(self) -> Decimal | None:
        """Sales value ÷ productive calls."""
        return self._ratio(self.sales_value, self.productive_calls, CENT)

    @property
    def eco(self) -> Decimal | None:
        """Portfolio outlets billed ÷ portfolio outlets."""
        return self._ratio(self.billed_outlets, self.portfolio_outlets)


def _counted(column: Any) -> Any:
    return func.coalesce(column, 0)


async def field_counts(
    session: AsyncSession, rep_ids: Sequence[uuid.UUID], start: date, end: date
) -> dict[uuid.UUID, FieldCounts]:
    """Each rep's counts over [start, end], in one statement."""
    if not rep_ids:
        return {}
    in_period = and_(
        PjpEntry.valid_from <= end, or_(PjpEntry.valid_to.is_(None), PjpEntry.valid_to >= start)
    )
    portfolio = (
        select(PjpEntry.rep_id, BeatRetailer.retailer_id)
        .join(
            BeatRetailer,
            and_(
                BeatRetailer.beat_id == PjpEntry.beat_id,
                BeatRetailer.tenant_id == PjpEntry.tenant_id,
            ),
        )
        .where(PjpEntry.rep_id.in_(rep_ids), in_period)
        .distinct()
        .cte("portfolio")
    )
    series = (
        func.generate_series(
            cast(literal(start), Date), cast(literal(end), Date), func.make_interval(0, 0, 0, 1)
        )
        .table_valued("d")
        .render_derived("days")
    )
    day = cast(series.c.d, Date)
    planned = (
        select(PjpEntry.rep_id, day.label("day"), BeatRetailer.retailer_id)
        .select_from(PjpEntry)
        .join(
            series,
            and_(
                cast(extract("isodow", day), Integer) - 1 == PjpEntry.weekday,
                day >= PjpEntry.valid_from,
                or_(PjpEntry.valid_to.is_(None), day <= PjpEntry.valid_to),
                or_(
                    PjpEntry.week_parity.is_(None),
                    func.mod(func.div(cast(day - cast(literal(PARITY_EPOCH), Date), Integer), 7), 2)
                    == PjpEntry.week_parity,
                ),
                or_(
                    PjpEntry.week_of_month.is_(None),
                    func.div(cast(extract("day", day), Integer) - 1, 7) + 1
                    == PjpEntry.week_of_month,
                ),
            ),
        )
        .join(
            BeatRetailer,
            and_(
                BeatRetailer.beat_id == PjpEntry.beat_id,
                BeatRetailer.tenant_id == PjpEntry.tenant_id,
            ),
        )
        .where(PjpEntry.rep_id.in_(rep_ids))
        .distinct()
        .cte("planned")
    )
    visit_made = exists().where(
        Visit.rep_id == planned.c.rep_id,
        Visit.retailer_id == planned.c.retailer_id,
        Visit.visit_date == planned.c.day,
    )
    planned_q = (
        select(
            planned.c.rep_id,
            func.count().label("planned"),
            func.count().filter(visit_made).label("made"),
        )
        .group_by(planned.c.rep_id)
        .subquery()
    )
    visited = (
        select(Visit.rep_id, Visit.retailer_id)
        .where(Visit.rep_id.in_(rep_ids), Visit.visit_date.between(start, end))
        .distinct()
        .subquery()
    )
    lines = purchase_lines(since=start, until=end)
    billed = (
        select(lines.c.retailer_id)
        .where(lines.c.is_invoice, lines.c.retailer_id.in_(select(portfolio.c.retailer_id)))
        .distinct()
        .subquery()
    )
    portfolio_q = (
        select(
            portfolio.c.rep_id,
            func.count().label("outlets"),
            func.count(visited.c.retailer_id).label("visited"),
            func.count(billed.c.retailer_id).label("billed"),
        )
        .outerjoin(
            visited,
            and_(
                visited.c.rep_id == portfolio.c.rep_id,
                visited.c.retailer_id == portfolio.c.retailer_id,
            ),
        )
        .outerjoin(billed, billed.c.retailer_id == portfolio.c.retailer_id)
        .group_by(portfolio.c.rep_id)
        .subquery()
    )
    calls_q = (
        select(
            Visit.rep_id,
            func.count().label("calls"),
            func.count().filter(Visit.outcome == VisitOutcome.PRODUCTIVE).label("productive"),
            func.count(distinct(Visit.visit_date)).label("days"),
        )
        .where(
            Visit.rep_id.in_(rep_ids),
            Visit.visit_date.between(start, end),
            Visit.outcome.is_not(None),
        )
        .group_by(Visit.rep_id)
        .subquery()
    )
    sales_q = (
        select(
            lines.c.rep_id,
            func.count().filter(lines.c.is_invoice, lines.c.is_free.is_(False)).label("lines"),
            func.sum(lines.c.value).label("value"),
        )
        .where(lines.c.rep_id.in_(rep_ids))
        .group_by(lines.c.rep_id)
        .subquery()
    )
    stmt = (
        select(
            Rep.id,
            _counted(portfolio_q.c.outlets),
            _counted(portfolio_q.c.visited),
            _counted(planned_q.c.planned),
            _counted(planned_q.c.made),
            _counted(calls_q.c.calls),
            _counted(calls_q.c.productive),
            _counted(sales_q.c.lines),
            _counted(sales_q.c.value),
            _counted(calls_q.c.days),
            _counted(portfolio_q.c.billed),
        )
        .outerjoin(portfolio_q, portfolio_q.c.rep_id == Rep.id)
        .outerjoin(planned_q, planned_q.c.rep_id == Rep.id)
        .outerjoin(calls_q, calls_q.c.rep_id == Rep.id)
        .outerjoin(sales_q, sales_q.c.rep_id == Rep.id)
        .where(Rep.id.in_(rep_ids))
    )
    found = {}
    for row in (await session.execute(stmt)).all():
        found[row[0]] = FieldCounts(
            portfolio_outlets=int(row[1]),
            visited_outlets=int(row[2]),
            planned_calls=int(row[3]),
            planned_calls_made=int(row[4]),
            calls=int(row[5]),
            productive_calls=int(row[6]),
            lines_sold=int(row[7]),
            sales_value=Decimal(row[8]).quantize(CENT, ROUND_HALF_UP),
            working_days=int(row[9]),
            billed_outlets=int(row[10]),
        )
    return found
