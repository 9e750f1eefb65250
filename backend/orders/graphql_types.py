"""GraphQL object types of primary orders, their lines and their state history."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON

from backend.api.context import Context
from backend.api.loaders import register_node
from backend.api.types import Money, Node
from backend.kit.ids import encode_global_id
from backend.orders.models import OrderStatus, OrderTransition, PrimaryOrder, PrimaryOrderLine
from backend.orders.repository import lines_of, orders_by_ids, schemes_of_lines, transitions_of

if TYPE_CHECKING:
    from backend.catalog.graphql import ProductNode
    from backend.parties.graphql_types import DistributorNode

ProductRef = Annotated["ProductNode", strawberry.lazy("backend.catalog.graphql")]
DistributorRef = Annotated["DistributorNode", strawberry.lazy("backend.parties.graphql_types")]
OrderStatusEnum = strawberry.enum(OrderStatus, description="Where a primary order stands.")
K = TypeVar("K")


def grouped_loader(
    context: Context,
    name: str,
    fetch: Callable[[Any, Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, list[K]]]],
) -> DataLoader[uuid.UUID, list[K]]:
    """A request loader of child rows grouped by parent id (one query per batch)."""

    async def load(ids: list[uuid.UUID]) -> list[list[K]]:
        grouped = await fetch(context.session, ids)
        return [grouped.get(i, []) for i in ids]

    return context.loader(name, lambda: DataLoader(load_fn=load))


async def load_product(context: Context, product_id: uuid.UUID) -> Any:
    """The product of a line, through the node loader."""
    from backend.api.loaders import load_node

    return await load_node(context, "Product", product_id)


async def load_distributor(context: Context, distributor_id: uuid.UUID) -> Any:
    """A distributor, through the node loader (scoped)."""
    from backend.api.loaders import load_node

    return await load_node(context, "Distributor", distributor_id)


def money(amount: Any, currency: str) -> Money:
    """A Money value."""
    return Money(amount=amount, currency=currency)


@strawberry.type(
    description=(
        "A scheme applied to a line, explained: secondary invoice lines, primary order and "
        "invoice lines."
    ),
)
class SecondaryLineSchemeType:
    code: str = strawberry.field(description="Scheme code.")
    kind: str = strawberry.field(description="Scheme type (FREE_GOODS on a free line).")
    discount: Money = strawberry.field(description="Discount the scheme gave on this line.")
    free_quantity: int = strawberry.field(description="Units given free on this line.")
    explanation: str = strawberry.field(description="Why it applied.")


def line_scheme_type(row: Any, currency: str) -> SecondaryLineSchemeType:
    """Map an applied-scheme row (secondary, primary order or primary invoice line)."""
    return SecondaryLineSchemeType(
        code=row.scheme_code,
        kind=row.scheme_kind,
        discount=money(row.discount, currency),
        free_quantity=row.free_quantity,
        explanation=row.explanation,
    )


@strawberry.type(
    description=(
        "A SKU and quantity ordered, at the price locked when it was placed, less the PRIMARY "
        "scheme discount; a free line is goods a scheme gives at zero price (an estimate: each "
        "invoice prices its own free goods)."
    )
)
class PrimaryOrderLineType:
    line_no: int = strawberry.field(description="Position on the order, from 1.")
    quantity: int = strawberry.field(description="Units ordered.")
    invoiced_quantity: int = strawberry.field(description="Units invoiced so far.")
    delivered_quantity: int = strawberry.field(description="Units delivered so far.")
    unit_price: Money = strawberry.field(description="Locked distributor price per unit.")
    discount: Money = strawberry.field(description="PRIMARY scheme discount, before tax.")
    gross: Money = strawberry.field(
        description="Line value with tax at the ordered quantity, after the scheme discount."
    )
    is_free: bool = strawberry.field(description="Free goods given by a PRIMARY scheme.")
    line_id: strawberry.ID = strawberry.field(description="Global id of the line (for invoicing).")
    product_id: strawberry.Private[uuid.UUID]
    row_id: strawberry.Private[uuid.UUID]
    currency: strawberry.Private[str]

    @strawberry.field(description="The SKU.")
    async def product(self, info: strawberry.Info[Context, None]) -> ProductRef | None:
        return await load_product(info.context, self.product_id)

    @strawberry.field(description="PRIMARY schemes applied to this line, explained.")
    async def schemes(self, info: strawberry.Info[Context, None]) -> list[SecondaryLineSchemeType]:
        rows = await grouped_loader(info.context, "order_line.schemes", schemes_of_lines).load(
            self.row_id
        )
        return [line_scheme_type(r, self.currency) for r in rows]


@strawberry.type(description="One change of an order's state: who, when, why and the figures.")
class OrderTransitionType:
    from_status: str | None = strawberry.field(description="State before (null when placed).")
    to_status: str = strawberry.field(description="State after.")
    actor_id: strawberry.ID = strawberry.field(description="Global id of the user who acted.")
    reason: str = strawberry.field(description="Why.")
    details: JSON = strawberry.field(
        description="Figures behind the decision (credit check: limit, exposure…)."
    )
    at: datetime = strawberry.field(description="When (UTC).")


@strawberry.type(name="PrimaryOrder", description="A distributor's order on the brand.")
class PrimaryOrderNode(Node):
    reference: str = strawberry.field(description="Order reference, unique in the tenant.")
    status: OrderStatus = strawberry.field(description="Current state.")
    order_date: date = strawberry.field(description="Business date of the order.")
    requested_on: date | None = strawberry.field(description="Requested delivery date.")
    total: Money = strawberry.field(
        description="Order value with tax, at locked prices less the PRIMARY scheme discounts."
    )
    invoiced_total: Money = strawberry.field(description="Invoiced so far, with tax.")
    created_at: datetime = strawberry.field(description="When it was placed (UTC).")
    row_id: strawberry.Private[uuid.UUID]
    distributor_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The ordering distributor.")
    async def distributor(self, info: strawberry.Info[Context, None]) -> DistributorRef | None:
        return await load_distributor(info.context, self.distributor_id)

    @strawberry.field(description="The lines, in order.")
    async def lines(self, info: strawberry.Info[Context, None]) -> list[PrimaryOrderLineType]:
        rows = await grouped_loader(info.context, "order.lines", lines_of).load(self.row_id)
        return [line_type(r, self.total.currency) for r in rows]

    @strawberry.field(description="Every state change, oldest first.")
    async def history(self, info: strawberry.Info[Context, None]) -> list[OrderTransitionType]:
        rows = await grouped_loader(info.context, "order.history", transitions_of).load(self.row_id)
        return [transition_type(r) for r in rows]


def line_type(row: PrimaryOrderLine, currency: str) -> PrimaryOrderLineType:
    """Map a line row."""
    return PrimaryOrderLineType(
        line_no=row.line_no,
        quantity=row.quantity,
        invoiced_quantity=row.invoiced_quantity,
        delivered_quantity=row.delivered_quantity,
        unit_price=money(row.unit_price, currency),
        discount=money(row.discount, currency),
        gross=money(row.gross, currency),
        is_free=row.is_free,
        line_id=strawberry.ID(encode_global_id("PrimaryOrderLine", row.id)),
        product_id=row.product_id,
        row_id=row.id,
        currency=currency,
    )


def transition_type(row: OrderTransition) -> OrderTransitionType:
    """Map a history row."""
    return OrderTransitionType(
        from_status=row.from_status,
        to_status=row.to_status,
        actor_id=strawberry.ID(encode_global_id("User", row.actor_id)),
        reason=row.reason,
        details=JSON(row.details),
        at=row.at,
    )


def order_node(row: PrimaryOrder) -> PrimaryOrderNode:
    """Map an order row."""
    return PrimaryOrderNode(
        id=strawberry.ID(encode_global_id("PrimaryOrder", row.id)),
        reference=row.reference,
        status=row.status,
        order_date=row.order_date,
        requested_on=row.requested_on,
        total=money(row.total, row.currency),
        invoiced_total=money(row.invoiced_total, row.currency),
        created_at=row.created_at,
        row_id=row.id,
        distributor_id=row.distributor_id,
    )


register_node("PrimaryOrder", orders_by_ids, order_node)
