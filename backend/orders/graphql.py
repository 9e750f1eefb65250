"""GraphQL inputs, queries and mutations of primary orders."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated

import strawberry

from backend.api.context import Context
from backend.api.mutations import run_mutation
from backend.api.types import (
    Connection,
    UserError,
    connection_page,
)
from backend.auth.principal import Principal
from backend.billing.cancellation import cancel_primary_order
from backend.kit.ids import decode_typed_id
from backend.orders import workflow
from backend.orders.graphql_types import PrimaryOrderNode, order_node
from backend.orders.models import OrderStatus, PrimaryOrder
from backend.orders.placing import LineDraft, OrderDraft, place_order
from backend.orders.repository import orders_query

IDEMPOTENCY = "Client-generated key: a retry with it returns the first result."


@strawberry.input(description="A SKU and quantity to order.")
class OrderLineInput:
    product_id: strawberry.ID = strawberry.field(description="The SKU.")
    quantity: int = strawberry.field(description="How many units (or cases with inCases).")
    in_cases: bool = strawberry.field(default=False, description="Quantity counts cases.")


@strawberry.input(description="A primary order to place.")
class PlacePrimaryOrderInput:
    distributor_id: strawberry.ID = strawberry.field(description="The ordering distributor.")
    lines: list[OrderLineInput] = strawberry.field(description="1 to 200 lines, one per SKU.")
    order_date: date = strawberry.field(description="Business date; prices in force then apply.")
    requested_on: date | None = strawberry.field(default=None, description="Wanted delivery.")
    place_of_supply: str | None = strawberry.field(
        default=None, description="State code (GST: another state means IGST)."
    )
    submit: bool = strawberry.field(default=True, description="Submit at once (credit check).")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="A state change of an order.")
class OrderActionInput:
    order_id: strawberry.ID = strawberry.field(description="The order.")
    reason: str = strawberry.field(default="", description="Why (required to reject/override).")
    override_credit: bool = strawberry.field(
        default=False, description="Approve past a failed credit check (ADMIN, with a reason)."
    )
    credit_note_series: str = strawberry.field(
        default="CN", description="Cancel only: series of the notes crediting its invoices."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.type(description="Result of an order mutation.")
class PrimaryOrderPayload:
    order: PrimaryOrderNode | None = strawberry.field(description="The order, when it succeeded.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


def _draft(data: PlacePrimaryOrderInput) -> OrderDraft:
    lines = [
        LineDraft(
            decode_typed_id(line.product_id, "Product", field=f"input.lines[{i}].productId"),
            line.quantity,
            line.in_cases,
        )
        for i, line in enumerate(data.lines)
    ]
    return OrderDraft(
        distributor_id=decode_typed_id(
            data.distributor_id, "Distributor", field="input.distributorId"
        ),
        lines=lines,
        order_date=data.order_date,
        requested_on=data.requested_on,
        place_of_supply=data.place_of_supply,
        submit=data.submit,
    )


async def _act(
    info: strawberry.Info[Context, None],
    data: OrderActionInput,
    name: str,
    action: Callable[[Principal], Awaitable[PrimaryOrder]],
) -> PrimaryOrderPayload:
    async def work(principal: Principal) -> PrimaryOrder:
        return await workflow.transition_once(
            info.context.session,
            principal=principal,
            key=data.idempotency_key,
            operation=name,
            payload={
                "order": data.order_id,
                "reason": data.reason,
                "override": data.override_credit,
                "series": data.credit_note_series,
            },
            work=lambda: action(principal),
        )

    row, errors = await run_mutation(info.context, work)
    return PrimaryOrderPayload(order=order_node(row) if row else None, errors=errors)


def _order_id(data: OrderActionInput) -> uuid.UUID:
    return decode_typed_id(data.order_id, "PrimaryOrder", field="input.orderId")


@strawberry.type
class OrdersQuery:
    @strawberry.field(description="Primary orders you may see, by reference.")
    async def primary_orders(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")],
        after: Annotated[
            str | None, strawberry.argument(description="Cursor to start after.")
        ] = None,
        distributor_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Of this distributor.")
        ] = None,
        status: Annotated[
            OrderStatus | None, strawberry.argument(description="In this state.")
        ] = None,
    ) -> Connection[PrimaryOrderNode]:
        context = info.context
        principal = await context.principal()
        dist = (
            decode_typed_id(distributor_id, "Distributor", field="distributorId")
            if distributor_id
            else None
        )
        return await connection_page(
            context,
            orders_query(principal, distributor_id=dist, status=status),
            sort_column=PrimaryOrder.reference,
            first=first,
            after=after,
            to_node=order_node,
        )


@strawberry.type
class OrdersMutation:
    @strawberry.mutation(
        description="Place a primary order at the prices of its date (and submit it)."
    )
    async def place_primary_order(
        self, info: strawberry.Info[Context, None], input: PlacePrimaryOrderInput
    ) -> PrimaryOrderPayload:
        async def work(principal: Principal) -> PrimaryOrder:
            return await place_order(
                info.context.session,
                principal=principal,
                draft=_draft(input),
                idempotency_key=input.idempotency_key,
            )

        row, errors = await run_mutation(info.context, work)
        return PrimaryOrderPayload(order=order_node(row) if row else None, errors=errors)

    @strawberry.mutation(
        description="Submit a draft order; the credit check may hold or refuse it."
    )
    async def submit_primary_order(
        self, info: strawberry.Info[Context, None], input: OrderActionInput
    ) -> PrimaryOrderPayload:
        return await _act(
            info,
            input,
            "submitPrimaryOrder",
            lambda p: workflow.submit_order(
                info.context.session,
                principal=p,
                order_id=_order_id(input),
                reason=input.reason,
            ),
        )

    @strawberry.mutation(description="Approve a submitted or held order after the credit check.")
    async def approve_primary_order(
        self, info: strawberry.Info[Context, None], input: OrderActionInput
    ) -> PrimaryOrderPayload:
        return await _act(
            info,
            input,
            "approvePrimaryOrder",
            lambda p: workflow.approve_order(
                info.context.session,
                principal=p,
                order_id=_order_id(input),
                reason=input.reason,
                override_credit=input.override_credit,
            ),
        )

    @strawberry.mutation(description="Reject a submitted or held order, with a reason.")
    async def reject_primary_order(
        self, info: strawberry.Info[Context, None], input: OrderActionInput
    ) -> PrimaryOrderPayload:
        return await _act(
            info,
            input,
            "rejectPrimaryOrder",
            lambda p: workflow.reject_order(
                info.context.session,
                principal=p,
                order_id=_order_id(input),
                reason=input.reason,
            ),
        )

    @strawberry.mutation(
        description="Cancel an order before dispatch; invoices are credited in full (ADMIN)."
    )
    async def cancel_primary_order(
        self, info: strawberry.Info[Context, None], input: OrderActionInput
    ) -> PrimaryOrderPayload:
        return await _act(
            info,
            input,
            "cancelPrimaryOrder",
            lambda p: cancel_primary_order(
                info.context.session,
                principal=p,
                order_id=_order_id(input),
                reason=input.reason,
                note_series=input.credit_note_series,
            ),
        )

    @strawberry.mutation(description="Send a held, rejected or cancelled order back to draft.")
    async def reopen_primary_order(
        self, info: strawberry.Info[Context, None], input: OrderActionInput
    ) -> PrimaryOrderPayload:
        return await _act(
            info,
            input,
            "reopenPrimaryOrder",
            lambda p: workflow.reopen_order(
                info.context.session,
                principal=p,
                order_id=_order_id(input),
                reason=input.reason,
            ),
        )
