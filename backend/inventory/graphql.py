"""GraphQL types, queries and mutations of distributor stock and its movements."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from backend.api.context import Context
from backend.api.loaders import by_id_loader, load_node, register_node
from backend.api.mutations import run_mutation
from backend.api.types import Connection, Node, UserError, connection_page
from backend.auth.principal import Principal
from backend.inventory import adjustments, repository
from backend.inventory.models import DistributorStock, MovementKind, StockMovement
from backend.kit.ids import decode_typed_id, encode_global_id
from backend.orders.graphql_types import DistributorRef, ProductRef, load_distributor, load_product

if TYPE_CHECKING:
    from backend.billing.graphql_types import BillingDocumentNode

DocumentRef = Annotated["BillingDocumentNode", strawberry.lazy("backend.billing.graphql_types")]
MovementKindEnum = strawberry.enum(
    MovementKind,
    description="Why stock moved: receipt from a delivery, sale, return, adjustment, transfer.",
)
IDEMPOTENCY = "Client-generated key: a retry with it returns the first result."
DOCUMENT_KINDS = (MovementKind.RECEIPT, MovementKind.RETURN)


@strawberry.type(
    name="DistributorStock",
    description="On-hand units of one SKU batch at one distributor (never negative).",
)
class DistributorStockNode(Node):
    batch: str = strawberry.field(description="Batch code.")
    expires_on: date | None = strawberry.field(description="Batch expiry, when tracked.")
    quantity: int = strawberry.field(description="Units on hand.")
    row_id: strawberry.Private[uuid.UUID]
    distributor_id: strawberry.Private[uuid.UUID]
    product_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Days until expiry from today (negative: expired); null if none.")
    def days_to_expiry(self) -> int | None:
        return None if self.expires_on is None else (self.expires_on - date.today()).days

    @strawberry.field(description="The distributor holding the stock.")
    async def distributor(self, info: strawberry.Info[Context, None]) -> DistributorRef | None:
        return await load_distributor(info.context, self.distributor_id)

    @strawberry.field(description="The SKU.")
    async def product(self, info: strawberry.Info[Context, None]) -> ProductRef | None:
        return await load_product(info.context, self.product_id)


def stock_node(row: DistributorStock) -> DistributorStockNode:
    """Map a stock row."""
    return DistributorStockNode(
        id=strawberry.ID(encode_global_id("DistributorStock", row.id)),
        batch=row.batch,
        expires_on=row.expires_on,
        quantity=row.quantity,
        row_id=row.id,
        distributor_id=row.distributor_id,
        product_id=row.product_id,
    )


@strawberry.type(
    name="StockMovement",
    description="One signed change of one stock row, with its reason and source; never edited.",
)
class StockMovementNode(Node):
    kind: MovementKind = strawberry.field(description="Why stock moved.")
    quantity: int = strawberry.field(description="Units: positive in, negative out.")
    reason: str = strawberry.field(description="What the person or document said.")
    at: datetime = strawberry.field(description="When (UTC).")
    source_id: str | None = strawberry.field(
        description="Id of what made it: invoice, credit note, or transfer (both sides share it)."
    )
    stock_id: strawberry.Private[uuid.UUID]
    source_row: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The stock row it changed.")
    async def stock(self, info: strawberry.Info[Context, None]) -> DistributorStockNode | None:
        row = await by_id_loader(info.context, "stock", repository.stock_by_ids).load(self.stock_id)
        return None if row is None else stock_node(row)

    @strawberry.field(
        description="The document behind it: the delivered invoice, or the return's credit note."
    )
    async def document(self, info: strawberry.Info[Context, None]) -> DocumentRef | None:
        if self.source_row is None or self.kind not in DOCUMENT_KINDS:
            return None
        result: Any = await load_node(info.context, "BillingDocument", self.source_row)
        return result


def movement_node(row: StockMovement) -> StockMovementNode:
    """Map a movement row."""
    return StockMovementNode(
        id=strawberry.ID(encode_global_id("StockMovement", row.id)),
        kind=row.kind,
        quantity=row.quantity,
        reason=row.reason,
        at=row.at,
        source_id=None if row.source_id is None else str(row.source_id),
        stock_id=row.stock_id,
        source_row=row.source_id,
    )


register_node("DistributorStock", repository.stock_by_ids, stock_node)
register_node("StockMovement", repository.movements_by_ids, movement_node)


def _opt(value: strawberry.ID | None, type_name: str, field: str) -> uuid.UUID | None:
    return None if value is None else decode_typed_id(value, type_name, field=field)


@strawberry.input(description="A correction of one batch's stock at one distributor.")
class AdjustDistributorStockInput:
    distributor_id: strawberry.ID = strawberry.field(description="The distributor.")
    product_id: strawberry.ID = strawberry.field(description="The SKU.")
    batch: str = strawberry.field(description="Batch code, 1 to 40 characters.")
    quantity: int = strawberry.field(description="Units: positive adds, negative removes.")
    reason: str = strawberry.field(description="Why (count difference, breakage…), required.")
    expires_on: date | None = strawberry.field(
        default=None, description="Expiry of a new batch (must match an existing one)."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="Units of one batch moved from one distributor to another.")
class TransferDistributorStockInput:
    from_distributor_id: strawberry.ID = strawberry.field(description="Giving distributor.")
    to_distributor_id: strawberry.ID = strawberry.field(description="Receiving distributor.")
    product_id: strawberry.ID = strawberry.field(description="The SKU.")
    batch: str = strawberry.field(description="Batch code (kept, with its expiry).")
    quantity: int = strawberry.field(description="Units, positive.")
    reason: str = strawberry.field(description="Why, required.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.type(description="Result of a stock mutation.")
class StockChangePayload:
    movements: list[StockMovementNode] = strawberry.field(
        description="The movements made (a transfer: out, then in); empty on failure."
    )
    stock: list[DistributorStockNode] = strawberry.field(
        description="The stock rows changed, as they are now, in movement order."
    )
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


async def _change(
    info: strawberry.Info[Context, None],
    work: Callable[[Principal], Awaitable[adjustments.StockChange]],
) -> StockChangePayload:
    change, errors = await run_mutation(info.context, work)
    if change is None:
        return StockChangePayload(movements=[], stock=[], errors=errors)
    rows = await adjustments.stock_rows(info.context.session, change)
    return StockChangePayload(
        movements=[movement_node(m) for m in change.movements],
        stock=[stock_node(rows[m.stock_id]) for m in change.movements if m.stock_id in rows],
        errors=errors,
    )


@strawberry.type
class InventoryQuery:
    @strawberry.field(
        description="Distributor stock you may see, per SKU and batch, first expiry first."
    )
    async def distributor_stock(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")],
        after: Annotated[str | None, strawberry.argument(description="Cursor.")] = None,
        distributor_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Of this distributor.")
        ] = None,
        product_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Of this SKU.")
        ] = None,
        batch: Annotated[str | None, strawberry.argument(description="Of this batch.")] = None,
        expiring_before: Annotated[
            date | None, strawberry.argument(description="Only batches expiring before this day.")
        ] = None,
        include_empty: Annotated[
            bool, strawberry.argument(description="Also rows with nothing on hand.")
        ] = False,
    ) -> Connection[DistributorStockNode]:
        principal = await info.context.principal()
        wanted = repository.StockFilter(
            distributor_id=_opt(distributor_id, "Distributor", "distributorId"),
            product_id=_opt(product_id, "Product", "productId"),
            batch=batch,
            expiring_before=expiring_before,
            include_empty=include_empty,
        )
        return await connection_page(
            info.context,
            repository.stock_query(principal, wanted),
            sort_column=repository.expiry_key(),
            first=first,
            after=after,
            to_node=stock_node,
            key=repository.expiry_value,
        )

    @strawberry.field(description="Stock movements you may see, oldest first.")
    async def stock_movements(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")],
        after: Annotated[str | None, strawberry.argument(description="Cursor.")] = None,
        distributor_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Of this distributor.")
        ] = None,
        product_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Of this SKU.")
        ] = None,
        batch: Annotated[str | None, strawberry.argument(description="Of this batch.")] = None,
        kind: Annotated[
            MovementKind | None, strawberry.argument(description="Of this kind.")
        ] = None,
        since: Annotated[
            date | None, strawberry.argument(description="From this day (UTC).")
        ] = None,
        until: Annotated[date | None, strawberry.argument(description="To this day (UTC).")] = None,
    ) -> Connection[StockMovementNode]:
        principal = await info.context.principal()
        wanted = repository.MovementFilter(
            distributor_id=_opt(distributor_id, "Distributor", "distributorId"),
            product_id=_opt(product_id, "Product", "productId"),
            batch=batch,
            kind=kind,
            since=since,
            until=until,
        )
        return await connection_page(
            info.context,
            repository.movements_query(principal, wanted),
            sort_column=repository.movement_key(),
            first=first,
            after=after,
            to_node=movement_node,
            key=repository.movement_value,
        )


@strawberry.type
class InventoryMutation:
    @strawberry.mutation(
        description="Correct a batch's stock with a reason; refused if it would go below zero."
    )
    async def adjust_distributor_stock(
        self, info: strawberry.Info[Context, None], input: AdjustDistributorStockInput
    ) -> StockChangePayload:
        async def work(principal: Principal) -> adjustments.StockChange:
            draft = adjustments.AdjustmentDraft(
                distributor_id=decode_typed_id(
                    input.distributor_id, "Distributor", field="input.distributorId"
                ),
                product_id=decode_typed_id(input.product_id, "Product", field="input.productId"),
                batch=input.batch,
                quantity=input.quantity,
                reason=input.reason,
                expires_on=input.expires_on,
            )
            return await adjustments.adjust_distributor_stock(
                info.context.session,
                principal=principal,
                draft=draft,
                idempotency_key=input.idempotency_key,
            )

        return await _change(info, work)

    @strawberry.mutation(
        description="Move units of a batch between two distributors (HQ): both sides or neither."
    )
    async def transfer_distributor_stock(
        self, info: strawberry.Info[Context, None], input: TransferDistributorStockInput
    ) -> StockChangePayload:
        async def work(principal: Principal) -> adjustments.StockChange:
            draft = adjustments.TransferDraft(
                from_distributor_id=decode_typed_id(
                    input.from_distributor_id, "Distributor", field="input.fromDistributorId"
                ),
                to_distributor_id=decode_typed_id(
                    input.to_distributor_id, "Distributor", field="input.toDistributorId"
                ),
                product_id=decode_typed_id(input.product_id, "Product", field="input.productId"),
                batch=input.batch,
                quantity=input.quantity,
                reason=input.reason,
            )
            return await adjustments.transfer_between_distributors(
                info.context.session,
                principal=principal,
                draft=draft,
                idempotency_key=input.idempotency_key,
            )

        return await _change(info, work)
