"""GraphQL query of field KPIs per rep, territory and period."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy import select

from backend.analytics.field_kpis import FieldCounts, field_counts
from backend.api.context import Context
from backend.api.types import Money
from backend.field.graphql_types import rep_loader, rep_node
from backend.field.models import Rep
from backend.field.repository import rep_scope
from backend.identity.repository import current_tenant
from backend.kit.errors import NotFound
from backend.kit.ids import decode_typed_id
from backend.kit.validation import Checks
from backend.territories.models import Territory

if TYPE_CHECKING:
    from backend.field.graphql_types import RepNode

RepRef = Annotated["RepNode", strawberry.lazy("backend.field.graphql_types")]
MAX_PERIOD = timedelta(days=366)


@strawberry.type(
    description="Field KPIs over a period; ratios are fractions (0–1), null when undefined. "
    "Sales are captured orders valued at the retailer price until secondary invoices are wired in."
)
class FieldKpis:
    portfolio_outlets: int = strawberry.field(description="Outlets on the PJP beats.")
    visited_outlets: int = strawberry.field(description="Portfolio outlets visited.")
    coverage: Decimal | None = strawberry.field(description="Visited ÷ portfolio outlets.")
    planned_calls: int = strawberry.field(description="Outlet-days the PJP scheduled.")
    planned_calls_made: int = strawberry.field(description="Of those, visited on the day.")
    beat_adherence: Decimal | None = strawberry.field(description="Made ÷ planned calls.")
    calls: int = strawberry.field(description="Checked-out visits.")
    productive_calls: int = strawberry.field(description="Calls that ended with an order.")
    productive_ratio: Decimal | None = strawberry.field(description="Productive ÷ calls.")
    lines_sold: int = strawberry.field(description="SKU lines ordered.")
    lpc: Decimal | None = strawberry.field(description="Lines per productive call.")
    working_days: int = strawberry.field(description="Rep-days with at least one call.")
    tlsd: Decimal | None = strawberry.field(description="Lines sold per rep working day.")
    sales_value: Money = strawberry.field(description="Value ordered.")
    drop_size: Money | None = strawberry.field(description="Sales value ÷ productive calls.")
    billed_outlets: int = strawberry.field(description="Portfolio outlets with a bill.")
    eco: Decimal | None = strawberry.field(description="Billed ÷ portfolio outlets (ECO).")
    rep_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The rep, on a per-rep row (null on totals).")
    async def rep(self, info: strawberry.Info[Context, None]) -> RepRef | None:
        if self.rep_id is None:
            return None
        row = await rep_loader(info.context).load(self.rep_id)
        return None if row is None else rep_node(row)


def kpis_of(counts: FieldCounts, currency: str, rep_id: uuid.UUID | None) -> FieldKpis:
    """Map counts to the GraphQL object."""
    drop = counts.drop_size
    return FieldKpis(
        portfolio_outlets=counts.portfolio_outlets,
        visited_outlets=counts.visited_outlets,
        coverage=counts.coverage,
        planned_calls=counts.planned_calls,
        planned_calls_made=counts.planned_calls_made,
        beat_adherence=counts.beat_adherence,
        calls=counts.calls,
        productive_calls=counts.productive_calls,
        productive_ratio=counts.productive_ratio,
        lines_sold=counts.lines_sold,
        lpc=counts.lpc,
        working_days=counts.working_days,
        tlsd=counts.tlsd,
        sales_value=Money(amount=counts.sales_value, currency=currency),
        drop_size=None if drop is None else Money(amount=drop, currency=currency),
        billed_outlets=counts.billed_outlets,
        eco=counts.eco,
        rep_id=rep_id,
    )


@strawberry.type(description="Field KPIs of the chosen reps: the totals and each rep's.")
class FieldKpisReport:
    start: date = strawberry.field(name="from", description="First day of the period.")
    end: date = strawberry.field(name="to", description="Last day of the period.")
    total: FieldKpis = strawberry.field(description="All the chosen reps together.")
    by_rep: list[FieldKpis] = strawberry.field(description="One row per rep.")


@strawberry.type
class FieldKpisQuery:
    @strawberry.field(
        description="Coverage, beat adherence, productive calls, LPC, TLSD, drop size and ECO "
        "for one rep, a territory's reps, or every rep you may see."
    )
    async def field_kpis(
        self,
        info: strawberry.Info[Context, None],
        start: Annotated[date, strawberry.argument(name="from", description="First day.")],
        end: Annotated[date, strawberry.argument(name="to", description="Last day.")],
        rep_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this rep.")
        ] = None,
        territory_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only reps of this territory and below."),
        ] = None,
    ) -> FieldKpisReport:
        session, principal = info.context.session, await info.context.principal()
        checks = Checks()
        if end < start:
            checks.fail("to", "must not be before from")
        elif end - start > MAX_PERIOD:
            checks.fail("to", "the period is at most 366 days")
        checks.raise_if_any()
        stmt = select(Rep.id).where(rep_scope(principal)).order_by(Rep.id)
        if rep_id is not None:
            stmt = stmt.where(Rep.id == decode_typed_id(rep_id, "Rep", field="repId"))
        if territory_id is not None:
            local = decode_typed_id(territory_id, "Territory", field="territoryId")
            path = select(Territory.path).where(Territory.id == local).scalar_subquery()
            subtree = select(Territory.id).where(Territory.path.startswith(path))
            stmt = stmt.where(Rep.territory_id.in_(subtree))
        rep_ids = list((await session.execute(stmt)).scalars().all())
        if rep_id is not None and not rep_ids:
            raise NotFound("no such rep", field="repId")
        counts = await field_counts(session, rep_ids, start, end)
        tenant = await current_tenant(session)
        currency = tenant.currency if tenant else "IDR"
        total = sum((counts[r] for r in rep_ids), FieldCounts())
        return FieldKpisReport(
            start=start,
            end=end,
            total=kpis_of(total, currency, None),
            by_rep=[kpis_of(counts[r], currency, r) for r in rep_ids],
        )
