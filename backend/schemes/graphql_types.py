"""GraphQL object types of schemes, priced carts and nudges."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from backend.api.context import Context
from backend.api.loaders import load_node, register_node
from backend.api.types import Money, Node
from backend.kit.ids import encode_global_id
from backend.orders.graphql_types import grouped_loader, money
from backend.schemes.mapping import plain
from backend.schemes.models import SchemeFlow, SchemeStatus, TradeScheme
from backend.schemes.repository import (
    SchemeParts,
    load_parts,
    schemes_by_ids,
    visible_schemes_by_ids,
)
from backend.schemes.rules import Combination, SchemeKind

if TYPE_CHECKING:
    from backend.catalog.graphql import ProductNode
    from backend.parties.graphql_types import DistributorNode, RetailerNode
    from backend.territories.graphql import TerritoryNode

ProductRef = Annotated["ProductNode", strawberry.lazy("backend.catalog.graphql")]
TerritoryRef = Annotated["TerritoryNode", strawberry.lazy("backend.territories.graphql")]
DistributorRef = Annotated["DistributorNode", strawberry.lazy("backend.parties.graphql_types")]
RetailerRef = Annotated["RetailerNode", strawberry.lazy("backend.parties.graphql_types")]

SchemeKindEnum = strawberry.enum(
    SchemeKind,
    description=(
        "What a scheme gives: PERCENT_DISCOUNT, FLAT_DISCOUNT (per unit), QUANTITY_SLABS, "
        "VALUE_SLABS, BUY_X_GET_Y, COMBO (per bundle) or QPS (cumulative, settled by credit note)."
    ),
)
CombinationEnum = strawberry.enum(
    Combination,
    description=(
        "How a scheme combines on a line: EXCLUSIVE (the first by priority is the only one), "
        "BEST_OF (the largest benefit among BEST_OF schemes) or STACKABLE (applies on top)."
    ),
)
SchemeFlowEnum = strawberry.enum(
    SchemeFlow, description="PRIMARY (brand → distributor) or SECONDARY (distributor → retailer)."
)
SchemeStatusEnum = strawberry.enum(
    SchemeStatus, description="DRAFT, ACTIVE (prices bills), PAUSED or ENDED."
)


async def _parts_of(session: Any, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[SchemeParts]]:
    rows = await schemes_by_ids(session, ids)
    parts = await load_parts(session, rows)
    return {i: [p] for i, p in parts.items()}


async def _nodes(
    info: strawberry.Info[Context, None], type_name: str, ids: list[uuid.UUID]
) -> list[Any]:
    found = [await load_node(info.context, type_name, i) for i in ids]
    return [node for node in found if node is not None]


@strawberry.type(description="From a threshold (units or value) upwards, a percent off.")
class SchemeSlabType:
    threshold: Decimal = strawberry.field(description="Units or value from which the slab applies.")
    percent: Decimal = strawberry.field(description="Percent off, above 0 and at most 100.")


@strawberry.type(description="Units of one SKU in a COMBO bundle.")
class SchemeBundleItemType:
    units: int = strawberry.field(description="Units of the SKU in one bundle.")
    product_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The SKU.")
    async def product(self, info: strawberry.Info[Context, None]) -> ProductRef | None:
        return await load_node(info.context, "Product", self.product_id)


@strawberry.type(name="Scheme", description="A trade promotion: its rule, who gets it, its budget.")
class SchemeNode(Node):
    code: str = strawberry.field(description="Unique code in the tenant; bills refer to it.")
    name: str = strawberry.field(description="Name shown to reps and retailers.")
    description: str = strawberry.field(description="Terms in words.")
    flow: SchemeFlow = strawberry.field(description="Primary or secondary.")
    kind: SchemeKind = strawberry.field(description="What it gives.")
    status: SchemeStatus = strawberry.field(description="Where it stands.")
    combination: Combination = strawberry.field(description="How it combines with others.")
    priority: int = strawberry.field(description="Lower applies first (ties by code).")
    valid_from: date = strawberry.field(description="First day (inclusive).")
    valid_to: date = strawberry.field(description="Last day (inclusive).")
    percent: Decimal = strawberry.field(description="PERCENT_DISCOUNT: percent off.")
    amount: Money = strawberry.field(description="FLAT_DISCOUNT: off per unit; COMBO: per bundle.")
    buy_quantity: int = strawberry.field(description="BUY_X_GET_Y: units to buy (X).")
    free_quantity: int = strawberry.field(description="BUY_X_GET_Y: units given free (Y).")
    min_eligible_value: Money = strawberry.field(
        description="No benefit below this eligible value."
    )
    max_discount: Money | None = strawberry.field(description="Cap on its discount per bill.")
    brands: list[str] = strawberry.field(description="Brands in scope (none: any).")
    categories: list[str] = strawberry.field(description="Categories in scope (none: any).")
    channels: list[str] = strawberry.field(description="Channels eligible (none: any).")
    outlet_classes: list[str] = strawberry.field(description="Outlet classes eligible (none: any).")
    budget: Money | None = strawberry.field(description="Budget cap (none: uncapped).")
    consumed: Money = strawberry.field(description="Budget consumed by bills so far.")
    budget_left: Money | None = strawberry.field(description="Budget left (none: uncapped).")
    row_id: strawberry.Private[uuid.UUID]
    free_product_id: strawberry.Private[uuid.UUID | None]

    async def _parts(self, info: strawberry.Info[Context, None]) -> SchemeParts:
        loaded = await grouped_loader(info.context, "scheme.parts", _parts_of).load(self.row_id)
        return loaded[0] if loaded else SchemeParts()

    @strawberry.field(description="Slabs, ascending (slab and QPS kinds).")
    async def slabs(self, info: strawberry.Info[Context, None]) -> list[SchemeSlabType]:
        parts = await self._parts(info)
        return [
            SchemeSlabType(threshold=s.threshold, percent=plain(s.percent)) for s in parts.slabs
        ]

    @strawberry.field(description="BUY_X_GET_Y: the SKU given free (none: the SKU bought).")
    async def free_product(self, info: strawberry.Info[Context, None]) -> ProductRef | None:
        if self.free_product_id is None:
            return None
        return await load_node(info.context, "Product", self.free_product_id)

    @strawberry.field(description="COMBO: the SKUs and units of one bundle.")
    async def bundle(self, info: strawberry.Info[Context, None]) -> list[SchemeBundleItemType]:
        parts = await self._parts(info)
        return [SchemeBundleItemType(units=u, product_id=p) for p, _, u in parts.bundle]

    @strawberry.field(description="SKUs in scope, besides brands and categories (none: any).")
    async def products(self, info: strawberry.Info[Context, None]) -> list[ProductRef]:
        return await _nodes(info, "Product", (await self._parts(info)).product_ids)

    @strawberry.field(description="Territory subtrees eligible (none: anywhere).")
    async def territories(self, info: strawberry.Info[Context, None]) -> list[TerritoryRef]:
        return await _nodes(info, "Territory", (await self._parts(info)).territory_ids)

    @strawberry.field(description="Distributors eligible (none: any); those you may see.")
    async def distributors(self, info: strawberry.Info[Context, None]) -> list[DistributorRef]:
        return await _nodes(info, "Distributor", (await self._parts(info)).distributor_ids)

    @strawberry.field(description="Retailers listed (none: any); those you may see.")
    async def retailers(self, info: strawberry.Info[Context, None]) -> list[RetailerRef]:
        return await _nodes(info, "Retailer", (await self._parts(info)).retailer_ids)


def scheme_node(row: TradeScheme) -> SchemeNode:
    """Map a scheme row."""
    c = row.currency
    left = None if row.budget is None else money(row.budget - row.consumed, c)
    return SchemeNode(
        id=strawberry.ID(encode_global_id("Scheme", row.id)),
        code=row.code,
        name=row.name,
        description=row.description,
        flow=row.flow,
        kind=row.kind,
        status=row.status,
        combination=row.combination,
        priority=row.priority,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        percent=plain(row.percent),
        amount=money(row.amount, c),
        buy_quantity=row.buy_quantity,
        free_quantity=row.free_quantity,
        min_eligible_value=money(row.min_eligible_value, c),
        max_discount=None if row.max_discount is None else money(row.max_discount, c),
        brands=list(row.brands),
        categories=list(row.categories),
        channels=list(row.channels),
        outlet_classes=list(row.outlet_classes),
        budget=None if row.budget is None else money(row.budget, c),
        consumed=money(row.consumed, c),
        budget_left=left,
        row_id=row.id,
        free_product_id=row.free_product_id,
    )


register_node("Scheme", visible_schemes_by_ids, scheme_node)


@strawberry.type(description="One scheme's effect on one cart line, explained.")
class AppliedSchemeType:
    scheme_code: str = strawberry.field(description="The scheme's code.")
    scheme_name: str = strawberry.field(description="The scheme's name.")
    kind: SchemeKind = strawberry.field(description="What the scheme gives.")
    amount: Money = strawberry.field(description="Discount this scheme took off this line.")
    note: str = strawberry.field(description="Why, in words (e.g. '5% off for 20 units or more').")


@strawberry.type(description="A cart line after schemes.")
class QuotedLineType:
    sku: str = strawberry.field(description="The SKU.")
    quantity: int = strawberry.field(description="Units.")
    unit_price: Money = strawberry.field(description="Retailer price per unit, before schemes.")
    gross: Money = strawberry.field(description="Quantity × unit price.")
    discount: Money = strawberry.field(description="Total discount on the line.")
    net: Money = strawberry.field(description="Gross less discount.")
    applied: list[AppliedSchemeType] = strawberry.field(description="Schemes applied, in order.")
    product_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The SKU's product.")
    async def product(self, info: strawberry.Info[Context, None]) -> ProductRef | None:
        return await load_node(info.context, "Product", self.product_id)


@strawberry.type(description="Units a scheme gives free with this cart.")
class FreeItemType:
    sku: str = strawberry.field(description="The SKU given free.")
    quantity: int = strawberry.field(description="Free units.")
    scheme_code: str = strawberry.field(description="The scheme giving them.")
    note: str = strawberry.field(description="Why, in words.")
    value: Money | None = strawberry.field(
        description="Value at the cart's price of the SKU (none when the SKU is not in the cart)."
    )
    product_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The free SKU's product.")
    async def product(self, info: strawberry.Info[Context, None]) -> ProductRef | None:
        if self.product_id is None:
            return None
        return await load_node(info.context, "Product", self.product_id)


@strawberry.type(description="How far the cart is from a scheme's next slab, free item or bundle.")
class SchemeNudgeType:
    scheme_code: str = strawberry.field(description="The scheme's code.")
    scheme_name: str = strawberry.field(description="The scheme's name.")
    missing_quantity: int | None = strawberry.field(description="Units of eligible SKUs to add.")
    missing_value: Money | None = strawberry.field(description="Eligible value to add.")
    reward: str = strawberry.field(description="What the step gives, in words.")


@strawberry.type(description="A cart priced for a retailer on a day; nothing is saved.")
class CartQuoteType:
    lines: list[QuotedLineType] = strawberry.field(description="The lines, in the cart's order.")
    free_items: list[FreeItemType] = strawberry.field(description="Free goods earned.")
    gross: Money = strawberry.field(description="Sum of line gross values.")
    discount: Money = strawberry.field(description="Sum of discounts.")
    net: Money = strawberry.field(description="Gross less discount (before tax).")
    nudges: list[SchemeNudgeType] = strawberry.field(
        description="For each applicable scheme with a next step, what the cart lacks."
    )


@strawberry.type(description="A scheme's return: incremental eligible sales over its cost.")
class SchemeRoiType:
    scheme: SchemeNode = strawberry.field(description="The scheme.")
    period_from: date = strawberry.field(description="First day measured (the scheme's start).")
    period_to: date = strawberry.field(description="Last day measured (its end, or asOf).")
    baseline_from: date = strawberry.field(description="First day of the baseline before it.")
    baseline_to: date = strawberry.field(description="Last day of the baseline.")
    sales: Money = strawberry.field(description="Eligible secondary sales during the scheme.")
    baseline_sales: Money = strawberry.field(description="Eligible sales in the baseline.")
    incremental_sales: Money = strawberry.field(description="Sales less baseline sales.")
    cost: Money = strawberry.field(description="What the scheme gave (consumed or accrued).")
    roi: Decimal | None = strawberry.field(description="Incremental sales ÷ cost (none: no cost).")
    uplift: Decimal | None = strawberry.field(
        description="Incremental ÷ baseline sales (none: no baseline sales)."
    )
