"""GraphQL object types of secondary orders, invoices and credit notes, collections."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.api.context import Context
from backend.api.loaders import register_node
from backend.api.types import Money, Node
from backend.kit.ids import encode_global_id
from backend.orders.graphql_types import (
    DistributorRef,
    ProductRef,
    SecondaryLineSchemeType,
    grouped_loader,
    load_distributor,
    load_product,
    money,
)
from backend.secondary import repository
from backend.secondary.models import (
    CollectionMethod,
    OrderSource,
    SecondaryCollection,
    SecondaryDocument,
    SecondaryDocumentKind,
    SecondaryLine,
    SecondaryOrder,
    SecondaryOrderLine,
    SecondaryOrderStatus,
)

if TYPE_CHECKING:
    from backend.parties.graphql_types import RetailerNode

RetailerRef = Annotated["RetailerNode", strawberry.lazy("backend.parties.graphql_types")]
SecondaryOrderStatusEnum = strawberry.enum(
    SecondaryOrderStatus, description="OPEN, HELD (credit), PARTLY_BILLED, BILLED, CANCELLED."
)
OrderSourceEnum = strawberry.enum(OrderSource, description="A rep's visit or the desk.")
SecondaryDocumentKindEnum = strawberry.enum(
    SecondaryDocumentKind, description="Invoice or credit note."
)
CollectionMethodEnum = strawberry.enum(
    CollectionMethod, name="RetailerCollectionMethod", description="Cash or transfer."
)


@strawberry.type(description="A SKU and quantity of a secondary order at the retailer price.")
class SecondaryOrderLineType:
    line_no: int = strawberry.field(description="Position on the order, from 1.")
    quantity: int = strawberry.field(description="Units ordered.")
    billed_quantity: int = strawberry.field(description="Units billed so far.")
    backorder_quantity: int = strawberry.field(description="Units ordered but not billed yet.")
    unit_price: Money = strawberry.field(description="Retailer price per unit (before schemes).")
    product_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The SKU.")
    async def product(self, info: strawberry.Info[Context, None]) -> ProductRef | None:
        return await load_product(info.context, self.product_id)


@strawberry.type(name="SecondaryOrder", description="A retailer's order to its distributor.")
class SecondaryOrderNode(Node):
    source: OrderSource = strawberry.field(description="Where it came from.")
    status: SecondaryOrderStatus = strawberry.field(description="Where it is in billing.")
    order_date: date = strawberry.field(description="Date prices are taken from.")
    total: Money = strawberry.field(description="Value with tax before schemes.")
    hold_reason: str | None = strawberry.field(description="Why it was held, or who released it.")
    row_id: strawberry.Private[uuid.UUID]
    retailer_id: strawberry.Private[uuid.UUID]
    distributor_id: strawberry.Private[uuid.UUID]
    currency: strawberry.Private[str]

    @strawberry.field(description="The ordering retailer.")
    async def retailer(self, info: strawberry.Info[Context, None]) -> RetailerRef | None:
        from backend.api.loaders import load_node

        node: RetailerRef | None = await load_node(info.context, "Retailer", self.retailer_id)
        return node

    @strawberry.field(description="The distributor that bills it.")
    async def distributor(self, info: strawberry.Info[Context, None]) -> DistributorRef | None:
        return await load_distributor(info.context, self.distributor_id)

    @strawberry.field(description="The lines.")
    async def lines(self, info: strawberry.Info[Context, None]) -> list[SecondaryOrderLineType]:
        rows = await grouped_loader(
            info.context, "secondary_order.lines", repository.lines_of_orders
        ).load(self.row_id)
        return [_order_line(r, self.currency) for r in rows]


def _order_line(row: SecondaryOrderLine, currency: str) -> SecondaryOrderLineType:
    return SecondaryOrderLineType(
        line_no=row.line_no,
        quantity=row.quantity,
        billed_quantity=row.billed_quantity,
        backorder_quantity=row.quantity - row.billed_quantity,
        unit_price=money(row.unit_price, currency),
        product_id=row.product_id,
    )


def order_node(row: SecondaryOrder) -> SecondaryOrderNode:
    """Map an order row."""
    return SecondaryOrderNode(
        id=strawberry.ID(encode_global_id("SecondaryOrder", row.id)),
        source=row.source,
        status=row.status,
        order_date=row.order_date,
        total=money(row.total, row.currency),
        hold_reason=row.hold_reason,
        row_id=row.id,
        retailer_id=row.retailer_id,
        distributor_id=row.distributor_id,
        currency=row.currency,
    )


@strawberry.type(description="Units of a line taken from (or returned to) one batch.")
class BatchPickType:
    batch: str = strawberry.field(description="Batch code.")
    expires_on: date | None = strawberry.field(description="Batch expiry.")
    quantity: int = strawberry.field(description="Units.")
    returned_quantity: int = strawberry.field(description="Units returned so far.")


@strawberry.type(description="A SKU line of a secondary invoice or credit note.")
class SecondaryLineType:
    line_id: strawberry.ID = strawberry.field(description="Global id (for returns).")
    line_no: int = strawberry.field(description="Position, from 1.")
    quantity: int = strawberry.field(description="Units.")
    unit_price: Money = strawberry.field(description="Retailer price per unit.")
    gross: Money = strawberry.field(description="Quantity × price.")
    discount: Money = strawberry.field(description="Scheme discount.")
    net: Money = strawberry.field(description="Gross − discount (the taxable value).")
    tax_label: str = strawberry.field(description="Taxes applied, e.g. 'PPN 12%'.")
    tax: Money = strawberry.field(description="Tax of the line.")
    is_free: bool = strawberry.field(description="Free goods given by a scheme.")
    row_id: strawberry.Private[uuid.UUID]
    product_id: strawberry.Private[uuid.UUID]
    currency: strawberry.Private[str]

    @strawberry.field(description="The SKU.")
    async def product(self, info: strawberry.Info[Context, None]) -> ProductRef | None:
        return await load_product(info.context, self.product_id)

    @strawberry.field(description="Batches the units came from, earliest expiry first.")
    async def batches(self, info: strawberry.Info[Context, None]) -> list[BatchPickType]:
        rows = await grouped_loader(
            info.context, "secondary_line.batches", repository.batches_of_lines
        ).load(self.row_id)
        return [
            BatchPickType(
                batch=r.batch,
                expires_on=r.expires_on,
                quantity=r.quantity,
                returned_quantity=r.returned_quantity,
            )
            for r in rows
        ]

    @strawberry.field(description="Schemes applied to this line.")
    async def schemes(self, info: strawberry.Info[Context, None]) -> list[SecondaryLineSchemeType]:
        rows = await grouped_loader(
            info.context, "secondary_line.schemes", repository.schemes_of_lines
        ).load(self.row_id)
        return [
            SecondaryLineSchemeType(
                code=r.scheme_code,
                kind=r.scheme_kind,
                discount=money(r.discount, self.currency),
                free_quantity=r.free_quantity,
                explanation=r.explanation,
            )
            for r in rows
        ]


def _line(row: SecondaryLine, currency: str) -> SecondaryLineType:
    return SecondaryLineType(
        line_id=strawberry.ID(encode_global_id("SecondaryLine", row.id)),
        line_no=row.line_no,
        quantity=row.quantity,
        unit_price=money(row.unit_price, currency),
        gross=money(row.gross, currency),
        discount=money(row.discount, currency),
        net=money(row.net, currency),
        tax_label=row.tax_label,
        tax=money(row.tax, currency),
        is_free=row.is_free,
        row_id=row.id,
        product_id=row.product_id,
        currency=currency,
    )


@strawberry.type(
    name="SecondaryDocument",
    description="A secondary invoice or credit note, numbered in the distributor's own series.",
)
class SecondaryDocumentNode(Node):
    kind: SecondaryDocumentKind = strawberry.field(description="Invoice or credit note.")
    number: str = strawberry.field(description="Consecutive number in the distributor's series.")
    issued_on: date = strawberry.field(description="Document date.")
    due_on: date = strawberry.field(description="Due date (issue date + retailer credit days).")
    gross: Money = strawberry.field(description="Value at retailer prices.")
    discount: Money = strawberry.field(description="Scheme discounts.")
    net: Money = strawberry.field(description="Gross − discount.")
    tax: Money = strawberry.field(description="Tax.")
    round_off: Money = strawberry.field(
        description="Round-off the tax rules add to reach the total (GST: total rounded to the"
        " rupee, posted to the round-off account); zero under PPN."
    )
    total: Money = strawberry.field(description="Net + tax + round-off.")
    open_amount: Money = strawberry.field(description="Still unpaid (credit note: unapplied).")
    row_id: strawberry.Private[uuid.UUID]
    distributor_id: strawberry.Private[uuid.UUID]
    order_id: strawberry.Private[uuid.UUID | None]
    currency: strawberry.Private[str]

    retailer_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The billed retailer.")
    async def retailer(self, info: strawberry.Info[Context, None]) -> RetailerRef | None:
        from backend.api.loaders import load_node

        node: RetailerRef | None = await load_node(info.context, "Retailer", self.retailer_id)
        return node

    @strawberry.field(description="The distributor whose document it is.")
    async def distributor(self, info: strawberry.Info[Context, None]) -> DistributorRef | None:
        return await load_distributor(info.context, self.distributor_id)

    @strawberry.field(description="The order it bills (invoices).")
    async def order(self, info: strawberry.Info[Context, None]) -> SecondaryOrderNode | None:
        from backend.api.loaders import load_node

        if self.order_id is None:
            return None
        node: SecondaryOrderNode | None = await load_node(
            info.context, "SecondaryOrder", self.order_id
        )
        return node

    @strawberry.field(description="The lines.")
    async def lines(self, info: strawberry.Info[Context, None]) -> list[SecondaryLineType]:
        rows = await grouped_loader(
            info.context, "secondary_document.lines", repository.lines_of_documents
        ).load(self.row_id)
        return [_line(r, self.currency) for r in rows]


def document_node(row: SecondaryDocument) -> SecondaryDocumentNode:
    """Map a document row."""
    c = row.currency
    return SecondaryDocumentNode(
        id=strawberry.ID(encode_global_id("SecondaryDocument", row.id)),
        kind=row.kind,
        number=row.number,
        issued_on=row.issued_on,
        due_on=row.due_on,
        gross=money(row.gross, c),
        discount=money(row.discount, c),
        net=money(row.net, c),
        tax=money(row.tax, c),
        round_off=money(row.round_off, c),
        total=money(row.total, c),
        open_amount=money(row.open_amount, c),
        row_id=row.id,
        distributor_id=row.distributor_id,
        retailer_id=row.retailer_id,
        order_id=row.order_id,
        currency=c,
    )


@strawberry.type(description="Money a retailer paid its distributor.")
class SecondaryCollectionType:
    id: strawberry.ID = strawberry.field(description="Global id of the collection.")
    method: CollectionMethod = strawberry.field(description="Cash or transfer.")
    reference: str = strawberry.field(description="Receipt or transfer reference.")
    amount: Money = strawberry.field(description="Amount received.")
    unallocated: Money = strawberry.field(description="Left on account.")
    received_on: date = strawberry.field(description="Date received.")


def collection_type(row: SecondaryCollection) -> SecondaryCollectionType:
    """Map a collection row."""
    return SecondaryCollectionType(
        id=strawberry.ID(encode_global_id("SecondaryCollection", row.id)),
        method=row.method,
        reference=row.reference,
        amount=money(row.amount, row.currency),
        unallocated=money(row.unallocated, row.currency),
        received_on=row.received_on,
    )


register_node("SecondaryOrder", repository.orders_by_ids, order_node)
register_node("SecondaryDocument", repository.documents_by_ids, document_node)
