"""GraphQL object types of the field domain; every relation goes through a scoped DataLoader."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

import backend.field.graphql_enums  # noqa: F401  (enum descriptions first)
from backend.api.context import Context
from backend.api.loaders import by_id_loader, register_node
from backend.api.types import Connection, GeoPoint, Node
from backend.field import listing
from backend.field.graphql_orders import (
    CapturedOrderNode,
    SkuQuantity,
    captured_order_loader,
    captured_order_node,
    stock_lines_loader,
)
from backend.field.graphql_paging import After, First, page
from backend.field.models import (
    Beat,
    PjpChange,
    PjpChangeStatus,
    PjpEntry,
    Rep,
    SpeedProfile,
    VisitFrequency,
)
from backend.field.repository import (
    beats_by_ids,
    pjp_changes_by_ids,
    reps_by_ids,
    visits_by_ids,
)
from backend.field.sync import SyncOutcome
from backend.field.sync_models import SyncItemKind, SyncItemStatus
from backend.field.visit_models import GeofenceResult, NoOrderReason, Visit, VisitOutcome
from backend.identity.repository import users_by_ids
from backend.kit.geo import point_coordinates
from backend.kit.ids import encode_global_id
from backend.parties.graphql_types import retailer_loader, retailer_node

if TYPE_CHECKING:
    from backend.identity.graphql import UserNode
    from backend.parties.graphql_types import RetailerNode
    from backend.territories.graphql import TerritoryNode

UserRef = Annotated["UserNode", strawberry.lazy("backend.identity.graphql")]
RetailerRef = Annotated["RetailerNode", strawberry.lazy("backend.parties.graphql_types")]
TerritoryRef = Annotated["TerritoryNode", strawberry.lazy("backend.territories.graphql")]


def _geo(value: Any) -> GeoPoint:
    coords = point_coordinates(value)
    assert coords is not None
    return GeoPoint(latitude=coords[0], longitude=coords[1])


def rep_loader(context: Context) -> Any:
    """The request's scoped rep-by-id loader."""
    return by_id_loader(context, "rep", reps_by_ids)


def user_loader(context: Context) -> Any:
    """The request's scoped user-by-id loader."""
    return by_id_loader(context, "user", users_by_ids)


async def _rep(context: Context, rep_id: uuid.UUID) -> RepNode | None:
    row = await rep_loader(context).load(rep_id)
    return None if row is None else rep_node(row)


async def _retailer(context: Context, retailer_id: uuid.UUID) -> Any:
    row = await retailer_loader(context).load(retailer_id)
    return None if row is None else retailer_node(row)


@strawberry.type(
    name="Rep", description="A field rep: the REP user, territory, start point, shift."
)
class RepNode(Node):
    start_point: GeoPoint = strawberry.field(description="Where the working day starts.")
    shift_start: time = strawberry.field(description="Shift start, local time.")
    shift_end: time = strawberry.field(description="Shift end, local time.")
    break_minutes: int = strawberry.field(description="Break taken during the shift, minutes.")
    speed_profile: SpeedProfile = strawberry.field(description="How the rep travels.")
    max_visits_per_day: int = strawberry.field(description="Most calls a day.")
    user_id: strawberry.Private[uuid.UUID]
    territory_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The rep's user account.")
    async def user(self, info: strawberry.Info[Context, None]) -> UserRef | None:
        from backend.identity.graphql import user_node

        row = await user_loader(info.context).load(self.user_id)
        return None if row is None else user_node(row)

    @strawberry.field(description="The territory the rep works.")
    async def territory(self, info: strawberry.Info[Context, None]) -> TerritoryRef | None:
        from backend.territories.graphql import territory_loader, territory_node

        row = await territory_loader(info.context).load(self.territory_id)
        return None if row is None else territory_node(row)


@strawberry.type(description="An outlet of a beat and its place in the visiting order.")
class BeatOutlet:
    position: int = strawberry.field(description="0-based place in the beat's usual order.")
    retailer_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The outlet.")
    async def retailer(self, info: strawberry.Info[Context, None]) -> RetailerRef | None:
        return await _retailer(info.context, self.retailer_id)


