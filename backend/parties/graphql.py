"""GraphQL inputs, queries and mutations of distributors and retailers."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import strawberry

from backend.api.context import Context
from backend.api.mutations import run_mutation
from backend.api.types import (
    Connection,
    GeoPointInput,
    UserError,
    connection_page,
)
from backend.auth.principal import Principal
from backend.kit.ids import decode_typed_id
from backend.kit.validation import Checks
from backend.parties import service
from backend.parties.graphql_types import (
    DistributorNode,
    RetailerNode,
    Weekday,
    distributor_node,
    retailer_node,
)
from backend.parties.models import Channel, Distributor, OutletClass, Retailer
from backend.parties.repository import RetailerFilter, distributors_query, retailers_query


@strawberry.input(description="A span of the day when an outlet is open, local time.")
class TimeWindowInput:
    opens: str = strawberry.field(description="Opening time, HH:MM.")
    closes: str = strawberry.field(description="Closing time, HH:MM (24:00 = midnight).")


@strawberry.input(description="Opening windows on one weekday; an omitted weekday is closed.")
class OpeningDayInput:
    weekday: Weekday = strawberry.field(description="The day.")
    windows: list[TimeWindowInput] = strawberry.field(description="Non-overlapping windows.")


@strawberry.input(description="An amount of money; the amount is a decimal string.")
class MoneyInput:
    amount: Decimal = strawberry.field(description='Exact amount, e.g. "150000000.00".')
    currency: str = strawberry.field(description="ISO 4217 code; must be the tenant's currency.")


@strawberry.input(description="A retailer to create.")
class CreateRetailerInput:
    code: str = strawberry.field(description="Unique code in the tenant.")
    name: str = strawberry.field(description="Shop name.")
    channel: Channel = strawberry.field(description="Trade channel.")
    outlet_class: OutletClass = strawberry.field(description="Value class.")
    location: GeoPointInput = strawberry.field(description="Where the shop is.")
    opening_hours: list[OpeningDayInput] = strawberry.field(description="Weekly opening hours.")
    distributor_id: strawberry.ID = strawberry.field(description="The serving distributor.")
    territory_id: strawberry.ID = strawberry.field(description="A TERRITORY-level node.")
    owner_name: str | None = strawberry.field(default=None, description="Owner's name.")
    address: str | None = strawberry.field(default=None, description="Street address.")
    phone: str | None = strawberry.field(default=None, description="Contact phone.")
    tax_id: str | None = strawberry.field(default=None, description="Tax registration number.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Client-generated key: a retry with it returns the first result."
    )


@strawberry.input(description="Changes to a retailer; omitted fields stay as they are.")
class UpdateRetailerInput:
    id: strawberry.ID = strawberry.field(description="The retailer to change.")
    code: str | None = strawberry.field(default=None, description="New code.")
    name: str | None = strawberry.field(default=None, description="New name.")
    channel: Channel | None = strawberry.field(default=None, description="New channel.")
    outlet_class: OutletClass | None = strawberry.field(default=None, description="New class.")
    location: GeoPointInput | None = strawberry.field(default=None, description="New location.")
    opening_hours: list[OpeningDayInput] | None = strawberry.field(
        default=None, description="New hours."
    )
    distributor_id: strawberry.ID | None = strawberry.field(
        default=None, description="New distributor."
    )
    territory_id: strawberry.ID | None = strawberry.field(
        default=None, description="New territory."
    )
    owner_name: str | None = strawberry.field(default=None, description="New owner's name.")
    address: str | None = strawberry.field(default=None, description="New address.")
    phone: str | None = strawberry.field(default=None, description="New phone.")
    tax_id: str | None = strawberry.field(default=None, description="New tax id.")
    is_active: bool | None = strawberry.field(default=None, description="Activate or deactivate.")


@strawberry.input(description="A distributor to appoint.")
class CreateDistributorInput:
    code: str = strawberry.field(description="Unique code in the tenant.")
    name: str = strawberry.field(description="Registered name.")
    tier: str = strawberry.field(description="Commercial tier, e.g. GOLD.")
    territory_id: strawberry.ID = strawberry.field(description="The area it is appointed for.")
    credit_limit: MoneyInput = strawberry.field(description="Credit the brand extends.")
    credit_days: int = strawberry.field(description="Days an invoice may stay unpaid, 0–365.")
    address: str | None = strawberry.field(default=None, description="Postal address.")
    location: GeoPointInput | None = strawberry.field(
        default=None, description="Warehouse location."
    )
    tax_id: str | None = strawberry.field(default=None, description="Tax registration number.")
    phone: str | None = strawberry.field(default=None, description="Contact phone.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Client-generated key: a retry with it returns the first result."
    )


@strawberry.input(description="Changes to a distributor; omitted fields stay as they are.")
class UpdateDistributorInput:
    id: strawberry.ID = strawberry.field(description="The distributor to change.")
    name: str | None = strawberry.field(default=None, description="New name.")
    tier: str | None = strawberry.field(default=None, description="New tier.")
    credit_limit: MoneyInput | None = strawberry.field(
        default=None, description="New credit limit."
    )
    credit_days: int | None = strawberry.field(default=None, description="New credit days.")
    address: str | None = strawberry.field(default=None, description="New address.")
    location: GeoPointInput | None = strawberry.field(default=None, description="New location.")
    tax_id: str | None = strawberry.field(default=None, description="New tax id.")
    phone: str | None = strawberry.field(default=None, description="New phone.")
    is_active: bool | None = strawberry.field(default=None, description="Activate or deactivate.")


@strawberry.input(description="Narrowing of the retailers list.")
class RetailerFilterInput:
    territory_id: strawberry.ID | None = strawberry.field(default=None, description="In this node.")
    distributor_id: strawberry.ID | None = strawberry.field(default=None, description="Served by.")
    channel: Channel | None = strawberry.field(default=None, description="In this channel.")
    outlet_class: OutletClass | None = strawberry.field(default=None, description="Of this class.")
    search: str | None = strawberry.field(default=None, description="Name or code contains.")
    near: GeoPointInput | None = strawberry.field(default=None, description="Around this point.")
    radius_m: float | None = strawberry.field(
        default=None, description="Radius for `near`, metres."
    )


@strawberry.type(description="Result of createRetailer / updateRetailer.")
class RetailerPayload:
    retailer: RetailerNode | None = strawberry.field(description="The retailer, when saved.")
    errors: list[UserError] = strawberry.field(
        description="Why it was not saved; empty on success."
    )


@strawberry.type(description="Result of createDistributor / updateDistributor.")
class DistributorPayload:
    distributor: DistributorNode | None = strawberry.field(
        description="The distributor, when saved."
    )
    errors: list[UserError] = strawberry.field(
        description="Why it was not saved; empty on success."
    )


def _hours(days: list[OpeningDayInput] | None) -> list[tuple[int, list[tuple[str, str]]]] | None:
    if days is None:
        return None
    return [(int(d.weekday), [(w.opens, w.closes) for w in d.windows]) for d in days]


def _id(value: strawberry.ID | None, type_name: str, field: str) -> Any:
    return decode_typed_id(value, type_name, field=field) if value is not None else None


def _retailer_fields(data: CreateRetailerInput | UpdateRetailerInput) -> service.RetailerFields:
    location = data.location
    return service.RetailerFields(
        code=data.code,
        name=data.name,
        owner_name=data.owner_name,
        address=data.address,
        phone=data.phone,
        channel=data.channel,
        outlet_class=data.outlet_class,
        latitude=location.latitude if location else None,
        longitude=location.longitude if location else None,
        opening_hours=_hours(data.opening_hours),
        distributor_id=_id(data.distributor_id, "Distributor", "input.distributorId"),
        territory_id=_id(data.territory_id, "Territory", "input.territoryId"),
        tax_id=data.tax_id,
        is_active=getattr(data, "is_active", None),
    )


def _distributor_fields(
    data: CreateDistributorInput | UpdateDistributorInput,
) -> service.DistributorFields:
    location, credit = data.location, data.credit_limit
    return service.DistributorFields(
        code=getattr(data, "code", None),
        name=data.name,
        tier=data.tier,
        territory_id=_id(getattr(data, "territory_id", None), "Territory", "input.territoryId"),
        address=data.address,
        latitude=location.latitude if location else None,
        longitude=location.longitude if location else None,
        credit_limit=credit.amount if credit else None,
        currency=credit.currency if credit else None,
        credit_days=data.credit_days,
        tax_id=data.tax_id,
        phone=data.phone,
        is_active=getattr(data, "is_active", None),
    )


def _retailer_filter(flt: RetailerFilterInput | None) -> RetailerFilter:
    if flt is None:
        return RetailerFilter()
    checks = Checks()
    near = None
    if flt.near is not None:
        checks.location("filter.near", flt.near.latitude, flt.near.longitude)
        if flt.radius_m is None or not 0 < flt.radius_m <= 50_000:
            checks.fail("filter.radiusM", "give a radius between 0 and 50,000 metres with `near`")
        else:
            near = (flt.near.latitude, flt.near.longitude, flt.radius_m)
    checks.raise_if_any()
    return RetailerFilter(
        territory_id=_id(flt.territory_id, "Territory", "filter.territoryId"),
        distributor_id=_id(flt.distributor_id, "Distributor", "filter.distributorId"),
        channel=flt.channel,
        outlet_class=flt.outlet_class,
        search=flt.search,
        near=near,
    )


@strawberry.type
class PartiesQuery:
    @strawberry.field(description="Retailers you may see, by code.")
    async def retailers(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")],
        after: Annotated[
            str | None, strawberry.argument(description="Cursor to start after.")
        ] = None,
        filter: Annotated[
            RetailerFilterInput | None, strawberry.argument(description="Filter.")
        ] = None,
    ) -> Connection[RetailerNode]:
        context = info.context
        principal = await context.principal()
        stmt = retailers_query(principal, _retailer_filter(filter))
        return await connection_page(
            context,
            stmt,
            sort_column=Retailer.code,
            first=first,
            after=after,
            to_node=retailer_node,
        )

    @strawberry.field(description="Distributors you may see, by code.")
    async def distributors(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")],
        after: Annotated[
            str | None, strawberry.argument(description="Cursor to start after.")
        ] = None,
        search: Annotated[
            str | None, strawberry.argument(description="Name or code contains.")
        ] = None,
    ) -> Connection[DistributorNode]:
        context = info.context
        principal = await context.principal()
        return await connection_page(
            context,
            distributors_query(principal, search),
            sort_column=Distributor.code,
            first=first,
            after=after,
            to_node=distributor_node,
        )


@strawberry.type
class PartiesMutation:
    @strawberry.mutation(description="Onboard a retailer (ADMIN; MANAGER inside its territories).")
    async def create_retailer(
        self, info: strawberry.Info[Context, None], input: CreateRetailerInput
    ) -> RetailerPayload:
        async def work(principal: Principal) -> Retailer:
            return await service.create_retailer(
                info.context.session,
                principal=principal,
                fields=_retailer_fields(input),
                idempotency_key=input.idempotency_key,
            )

        row, errors = await run_mutation(info.context, work)
        return RetailerPayload(retailer=retailer_node(row) if row else None, errors=errors)

    @strawberry.mutation(description="Change a retailer (ADMIN; MANAGER inside its territories).")
    async def update_retailer(
        self, info: strawberry.Info[Context, None], input: UpdateRetailerInput
    ) -> RetailerPayload:
        async def work(principal: Principal) -> Retailer:
            return await service.update_retailer(
                info.context.session,
                principal=principal,
                retailer_id=decode_typed_id(input.id, "Retailer", field="input.id"),
                fields=_retailer_fields(input),
            )

        row, errors = await run_mutation(info.context, work)
        return RetailerPayload(retailer=retailer_node(row) if row else None, errors=errors)

    @strawberry.mutation(description="Appoint a distributor (ADMIN).")
    async def create_distributor(
        self, info: strawberry.Info[Context, None], input: CreateDistributorInput
    ) -> DistributorPayload:
        async def work(principal: Principal) -> Distributor:
            return await service.create_distributor(
                info.context.session,
                principal=principal,
                fields=_distributor_fields(input),
                idempotency_key=input.idempotency_key,
            )

        row, errors = await run_mutation(info.context, work)
        return DistributorPayload(distributor=distributor_node(row) if row else None, errors=errors)

    @strawberry.mutation(description="Change a distributor, including credit terms (ADMIN).")
    async def update_distributor(
        self, info: strawberry.Info[Context, None], input: UpdateDistributorInput
    ) -> DistributorPayload:
        async def work(principal: Principal) -> Distributor:
            return await service.update_distributor(
                info.context.session,
                principal=principal,
                distributor_id=decode_typed_id(input.id, "Distributor", field="input.id"),
                fields=_distributor_fields(input),
            )

        row, errors = await run_mutation(info.context, work)
        return DistributorPayload(distributor=distributor_node(row) if row else None, errors=errors)
