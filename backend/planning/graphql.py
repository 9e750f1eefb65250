"""Day plans in the graph: `myDayPlan`, `dayPlan`, `replanDay`, and the `jobStatus` subscription.

A plan read costs a fixed number of statements: the principal, the plan row, its stops, its
dropped outlets, then one batched statement per relation asked for (retailers, their recent
secondary invoices, their balances, the rep) — never one per stop.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON

from backend.api.context import Context
from backend.api.mutations import run_mutation
from backend.api.types import Money, UserError
from backend.auth.principal import Principal
from backend.field.graphql_types import rep_loader, rep_node
from backend.jobs.graphql import JobNode, job_node
from backend.kit.ids import decode_typed_id, encode_global_id
from backend.parties.graphql_types import retailer_loader, retailer_node
from backend.planning import service
from backend.planning.models import (
    DayPlan,
    DayPlanDropped,
    DayPlanStop,
    DayPlanTrigger,
    DropCause,
    StopReason,
)
from backend.secondary.purchases import (
    RecentInvoice,
    RetailerBalance,
    recent_invoices,
    retailer_balances,
)

if TYPE_CHECKING:
    from backend.field.graphql_types import RepNode
    from backend.parties.graphql_types import RetailerNode

RepRef = Annotated["RepNode", strawberry.lazy("backend.field.graphql_types")]
RetailerRef = Annotated["RetailerNode", strawberry.lazy("backend.parties.graphql_types")]

strawberry.enum(StopReason, description="Why an outlet is in the plan.")
strawberry.enum(DropCause, description="Why a candidate outlet was left out.")
strawberry.enum(DayPlanTrigger, description="NIGHTLY build or REPLAN during the day.")


def clock(seconds: int) -> time:
    """A time of day from seconds since local midnight."""
    seconds = min(seconds, 24 * 3600 - 1)
    return time(seconds // 3600, seconds // 60 % 60, seconds % 60)


def recent_invoices_loader(context: Context) -> DataLoader[uuid.UUID, list[RecentInvoice]]:
    """The request's loader of each retailer's last three invoices (one statement per batch)."""

    async def load(ids: list[uuid.UUID]) -> list[list[RecentInvoice]]:
        found = await recent_invoices(context.session, ids)
        return [found.get(i, []) for i in ids]

    return context.loader("planning:recent_invoices", lambda: DataLoader(load_fn=load))


def balances_loader(context: Context, today: date) -> DataLoader[uuid.UUID, RetailerBalance | None]:
    """The request's loader of retailer balances on `today` (one statement per batch)."""

    async def load(ids: list[uuid.UUID]) -> list[RetailerBalance | None]:
        found = await retailer_balances(context.session, ids, today=today)
        return [found.get(i) for i in ids]

    return context.loader(f"planning:balances:{today}", lambda: DataLoader(load_fn=load))


@strawberry.type(description="One of the outlet's latest secondary invoices.")
class RecentInvoiceType:
    invoice_id: strawberry.ID = strawberry.field(
        description="The secondary invoice's global id (a SecondaryDocument node)."
    )
    number: str = strawberry.field(description="The invoice number in the distributor's series.")
    issued_on: date = strawberry.field(description="The invoice date.")
    lines: int = strawberry.field(description="Lines on it (free goods included).")
    units: int = strawberry.field(description="Units over all lines.")
    net: Money = strawberry.field(description="Value after scheme discounts, before tax.")
    total: Money = strawberry.field(description="What the retailer was billed, tax included.")
    open_amount: Money = strawberry.field(description="Still unpaid on it.")


@strawberry.type(description="What an outlet owes its distributor.")
class OutletBalance:
    outstanding: Money = strawberry.field(
        description="Open invoice amounts less unapplied credit notes and money on account."
    )
    overdue: Money = strawberry.field(description="Open invoice amounts past their due date.")
    open_invoices: int = strawberry.field(description="Invoices not fully paid.")
    oldest_due_on: date | None = strawberry.field(
        description="The earliest due date of an open invoice."
    )


