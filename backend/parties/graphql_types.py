"""GraphQL object types of distributors and retailers."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from backend.api.context import Context
from backend.api.guard.cost import cost
from backend.api.loaders import by_id_loader, register_node
from backend.api.types import GeoPoint, Money, Node
from backend.kit.geo import point_coordinates
from backend.kit.ids import decode_typed_id, encode_global_id
from backend.parties.hours import from_json
from backend.parties.models import Channel, Distributor, OutletClass, Retailer
from backend.parties.repository import distributors_by_ids, retailers_by_ids

if TYPE_CHECKING:
    from backend.ranking.graphql import ExpectedOfftakeType
    from backend.territories.graphql import TerritoryNode

TerritoryRef = Annotated["TerritoryNode", strawberry.lazy("backend.territories.graphql")]
ExpectedOfftakeRef = Annotated["ExpectedOfftakeType", strawberry.lazy("backend.ranking.graphql")]

ChannelEnum = strawberry.enum(Channel, description="Trade channel: GT, MT, HORECA or WHOLESALE.")
OutletClassEnum = strawberry.enum(OutletClass, description="Value class: A (top), B, C.")


@strawberry.enum(description="Day of the week.")
class Weekday(enum.IntEnum):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


@strawberry.type(description="A span of the day when an outlet is open, local time.")
class TimeWindow:
    opens: str = strawberry.field(description="Opening time, HH:MM.")
    closes: str = strawberry.field(description="Closing time, HH:MM (24:00 = midnight).")


@strawberry.type(description="An outlet's opening windows on one weekday; none means closed.")
class OpeningDay:
    weekday: Weekday = strawberry.field(description="The day.")
    windows: list[TimeWindow] = strawberry.field(
        description="Sorted, non-overlapping windows (at most 4).", metadata=cost(multiplier=4)
    )


async def _territory(context: Context, territory_id: uuid.UUID) -> Any:
    from backend.territories.graphql import territory_loader, territory_node

    row = await territory_loader(context).load(territory_id)
    return None if row is None else territory_node(row)


@strawberry.type(
    name="Distributor", description="A stockist that buys from the brand and bills retailers."
)
class DistributorNode(Node):
    code: str = strawberry.field(description="Unique code in the tenant.")
    name: str = strawberry.field(description="Registered name.")
    tier: str = strawberry.field(description="Commercial tier (drives price lists).")
    address: str = strawberry.field(description="Postal address.")
    location: GeoPoint | None = strawberry.field(description="Warehouse location.")
    credit_limit: Money = strawberry.field(description="Credit the brand extends.")
    credit_days: int = strawberry.field(description="Days an invoice may stay unpaid.")
    tax_id: str | None = strawberry.field(description="Tax registration number.")
    phone: str | None = strawberry.field(description="Contact phone.")
    is_active: bool = strawberry.field(description="Whether it trades.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    territory_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The area the distributor is appointed for.")
    async def territory(self, info: strawberry.Info[Context, None]) -> TerritoryRef | None:
        return await _territory(info.context, self.territory_id)


@strawberry.type(
    name="Retailer", description="An outlet: a shop with a place, hours, channel and class."
)
class RetailerNode(Node):
    code: str = strawberry.field(description="Unique code in the tenant.")
    name: str = strawberry.field(description="Shop name.")
    owner_name: str | None = strawberry.field(description="Owner's name.")
    address: str = strawberry.field(description="Street address.")
    phone: str | None = strawberry.field(description="Contact phone.")
    channel: Channel = strawberry.field(description="Trade channel.")
    outlet_class: OutletClass = strawberry.field(description="Value class.")
    location: GeoPoint = strawberry.field(description="Where the shop is.")
    tax_id: str | None = strawberry.field(description="Tax registration number.")
    is_active: bool = strawberry.field(description="Whether it trades.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    distributor_id: strawberry.Private[uuid.UUID]
    territory_id: strawberry.Private[uuid.UUID]
    stored_hours: strawberry.Private[dict[str, list[list[str]]]]

    @strawberry.field(
        description="Weekly opening hours, Monday first (always 7 days).",
        metadata=cost(multiplier=7),
    )
    def opening_hours(self) -> list[OpeningDay]:
        hours = from_json(self.stored_hours)
        return [
            OpeningDay(
                weekday=Weekday(day), windows=[TimeWindow(opens=o, closes=c) for o, c in hours[day]]
            )
            for day in sorted(hours)
        ]

    @strawberry.field(description="The distributor that serves (bills) this outlet.")
    async def distributor(self, info: strawberry.Info[Context, None]) -> DistributorNode | None:
        row = await distributor_loader(info.context).load(self.distributor_id)
        return None if row is None else distributor_node(row)

    @strawberry.field(description="The territory the outlet sits in.")
    async def territory(self, info: strawberry.Info[Context, None]) -> TerritoryRef | None:
        return await _territory(info.context, self.territory_id)

    @strawberry.field(
        description="What the outlet is expected to buy, its rank in its portfolio and why, "
        "from the active ranking model's latest scores (ADMIN, MANAGER, REP); null when unscored."
    )
    async def expected_offtake(
        self,
        info: strawberry.Info[Context, None],
        as_of: Annotated[
            date | None,
            strawberry.argument(
                description="Latest scores on or before this date (default: latest)."
            ),
        ] = None,
    ) -> ExpectedOfftakeRef | None:
        from backend.ranking.graphql import retailer_expected_offtake

        retailer_id = decode_typed_id(self.id, "Retailer", field="id")
        return await retailer_expected_offtake(info.context, retailer_id, as_of)


def distributor_loader(context: Context) -> Any:
    """The request's scoped distributor-by-id loader."""
    return by_id_loader(context, "distributor", distributors_by_ids)


def retailer_loader(context: Context) -> Any:
    """The request's scoped retailer-by-id loader."""
    return by_id_loader(context, "retailer", retailers_by_ids)


def _geo(value: Any) -> GeoPoint | None:
    coords = point_coordinates(value)
    return None if coords is None else GeoPoint(latitude=coords[0], longitude=coords[1])


def distributor_node(row: Distributor) -> DistributorNode:
    """Map a row to its GraphQL object."""
    return DistributorNode(
        id=strawberry.ID(encode_global_id("Distributor", row.id)),
        code=row.code,
        name=row.name,
        tier=row.tier,
        address=row.address,
        location=_geo(row.location),
        credit_limit=Money(amount=row.credit_limit, currency=row.currency),
        credit_days=row.credit_days,
        tax_id=row.tax_id,
        phone=row.phone,
        is_active=row.is_active,
        created_at=row.created_at,
        territory_id=row.territory_id,
    )


def retailer_node(row: Retailer) -> RetailerNode:
    """Map a row to its GraphQL object."""
    location = _geo(row.location)
    assert location is not None
    return RetailerNode(
        id=strawberry.ID(encode_global_id("Retailer", row.id)),
        code=row.code,
        name=row.name,
        owner_name=row.owner_name,
        address=row.address,
        phone=row.phone,
        channel=row.channel,
        outlet_class=row.outlet_class,
        location=location,
        stored_hours=row.opening_hours,
        tax_id=row.tax_id,
        is_active=row.is_active,
        created_at=row.created_at,
        distributor_id=row.distributor_id,
        territory_id=row.territory_id,
    )


register_node("Distributor", distributors_by_ids, distributor_node)
register_node("Retailer", retailers_by_ids, retailer_node)