@strawberry.type(name="Beat", description="A named set of outlets a rep covers in one day.")
class BeatNode(Node):
    code: str = strawberry.field(description="Unique code in the tenant.")
    name: str = strawberry.field(description="Name, e.g. 'Menteng Monday'.")
    beat_id: strawberry.Private[uuid.UUID]
    rep_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The rep who works the beat.")
    async def rep(self, info: strawberry.Info[Context, None]) -> RepNode | None:
        return await _rep(info.context, self.rep_id)

    @strawberry.field(description="The beat's outlets in visiting order.")
    async def outlets(
        self, info: strawberry.Info[Context, None], first: First, after: After = None
    ) -> Connection[BeatOutlet]:
        stmt = listing.beat_outlets_query(await info.context.principal(), self.beat_id)
        return await page(
            info,
            stmt,
            listing.position_key(),
            first,
            after,
            lambda r: f"{r.position:06d}",
            lambda r: BeatOutlet(position=r.position, retailer_id=r.retailer_id),
        )


@strawberry.type(
    name="PjpLine", description="A beat on a weekday at a frequency, over a date range."
)
class PjpLineNode:
    weekday: int = strawberry.field(description="0 = Monday … 6 = Sunday.")
    frequency: VisitFrequency = strawberry.field(description="How often the line repeats.")
    week_parity: int | None = strawberry.field(
        description="Fortnightly: 0 or 1 (weeks from 2001-01-01)."
    )
    week_of_month: int | None = strawberry.field(description="Monthly: the nth weekday, 1–5.")
    valid_from: date = strawberry.field(description="First date the line applies.")
    valid_to: date | None = strawberry.field(description="Last date, or null while current.")
    beat_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The beat worked.")
    async def beat(self, info: strawberry.Info[Context, None]) -> BeatNode | None:
        row = await by_id_loader(info.context, "beat", beats_by_ids).load(self.beat_id)
        return None if row is None else beat_node(row)


@strawberry.type(name="PjpChange", description="A proposed new PJP for a rep from a date.")
class PjpChangeNode(Node):
    effective_from: date = strawberry.field(description="Date the new lines start.")
    status: PjpChangeStatus = strawberry.field(description="Where the proposal stands.")
    reason: str = strawberry.field(description="Why the change was proposed.")
    lines: list[PjpLineNode] = strawberry.field(description="The proposed lines (a handful).")
    decided_at: datetime | None = strawberry.field(description="When it was decided (UTC).")
    decision_note: str | None = strawberry.field(description="The manager's note.")
    created_at: datetime = strawberry.field(description="When it was proposed (UTC).")
    rep_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The rep whose PJP changes.")
    async def rep(self, info: strawberry.Info[Context, None]) -> RepNode | None:
        return await _rep(info.context, self.rep_id)


@strawberry.type(name="Visit", description="A geofenced call at an outlet.")
class VisitNode(Node):
    visit_date: date = strawberry.field(description="Business date in the tenant's time zone.")
    checked_in_at: datetime = strawberry.field(description="Check-in time (UTC).")
    check_in_position: GeoPoint = strawberry.field(description="Where the phone was.")
    check_in_accuracy_m: float = strawberry.field(description="GPS accuracy reported, metres.")
    distance_m: float = strawberry.field(description="Distance from the outlet, metres.")
    geofence: GeofenceResult = strawberry.field(description="Inside or outside (flagged).")
    outside_opening_hours: bool = strawberry.field(
        description="Checked in while the shop was closed."
    )
    checked_out_at: datetime | None = strawberry.field(description="Check-out time (UTC).")
    duration_seconds: int | None = strawberry.field(description="Check-in to check-out, seconds.")
    outcome: VisitOutcome | None = strawberry.field(description="Productive or not, once closed.")
    no_order_reason: NoOrderReason | None = strawberry.field(description="Why no order.")
    photo_refs: list[str] = strawberry.field(description="References of photos taken (≤ 20).")
    visit_id: strawberry.Private[uuid.UUID]
    rep_id: strawberry.Private[uuid.UUID]
    retailer_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The rep who called.")
    async def rep(self, info: strawberry.Info[Context, None]) -> RepNode | None:
        return await _rep(info.context, self.rep_id)

    @strawberry.field(description="The outlet visited.")
    async def retailer(self, info: strawberry.Info[Context, None]) -> RetailerRef | None:
        return await _retailer(info.context, self.retailer_id)

    @strawberry.field(description="The order captured at the visit, if any.")
    async def captured_order(
        self, info: strawberry.Info[Context, None]
    ) -> CapturedOrderNode | None:
        rows = await captured_order_loader(info.context).load(self.visit_id)
        return captured_order_node(rows[0]) if rows else None

    @strawberry.field(description="Shelf counts taken at the visit (latest per SKU).")
    async def stock_count(self, info: strawberry.Info[Context, None]) -> list[SkuQuantity]:
        rows = await stock_lines_loader(info.context).load(self.visit_id)
        return [SkuQuantity(quantity=r.quantity, product_id=r.product_id) for r in rows]