@strawberry.type(description="A line the rep should propose at the stop.")
class SuggestedLine:
    product_id: strawberry.ID = strawberry.field(description="The product's global id.")
    sku: str = strawberry.field(description="The SKU code.")
    name: str = strawberry.field(description="The product's name.")
    quantity: int = strawberry.field(description="Suggested units.")
    kind: str = strawberry.field(
        description="REPLENISH (bought lately), MUST_SELL or FOCUS (a SKU the outlet lacks)."
    )
    note: str = strawberry.field(description="Why, in a sentence.")
    unit_price: Money | None = strawberry.field(description="Retailer price today, if priced.")
    value: Money | None = strawberry.field(description="Quantity × unit price, if priced.")


def _money(amount: Decimal | str | None, currency: str) -> Money | None:
    return None if amount is None else Money(amount=Decimal(amount), currency=currency)


def _line(raw: dict[str, Any], currency: str) -> SuggestedLine:
    return SuggestedLine(
        product_id=strawberry.ID(encode_global_id("Product", uuid.UUID(raw["productId"]))),
        sku=raw["sku"],
        name=raw["name"],
        quantity=int(raw["quantity"]),
        kind=raw["kind"],
        note=raw["note"],
        unit_price=_money(raw.get("unitPrice"), currency),
        value=_money(raw.get("value"), currency),
    )


@strawberry.type(description="One visit of a day plan, in order, with its schedule.")
class PlanStop:
    position: int = strawberry.field(description="1 for the first visit of the day.")
    eta: time = strawberry.field(description="Planned arrival (local time).")
    wait_seconds: int = strawberry.field(description="Waiting before the shop opens, seconds.")
    service_start: time = strawberry.field(description="When the call starts (local time).")
    departure: time = strawberry.field(description="When the rep leaves (local time).")
    service_seconds: int = strawberry.field(description="Planned length of the call, seconds.")
    travel_seconds_from_previous: int = strawberry.field(
        description="Travel from the previous stop (or the start), seconds."
    )
    distance_m_from_previous: float = strawberry.field(
        description="Road-estimate distance from the previous stop (or the start), metres."
    )
    reasons: list[StopReason] = strawberry.field(description="Why the outlet is in the plan.")
    mandatory: bool = strawberry.field(description="A class A beat outlet: must be visited.")
    expected_value: Money = strawberry.field(description="Expected offtake over the next week.")
    goal_weight: float = strawberry.field(
        description="1 + how much the visit serves open goals behind pace (1 to 2)."
    )
    offtake_source: str = strawberry.field(
        description="Where the expected value comes from: a model version or baseline:<name>."
    )
    explanation: list[str] = strawberry.field(description="The reasons, in sentences.")
    suggested_lines: list[SuggestedLine] = strawberry.field(
        description="Lines to propose: replenishment, then must-sell and focus SKUs it lacks."
    )
    retailer_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The outlet, with its address.")
    async def retailer(self, info: strawberry.Info[Context, None]) -> RetailerRef | None:
        row = await retailer_loader(info.context).load(self.retailer_id)
        return None if row is None else retailer_node(row)

    @strawberry.field(description="The outlet's last three secondary invoices, newest first.")
    async def recent_invoices(
        self, info: strawberry.Info[Context, None]
    ) -> list[RecentInvoiceType]:
        found = await recent_invoices_loader(info.context).load(self.retailer_id)
        return [
            RecentInvoiceType(
                invoice_id=strawberry.ID(encode_global_id("SecondaryDocument", i.invoice_id)),
                number=i.number,
                issued_on=i.issued_on,
                lines=i.lines,
                units=i.units,
                net=Money(amount=i.net, currency=i.currency),
                total=Money(amount=i.total, currency=i.currency),
                open_amount=Money(amount=i.open_amount, currency=i.currency),
            )
            for i in found
        ]

    @strawberry.field(
        description="What the outlet owes its distributor on the plan date (zero when nothing "
        "is open)."
    )
    async def balance(self, info: strawberry.Info[Context, None]) -> OutletBalance:
        found = await balances_loader(info.context, self.plan_date).load(self.retailer_id)
        zero = Money(amount=Decimal("0.00"), currency=self.currency)
        if found is None:
            return OutletBalance(
                outstanding=zero, overdue=zero, open_invoices=0, oldest_due_on=None
            )
        return OutletBalance(
            outstanding=Money(amount=found.outstanding, currency=self.currency),
            overdue=Money(amount=found.overdue, currency=self.currency),
            open_invoices=found.open_invoices,
            oldest_due_on=found.oldest_due_on,
        )

    plan_date: strawberry.Private[date]
    currency: strawberry.Private[str]


