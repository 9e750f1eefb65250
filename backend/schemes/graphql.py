"""GraphQL queries and mutations of schemes: define and run them, see them, quote a cart."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from backend.api.context import Context
from backend.api.mutations import run_mutation
from backend.api.types import Connection, UserError, connection_page
from backend.auth.principal import Principal
from backend.identity.models import Role
from backend.kit.ids import decode_typed_id
from backend.orders.graphql_types import money
from backend.parties.models import Channel, OutletClass
from backend.schemes import carts, roi, service
from backend.schemes.graphql_types import (
    AppliedSchemeType,
    CartQuoteType,
    FreeItemType,
    QuotedLineType,
    SchemeNode,
    SchemeNudgeType,
    SchemeRoiType,
    scheme_node,
)
from backend.schemes.models import SchemeFlow, SchemeStatus, TradeScheme
from backend.schemes.repository import schemes_query
from backend.schemes.rules import Combination, SchemeKind
from backend.schemes.validation import BundleDraft, SchemeDraft, SlabDraft

IDEMPOTENCY = "Client-generated key: a retry with it returns the first result."


@strawberry.input(description="A slab: from a threshold upwards, a percent off.")
class SchemeSlabInput:
    threshold: Decimal = strawberry.field(description="Units (quantity slabs) or value, above 0.")
    percent: Decimal = strawberry.field(description="Percent off, above 0 and at most 100.")


@strawberry.input(description="Units of one SKU in a COMBO bundle.")
class SchemeBundleItemInput:
    product_id: strawberry.ID = strawberry.field(description="The SKU (Product).")
    units: int = strawberry.field(description="Units per bundle, above 0.")


@strawberry.input(description="A whole scheme definition.")
class CreateSchemeInput:
    code: str = strawberry.field(description="Unique code; never changes.")
    name: str = strawberry.field(description="Name shown to reps and retailers.")
    flow: SchemeFlow = strawberry.field(description="PRIMARY or SECONDARY.")
    kind: SchemeKind = strawberry.field(description="What it gives.")
    valid_from: date = strawberry.field(description="First day (inclusive).")
    valid_to: date = strawberry.field(description="Last day (inclusive), not before validFrom.")
    description: str = strawberry.field(default="", description="Terms in words.")
    combination: Combination = strawberry.field(
        default=Combination.STACKABLE, description="How it combines with others."
    )
    priority: int = strawberry.field(default=100, description="Lower applies first, 0 to 10000.")
    percent: Decimal = strawberry.field(default=Decimal(0), description="PERCENT_DISCOUNT only.")
    amount: Decimal = strawberry.field(
        default=Decimal(0), description="FLAT_DISCOUNT (per unit) and COMBO (per bundle) only."
    )
    slabs: list[SchemeSlabInput] = strawberry.field(
        default_factory=list, description="Slab and QPS kinds: ascending thresholds."
    )
    buy_quantity: int = strawberry.field(default=0, description="BUY_X_GET_Y: X.")
    free_quantity: int = strawberry.field(default=0, description="BUY_X_GET_Y: Y.")
    free_product_id: strawberry.ID | None = strawberry.field(
        default=None, description="BUY_X_GET_Y: another SKU given free (none: the same SKU)."
    )
    bundle: list[SchemeBundleItemInput] = strawberry.field(
        default_factory=list, description="COMBO: the bundle."
    )
    min_eligible_value: Decimal = strawberry.field(
        default=Decimal(0), description="No benefit below this eligible value."
    )
    max_discount: Decimal | None = strawberry.field(
        default=None, description="Cap on its discount per bill."
    )
    product_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="SKUs in scope (with brands and categories; none: any)."
    )
    brands: list[str] = strawberry.field(default_factory=list, description="Brands in scope.")
    categories: list[str] = strawberry.field(
        default_factory=list, description="Categories in scope."
    )
    channels: list[Channel] = strawberry.field(
        default_factory=list, description="Eligible channels (secondary only; none: any)."
    )
    outlet_classes: list[OutletClass] = strawberry.field(
        default_factory=list, description="Eligible outlet classes (secondary only; none: any)."
    )
    territory_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Eligible territory subtrees (a manager must give some)."
    )
    distributor_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Eligible distributors (none: any)."
    )
    retailer_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Explicit retailer list (secondary only; none: any)."
    )
    budget: Decimal | None = strawberry.field(
        default=None, description="Budget cap (none: uncapped)."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="A scheme's new definition (DRAFT or PAUSED schemes only).")
class UpdateSchemeInput(CreateSchemeInput):
    scheme_id: strawberry.ID = strawberry.field(description="The scheme to change.")


@strawberry.input(description="A step of a scheme's life: activate, pause or end.")
class SchemeActionInput:
    scheme_id: strawberry.ID = strawberry.field(description="The scheme.")


@strawberry.type(description="Result of a scheme mutation.")
class SchemePayload:
    scheme: SchemeNode | None = strawberry.field(description="The scheme, when saved.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.input(description="A SKU and a quantity in units.")
class CartLineInput:
    product_id: strawberry.ID = strawberry.field(description="The SKU (Product).")
    quantity: int = strawberry.field(description="Units, above 0.")


@strawberry.input(description="A cart to price for a retailer on a day.")
class QuoteCartInput:
    retailer_id: strawberry.ID = strawberry.field(description="The retailer.")
    on: date = strawberry.field(description="The business date (prices and schemes of that day).")
    lines: list[CartLineInput] = strawberry.field(description="1 to 200 lines, one per SKU.")


@strawberry.input(description="A draft primary order to price for a distributor on a day.")
class QuotePrimaryCartInput:
    distributor_id: strawberry.ID = strawberry.field(description="The ordering distributor.")
    on: date = strawberry.field(description="The order date (prices and schemes of that day).")
    lines: list[CartLineInput] = strawberry.field(description="1 to 200 lines, one per SKU.")


def _cart_items(lines: list[CartLineInput]) -> list[carts.CartItem]:
    return [
        carts.CartItem(
            decode_typed_id(line.product_id, "Product", field=f"input.lines[{i}].productId"),
            line.quantity,
        )
        for i, line in enumerate(lines)
    ]


def _ids(values: list[strawberry.ID], type_name: str, path: str) -> tuple[uuid.UUID, ...]:
    return tuple(decode_typed_id(v, type_name, field=f"{path}[{i}]") for i, v in enumerate(values))


def _draft(data: CreateSchemeInput) -> SchemeDraft:
    free = data.free_product_id
    return SchemeDraft(
        code=data.code,
        name=data.name,
        flow=data.flow,
        kind=data.kind,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        description=data.description,
        combination=data.combination,
        priority=data.priority,
        percent=data.percent,
        amount=data.amount,
        slabs=tuple(SlabDraft(s.threshold, s.percent) for s in data.slabs),
        buy_quantity=data.buy_quantity,
        free_quantity=data.free_quantity,
        free_product_id=None
        if free is None
        else decode_typed_id(free, "Product", field="input.freeProductId"),
        bundle=tuple(
            BundleDraft(
                decode_typed_id(b.product_id, "Product", field=f"input.bundle[{i}].productId"),
                b.units,
            )
            for i, b in enumerate(data.bundle)
        ),
        min_eligible_value=data.min_eligible_value,
        max_discount=data.max_discount,
        product_ids=_ids(data.product_ids, "Product", "input.productIds"),
        brands=tuple(data.brands),
        categories=tuple(data.categories),
        channels=tuple(c.value for c in data.channels),
        outlet_classes=tuple(c.value for c in data.outlet_classes),
        territory_ids=_ids(data.territory_ids, "Territory", "input.territoryIds"),
        distributor_ids=_ids(data.distributor_ids, "Distributor", "input.distributorIds"),
        retailer_ids=_ids(data.retailer_ids, "Retailer", "input.retailerIds"),
        budget=data.budget,
    )


async def _scheme(
    info: strawberry.Info[Context, None], work: Callable[[Principal], Awaitable[TradeScheme]]
) -> SchemePayload:
    row, errors = await run_mutation(info.context, work)
    return SchemePayload(scheme=scheme_node(row) if row else None, errors=errors)


def _scheme_id(data: SchemeActionInput | UpdateSchemeInput) -> uuid.UUID:
    return decode_typed_id(data.scheme_id, "Scheme", field="input.schemeId")


def _quote_type(quote: carts.CartQuote) -> CartQuoteType:
    c = quote.currency
    names = {code: row.name for code, row in quote.schemes.items()}
    ids = {sku: p.id for sku, p in quote.products.items()}
    priced = quote.priced
    return CartQuoteType(
        lines=[
            QuotedLineType(
                sku=line.sku,
                quantity=line.quantity,
                unit_price=money(line.unit_price, c),
                gross=money(line.gross, c),
                discount=money(line.discount, c),
                net=money(line.net, c),
                applied=[
                    AppliedSchemeType(
                        scheme_code=a.code,
                        scheme_name=names.get(a.code, a.code),
                        kind=a.kind,
                        amount=money(a.amount, c),
                        note=a.note,
                    )
                    for a in line.applied
                ],
                product_id=ids[line.sku],
            )
            for line in priced.lines
        ],
        free_items=[
            FreeItemType(
                sku=f.sku,
                quantity=f.quantity,
                scheme_code=f.code,
                note=f.note,
                value=None if f.value is None else money(f.value, c),
                product_id=ids.get(f.sku),
            )
            for f in priced.free_items
        ],
        gross=money(priced.gross, c),
        discount=money(priced.discount, c),
        net=money(priced.net, c),
        nudges=[
            SchemeNudgeType(
                scheme_code=n.code,
                scheme_name=names.get(n.code, n.code),
                missing_quantity=n.missing_quantity,
                missing_value=None if n.missing_value is None else money(n.missing_value, c),
                reward=n.reward,
            )
            for n in quote.nudges
        ],
    )


@strawberry.type
class SchemesQuery:
    @strawberry.field(description="The tenant's schemes, by code.")
    async def schemes(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")],
        after: Annotated[str | None, strawberry.argument(description="Cursor.")] = None,
        flow: Annotated[
            SchemeFlow | None, strawberry.argument(description="Only this flow.")
        ] = None,
        status: Annotated[
            SchemeStatus | None, strawberry.argument(description="Only this state.")
        ] = None,
    ) -> Connection[SchemeNode]:
        context = info.context
        principal = await context.principal()
        return await connection_page(
            context,
            schemes_query(principal, flow=flow, status=status),
            sort_column=TradeScheme.code,
            first=first,
            after=after,
            to_node=scheme_node,
        )

    @strawberry.field(
        description="Secondary schemes that apply to a retailer on a day, in application order."
    )
    async def schemes_for_retailer(
        self,
        info: strawberry.Info[Context, None],
        retailer_id: Annotated[strawberry.ID, strawberry.argument(description="The retailer.")],
        on: Annotated[date, strawberry.argument(description="The business date.")],
    ) -> list[SchemeNode]:
        context = info.context
        rows = await carts.schemes_for_retailer(
            context.session,
            principal=await context.principal(),
            retailer_id=decode_typed_id(retailer_id, "Retailer", field="retailerId"),
            on=on,
        )
        return [scheme_node(row) for row in rows]

    @strawberry.field(
        description=(
            "Price a cart for a retailer on a day: per-line applied schemes explained, free "
            "goods, and how far the cart is from each scheme's next slab, free item or bundle."
        )
    )
    async def quote_cart(
        self, info: strawberry.Info[Context, None], input: QuoteCartInput
    ) -> CartQuoteType:
        context = info.context
        items = _cart_items(input.lines)
        quote = await carts.quote_cart(
            context.session,
            principal=await context.principal(),
            retailer_id=decode_typed_id(input.retailer_id, "Retailer", field="input.retailerId"),
            on=input.on,
            items=items,
        )
        return _quote_type(quote)

    @strawberry.field(
        description=(
            "PRIMARY schemes (brand to distributor) that apply to a distributor on a day, in "
            "application order."
        )
    )
    async def schemes_for_distributor(
        self,
        info: strawberry.Info[Context, None],
        distributor_id: Annotated[
            strawberry.ID, strawberry.argument(description="The distributor.")
        ],
        on: Annotated[date, strawberry.argument(description="The business date.")],
    ) -> list[SchemeNode]:
        context = info.context
        rows = await carts.schemes_for_distributor(
            context.session,
            principal=await context.principal(),
            distributor_id=decode_typed_id(distributor_id, "Distributor", field="distributorId"),
            on=on,
        )
        return [scheme_node(row) for row in rows]

    @strawberry.field(
        description=(
            "Price a distributor's draft primary order on a day with its PRIMARY schemes: "
            "per-line applied schemes explained, free goods, and how far the cart is from each "
            "scheme's next slab, free item or bundle."
        )
    )
    async def quote_primary_cart(
        self, info: strawberry.Info[Context, None], input: QuotePrimaryCartInput
    ) -> CartQuoteType:
        context = info.context
        quote = await carts.quote_primary_cart(
            context.session,
            principal=await context.principal(),
            distributor_id=decode_typed_id(
                input.distributor_id, "Distributor", field="input.distributorId"
            ),
            on=input.on,
            items=_cart_items(input.lines),
        )
        return _quote_type(quote)

    @strawberry.field(
        description=(
            "A scheme's ROI so far (ADMIN, MANAGER): eligible secondary sales during it against "
            "the same number of days before it, over its cost."
        )
    )
    async def scheme_roi(
        self,
        info: strawberry.Info[Context, None],
        scheme_id: Annotated[strawberry.ID, strawberry.argument(description="The scheme.")],
        as_of: Annotated[date, strawberry.argument(description="Measure up to this day.")],
    ) -> SchemeRoiType:
        context = info.context
        (await context.principal()).require(Role.ADMIN, Role.MANAGER)
        local_id = decode_typed_id(scheme_id, "Scheme", field="schemeId")
        report = await roi.scheme_roi_report(
            context.session, scheme_id=local_id, as_of=as_of, lines=roi.registered_sales_lines()
        )
        row = await context.session.get_one(TradeScheme, local_id)
        c = row.currency
        return SchemeRoiType(
            scheme=scheme_node(row),
            period_from=report.period.start,
            period_to=report.period.end,
            baseline_from=report.baseline_period.start,
            baseline_to=report.baseline_period.end,
            sales=money(report.sales, c),
            baseline_sales=money(report.baseline_sales, c),
            incremental_sales=money(report.incremental_sales, c),
            cost=money(report.cost, c),
            roi=report.roi,
            uplift=report.uplift,
        )


@strawberry.type
class SchemesMutation:
    @strawberry.mutation(description="Define a scheme as a DRAFT (ADMIN, or MANAGER in scope).")
    async def create_scheme(
        self, info: strawberry.Info[Context, None], input: CreateSchemeInput
    ) -> SchemePayload:
        async def work(principal: Principal) -> TradeScheme:
            return await service.create_scheme(
                info.context.session,
                principal=principal,
                draft=_draft(input),
                idempotency_key=input.idempotency_key,
            )

        return await _scheme(info, work)

    @strawberry.mutation(description="Replace a DRAFT or PAUSED scheme's definition.")
    async def update_scheme(
        self, info: strawberry.Info[Context, None], input: UpdateSchemeInput
    ) -> SchemePayload:
        async def work(principal: Principal) -> TradeScheme:
            return await service.update_scheme(
                info.context.session,
                principal=principal,
                scheme_id=_scheme_id(input),
                draft=_draft(input),
                idempotency_key=input.idempotency_key,
            )

        return await _scheme(info, work)

    @strawberry.mutation(description="Start (or resume) a scheme: bills get it from now on.")
    async def activate_scheme(
        self, info: strawberry.Info[Context, None], input: SchemeActionInput
    ) -> SchemePayload:
        return await _scheme(
            info,
            lambda p: service.activate_scheme(
                info.context.session, principal=p, scheme_id=_scheme_id(input), today=date.today()
            ),
        )

    @strawberry.mutation(description="Pause an active scheme.")
    async def pause_scheme(
        self, info: strawberry.Info[Context, None], input: SchemeActionInput
    ) -> SchemePayload:
        return await _scheme(
            info,
            lambda p: service.pause_scheme(
                info.context.session, principal=p, scheme_id=_scheme_id(input)
            ),
        )

    @strawberry.mutation(description="End a scheme for good.")
    async def end_scheme(
        self, info: strawberry.Info[Context, None], input: SchemeActionInput
    ) -> SchemePayload:
        return await _scheme(
            info,
            lambda p: service.end_scheme(
                info.context.session, principal=p, scheme_id=_scheme_id(input)
            ),
        )