@strawberry.type(description="What became of one offline item.")
class SyncItemOutcome:
    client_id: strawberry.ID = strawberry.field(description="The phone's id for the item.")
    sequence: int = strawberry.field(description="The item's per-device sequence number.")
    kind: SyncItemKind = strawberry.field(description="What the item records.")
    status: SyncItemStatus = strawberry.field(description="Accepted or rejected.")
    retryable: bool = strawberry.field(
        description="Rejected only for now: send the item again later."
    )
    code: str | None = strawberry.field(description="Why it was rejected.")
    field: str | None = strawberry.field(description="The item field at fault.")
    message: str | None = strawberry.field(description="A sentence for the rep.")


def rep_node(row: Rep) -> RepNode:
    """Map a row to its GraphQL object."""
    return RepNode(
        id=strawberry.ID(encode_global_id("Rep", row.id)),
        start_point=_geo(row.start_location),
        shift_start=row.shift_start,
        shift_end=row.shift_end,
        break_minutes=row.break_minutes,
        speed_profile=row.speed_profile,
        max_visits_per_day=row.max_visits_per_day,
        user_id=row.user_id,
        territory_id=row.territory_id,
    )


def beat_node(row: Beat) -> BeatNode:
    """Map a row to its GraphQL object."""
    return BeatNode(
        id=strawberry.ID(encode_global_id("Beat", row.id)),
        code=row.code,
        name=row.name,
        beat_id=row.id,
        rep_id=row.rep_id,
    )


def pjp_line_node(row: PjpEntry) -> PjpLineNode:
    """Map a stored PJP line to its GraphQL object."""
    return PjpLineNode(
        weekday=row.weekday,
        frequency=row.frequency,
        week_parity=row.week_parity,
        week_of_month=row.week_of_month,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        beat_id=row.beat_id,
    )


def pjp_change_node(row: PjpChange) -> PjpChangeNode:
    """Map a row to its GraphQL object."""
    return PjpChangeNode(
        id=strawberry.ID(encode_global_id("PjpChange", row.id)),
        effective_from=row.effective_from,
        status=row.status,
        reason=row.reason,
        lines=[
            PjpLineNode(
                weekday=int(line["weekday"]),
                frequency=VisitFrequency(line["frequency"]),
                week_parity=line["week_parity"],
                week_of_month=line["week_of_month"],
                valid_from=row.effective_from,
                valid_to=None,
                beat_id=uuid.UUID(str(line["beat_id"])),
            )
            for line in row.entries
        ],
        decided_at=row.decided_at,
        decision_note=row.decision_note,
        created_at=row.created_at,
        rep_id=row.rep_id,
    )


def visit_node(row: Visit) -> VisitNode:
    """Map a row to its GraphQL object."""
    return VisitNode(
        id=strawberry.ID(encode_global_id("Visit", row.id)),
        visit_date=row.visit_date,
        checked_in_at=row.checked_in_at,
        check_in_position=_geo(row.check_in_location),
        check_in_accuracy_m=row.check_in_accuracy_m,
        distance_m=row.distance_m,
        geofence=row.geofence,
        outside_opening_hours=row.outside_opening_hours,
        checked_out_at=row.checked_out_at,
        duration_seconds=row.duration_seconds,
        outcome=row.outcome,
        no_order_reason=row.no_order_reason,
        photo_refs=list(row.photo_refs),
        visit_id=row.id,
        rep_id=row.rep_id,
        retailer_id=row.retailer_id,
    )


def outcome_node(outcome: SyncOutcome) -> SyncItemOutcome:
    """Map a sync outcome to its GraphQL object."""
    return SyncItemOutcome(
        client_id=strawberry.ID(str(outcome.client_id)),
        sequence=outcome.sequence,
        kind=outcome.kind,
        status=outcome.status,
        retryable=outcome.retryable,
        code=outcome.code,
        field=outcome.field,
        message=outcome.message,
    )


register_node("Rep", reps_by_ids, rep_node)
register_node("Beat", beats_by_ids, beat_node)
register_node("PjpChange", pjp_changes_by_ids, pjp_change_node)
register_node("Visit", visits_by_ids, visit_node)