@strawberry.type(description="A candidate outlet the plan leaves out, and why.")
class LeftOutOutlet:
    cause: DropCause = strawberry.field(description="Why it is not in the plan.")
    mandatory: bool = strawberry.field(description="It was a mandatory (class A beat) outlet.")
    reasons: list[StopReason] = strawberry.field(description="Why it was a candidate.")
    expected_value: Money = strawberry.field(description="Its expected offtake.")
    retailer_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The outlet.")
    async def retailer(self, info: strawberry.Info[Context, None]) -> RetailerRef | None:
        row = await retailer_loader(info.context).load(self.retailer_id)
        return None if row is None else retailer_node(row)


@strawberry.type(
    name="DayPlan", description="A rep's plan for a day: ordered stops, totals, outlets left out."
)
class DayPlanType:
    plan_date: date = strawberry.field(name="date", description="The day planned.")
    version: int = strawberry.field(description="1 for the first build, +1 for each rebuild.")
    trigger: DayPlanTrigger = strawberry.field(description="What built this version.")
    reason: str = strawberry.field(description="Why it was rebuilt (empty for nightly builds).")
    built_at: datetime = strawberry.field(description="When this version was built (UTC).")
    job_id: strawberry.ID | None = strawberry.field(description="The job that built it.")
    leave_at: time = strawberry.field(description="When the rep sets off (local time).")
    return_at: time = strawberry.field(description="When the rep is back (local time).")
    break_at: time | None = strawberry.field(description="When the break starts, if any.")
    travel_seconds: int = strawberry.field(description="Total travel, seconds.")
    service_seconds: int = strawberry.field(description="Total time in calls, seconds.")
    wait_seconds: int = strawberry.field(description="Total waiting for shops to open, seconds.")
    distance_m: float = strawberry.field(description="Road-estimate distance of the day, metres.")
    expected_value: Money = strawberry.field(description="Expected offtake of the planned stops.")
    goal_contribution: Money = strawberry.field(
        description="Expected value × goal weight − expected value, summed: the part of the "
        "day's value that closes gaps of open goals behind pace."
    )
    candidate_count: int = strawberry.field(description="Outlets considered.")
    offtake_sources: list[str] = strawberry.field(description="Sources of the expected values.")
    solver_stats: JSON = strawberry.field(description="How the optimiser's search went.")
    stops: list[PlanStop] = strawberry.field(description="The visits, in order.")
    left_out: list[LeftOutOutlet] = strawberry.field(
        description="Candidate outlets not in the plan, highest expected value first."
    )
    rep_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The rep.")
    async def rep(self, info: strawberry.Info[Context, None]) -> RepRef | None:
        row = await rep_loader(info.context).load(self.rep_id)
        return None if row is None else rep_node(row)


def _stop(row: DayPlanStop, currency: str, plan_date: date) -> PlanStop:
    return PlanStop(
        position=row.position,
        eta=clock(row.arrival_seconds),
        wait_seconds=row.wait_seconds,
        service_start=clock(row.service_start_seconds),
        departure=clock(row.departure_seconds),
        service_seconds=row.service_seconds,
        travel_seconds_from_previous=row.travel_seconds_from_previous,
        distance_m_from_previous=row.distance_m_from_previous,
        reasons=[StopReason(r) for r in row.reasons],
        mandatory=row.mandatory,
        expected_value=Money(amount=row.expected_value, currency=currency),
        goal_weight=float(row.goal_weight),
        offtake_source=row.offtake_source,
        explanation=list(row.explanation),
        suggested_lines=[_line(raw, currency) for raw in row.suggested_lines],
        retailer_id=row.retailer_id,
        currency=currency,
        plan_date=plan_date,
    )


def _left_out(row: DayPlanDropped, currency: str) -> LeftOutOutlet:
    return LeftOutOutlet(
        cause=row.cause,
        mandatory=row.mandatory,
        reasons=[StopReason(r) for r in row.reasons],
        expected_value=Money(amount=row.expected_value, currency=currency),
        retailer_id=row.retailer_id,
    )


