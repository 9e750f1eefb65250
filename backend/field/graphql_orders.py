"""What a visit recorded, in the graph: its captured order (and lines) and its stock count."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

import backend.field.graphql_enums  # noqa: F401  (enum descriptions first)
from backend.api.context import Context
from backend.api.loaders import by_id_loader, register_node
from backend.api.types import Node
from backend.auth.principal import Principal
from backend.catalog.repository import products_by_ids
from backend.field.repository import visible_rep_ids
from backend.field.visit_models import (
    CapturedOrder,
    CapturedOrderLine,
    CapturedOrderStatus,
    VisitStockLine,
)
from backend.kit.ids import encode_global_id

if TYPE_CHECKING:
    from backend.catalog.graphql import ProductNode
    from backend.parties.graphql_types import DistributorNode

ProductRef = Annotated["ProductNode", strawberry.lazy("backend.catalog.graphql")]
DistributorRef = Annotated["DistributorNode", strawberry.lazy("backend.parties.graphql_types")]

strawberry.enum(
    CapturedOrderStatus, description="CAPTURED, then CONVERTED or CANCELLED by billing."
)


async def _product(context: Context, product_id: uuid.UUID) -> Any:
    from backend.catalog.graphql import product_node

    row = await by_id_loader(context, "product", products_by_ids).load(product_id)
    return None if row is None else product_node(row)


@strawberry.type(description="Units of a SKU.")
class SkuQuantity:
    quantity: int = strawberry.field(description="Units.")
    product_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The SKU.")
    async def product(self, info: strawberry.Info[Context, None]) -> ProductRef | None:
        return await _product(info.context, self.product_id)


@strawberry.type(name="CapturedOrder", description="An order captured at a visit, for billing.")
class CapturedOrderNode(Node):
    status: CapturedOrderStatus = strawberry.field(description="Hand-off state to billing.")
    captured_at: datetime = strawberry.field(description="When it was taken (UTC).")
    secondary_order_id: strawberry.ID | None = strawberry.field(
        description=(
            "The secondary order it became at the serving distributor (possibly held for"
            " credit); null while it waits for the distributor's desk."
        )
    )
    order_id: strawberry.Private[uuid.UUID]
    distributor_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The serving distributor that bills it.")
    async def distributor(self, info: strawberry.Info[Context, None]) -> DistributorRef | None:
        from backend.parties.graphql_types import distributor_loader, distributor_node

        row = await distributor_loader(info.context).load(self.distributor_id)
        return None if row is None else distributor_node(row)

    @strawberry.field(description="SKUs and quantities ordered (at most 200).")
    async def lines(self, info: strawberry.Info[Context, None]) -> list[SkuQuantity]:
        rows = await order_lines_loader(info.context).load(self.order_id)
        return [SkuQuantity(quantity=r.quantity, product_id=r.product_id) for r in rows]


def captured_order_node(row: CapturedOrder) -> CapturedOrderNode:
    """Map a row to its GraphQL object."""
    return CapturedOrderNode(
        id=strawberry.ID(encode_global_id("CapturedOrder", row.id)),
        status=row.status,
        captured_at=row.captured_at,
        secondary_order_id=(
            None
            if row.secondary_order_id is None
            else strawberry.ID(encode_global_id("SecondaryOrder", row.secondary_order_id))
        ),
        order_id=row.id,
        distributor_id=row.distributor_id,
    )


async def captured_orders_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[CapturedOrder]:
    """Captured orders of visible reps with these ids."""
    stmt = select(CapturedOrder).where(
        CapturedOrder.id.in_(ids), CapturedOrder.rep_id.in_(visible_rep_ids(principal))
    )
    return (await session.execute(stmt)).scalars().all()


register_node("CapturedOrder", captured_orders_by_ids, captured_order_node)


def _grouped_loader(context: Context, name: str, fetch: Any) -> DataLoader[uuid.UUID, list[Any]]:
    async def load(keys: list[uuid.UUID]) -> list[list[Any]]:
        principal = await context.principal()
        groups: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for key, row in await fetch(context, principal, keys):
            groups[key].append(row)
        return [groups.get(k, []) for k in keys]

    loader: Any = context.loader(name, lambda: DataLoader(load_fn=load))
    return loader


async def _orders(context: Context, principal: Principal, visit_ids: Sequence[uuid.UUID]) -> Any:
    stmt = select(CapturedOrder).where(
        CapturedOrder.visit_id.in_(visit_ids), CapturedOrder.rep_id.in_(visible_rep_ids(principal))
    )
    return [(r.visit_id, r) for r in (await context.session.execute(stmt)).scalars()]


async def _order_lines(
    context: Context, principal: Principal, order_ids: Sequence[uuid.UUID]
) -> Any:
    stmt = (
        select(CapturedOrderLine)
        .join(CapturedOrder, CapturedOrder.id == CapturedOrderLine.order_id)
        .where(
            CapturedOrderLine.order_id.in_(order_ids),
            CapturedOrder.rep_id.in_(visible_rep_ids(principal)),
        )
        .order_by(CapturedOrderLine.order_id, CapturedOrderLine.product_id)
    )
    return [(r.order_id, r) for r in (await context.session.execute(stmt)).scalars()]


async def _stock_lines(
    context: Context, principal: Principal, visit_ids: Sequence[uuid.UUID]
) -> Any:
    from backend.field.visit_models import Visit

    stmt = (
        select(VisitStockLine)
        .join(Visit, Visit.id == VisitStockLine.visit_id)
        .where(VisitStockLine.visit_id.in_(visit_ids), Visit.rep_id.in_(visible_rep_ids(principal)))
        .order_by(VisitStockLine.visit_id, VisitStockLine.product_id)
    )
    return [(r.visit_id, r) for r in (await context.session.execute(stmt)).scalars()]


def captured_order_loader(context: Context) -> DataLoader[uuid.UUID, list[Any]]:
    """The request's loader of a visit's captured order (a list of zero or one)."""
    return _grouped_loader(context, "field:order-by-visit", _orders)


def order_lines_loader(context: Context) -> DataLoader[uuid.UUID, list[Any]]:
    """The request's loader of a captured order's lines."""
    return _grouped_loader(context, "field:order-lines", _order_lines)


def stock_lines_loader(context: Context) -> DataLoader[uuid.UUID, list[Any]]:
    """The request's loader of a visit's stock count lines."""
    return _grouped_loader(context, "field:stock-lines", _stock_lines)