def day_plan_node(stored: service.StoredPlan) -> DayPlanType:
    """Map a stored plan to its GraphQL object."""
    plan: DayPlan = stored.plan
    money = plan.currency
    return DayPlanType(
        plan_date=plan.plan_date,
        version=plan.version,
        trigger=plan.trigger,
        reason=plan.reason,
        built_at=plan.built_at,
        job_id=None if plan.job_id is None else strawberry.ID(encode_global_id("Job", plan.job_id)),
        leave_at=clock(plan.leave_seconds),
        return_at=clock(plan.return_seconds),
        break_at=None if plan.break_start_seconds is None else clock(plan.break_start_seconds),
        travel_seconds=plan.travel_seconds,
        service_seconds=plan.service_seconds,
        wait_seconds=plan.wait_seconds,
        distance_m=plan.distance_m,
        expected_value=Money(amount=plan.expected_value, currency=money),
        goal_contribution=Money(amount=plan.goal_contribution, currency=money),
        candidate_count=plan.candidate_count,
        offtake_sources=list(plan.offtake_sources),
        solver_stats=cast(JSON, plan.solver_stats),
        stops=[_stop(s, money, plan.plan_date) for s in stored.stops],
        left_out=[_left_out(d, money) for d in stored.dropped],
        rep_id=plan.rep_id,
    )


DateArg = Annotated[date, strawberry.argument(description="The day (the tenant's calendar).")]


@strawberry.type
class PlanningQuery:
    @strawberry.field(
        name="myDayPlan",
        description="The signed-in rep's plan for a day; null until one has been built.",
    )
    async def my_day_plan(
        self, info: strawberry.Info[Context, None], date: DateArg
    ) -> DayPlanType | None:
        session, principal = info.context.session, await info.context.principal()
        rep = await service.rep_for(session, principal, None, field="date")
        stored = await service.stored_plan(session, principal, rep.id, date)
        return None if stored is None else day_plan_node(stored)

    @strawberry.field(
        description="A rep's plan for a day (a MANAGER sees the reps of its territories); null "
        "until one has been built."
    )
    async def day_plan(
        self,
        info: strawberry.Info[Context, None],
        rep_id: Annotated[strawberry.ID, strawberry.argument(description="The rep.")],
        date: DateArg,
    ) -> DayPlanType | None:
        session, principal = info.context.session, await info.context.principal()
        rep = await service.rep_for(
            session, principal, decode_typed_id(rep_id, "Rep", field="repId"), field="repId"
        )
        stored = await service.stored_plan(session, principal, rep.id, date)
        return None if stored is None else day_plan_node(stored)


@strawberry.input(description="Rebuild a rep's plan for a day, e.g. after finding a shop closed.")
class ReplanDayInput:
    rep_id: strawberry.ID | None = strawberry.field(
        default=None, description="The rep (a REP may leave it out for itself)."
    )
    plan_date: date = strawberry.field(
        name="date", description="The day, today or up to 14 days ahead."
    )
    reason: str = strawberry.field(default="", description="Why, shown on the plan.")
    closed_retailer_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Outlets found closed today: left out of the new plan."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="A retry with the same key returns the same job."
    )


@strawberry.type(description="Result of replanDay: the job that will rebuild the plan.")
class ReplanDayPayload:
    job: JobNode | None = strawberry.field(
        description="The queued job; follow it with node(id:) or the jobStatus subscription."
    )
    errors: list[UserError] = strawberry.field(description="Why it was not done; empty on success.")


@strawberry.type
class PlanningMutation:
    @strawberry.mutation(
        description="Queue a rebuild of a rep's day plan (REP for itself, MANAGER, ADMIN); the "
        "API never solves: a worker does and the job reports it."
    )
    async def replan_day(
        self, info: strawberry.Info[Context, None], input: ReplanDayInput
    ) -> ReplanDayPayload:
        async def work(principal: Principal) -> JobNode:
            rep_id = (
                None
                if input.rep_id is None
                else decode_typed_id(input.rep_id, "Rep", field="input.repId")
            )
            closed = [
                decode_typed_id(r, "Retailer", field=f"input.closedRetailerIds[{i}]")
                for i, r in enumerate(input.closed_retailer_ids)
            ]
            job = await service.request_replan(
                info.context.session,
                principal=principal,
                rep_id=rep_id,
                on=input.plan_date,
                reason=input.reason,
                closed_retailer_ids=closed,
                idempotency_key=input.idempotency_key,
            )
            return job_node(job)

        node, errors = await run_mutation(info.context, work)
        return ReplanDayPayload(job=node, errors=errors)
