"""GraphQL inputs of the field domain and their decoding into service arguments."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal

import strawberry

import backend.field.graphql_enums  # noqa: F401  (enum descriptions first)
from backend.api.types import GeoPointInput
from backend.field.goal_models import GoalMetric
from backend.field.models import OutsideGeofencePolicy, SpeedProfile, VisitFrequency
from backend.field.pjp import PjpLineDraft
from backend.field.reps import RepProfile
from backend.field.visit_models import CollectionMethod, NoOrderReason, VisitOutcome
from backend.kit.errors import ValidationFailed
from backend.kit.ids import decode_typed_id
from backend.parties.graphql import MoneyInput

KEY_DESCRIPTION = "Client-generated key: a retry with it returns the first result."


@strawberry.input(description="A REP user's rep profile (created, or replaced when it exists).")
class SaveRepInput:
    user_id: strawberry.ID = strawberry.field(description="The REP user.")
    start_point: GeoPointInput = strawberry.field(description="Where the day starts.")
    shift_start: time = strawberry.field(description="Shift start, local time.")
    shift_end: time = strawberry.field(description="Shift end, local time.")
    break_minutes: int = strawberry.field(description="Break during the shift, 0–240 minutes.")
    speed_profile: SpeedProfile = strawberry.field(description="How the rep travels.")
    max_visits_per_day: int = strawberry.field(description="Most calls a day, 1–100.")


@strawberry.input(description="A beat to create.")
class CreateBeatInput:
    rep_id: strawberry.ID = strawberry.field(description="The rep who works it.")
    code: str = strawberry.field(description="Unique code in the tenant.")
    name: str = strawberry.field(description="Name.")
    retailer_ids: list[strawberry.ID] = strawberry.field(description="Outlets, in visiting order.")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY_DESCRIPTION)


@strawberry.input(description="A PJP line: a beat on a weekday at a frequency.")
class PjpLineInput:
    beat_id: strawberry.ID = strawberry.field(description="The beat.")
    weekday: int = strawberry.field(description="0 = Monday … 6 = Sunday.")
    frequency: VisitFrequency = strawberry.field(description="How often.")
    week_parity: int | None = strawberry.field(default=None, description="Fortnightly: 0 or 1.")
    week_of_month: int | None = strawberry.field(default=None, description="Monthly: 1–5.")


@strawberry.input(description="A new PJP for a rep from a date, for a manager to approve.")
class ProposePjpChangeInput:
    rep_id: strawberry.ID = strawberry.field(description="The rep.")
    effective_from: date = strawberry.field(description="First date of the new PJP.")
    lines: list[PjpLineInput] = strawberry.field(description="The whole new PJP.")
    reason: str = strawberry.field(default="", description="Why.")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY_DESCRIPTION)


@strawberry.input(description="A manager's decision on a proposed PJP change.")
class DecidePjpChangeInput:
    id: strawberry.ID = strawberry.field(description="The change.")
    approve: bool = strawberry.field(description="True approves (it takes effect), false rejects.")
    note: str | None = strawberry.field(default=None, description="A note for the rep.")


@strawberry.input(description="A check-in at an outlet.")
class CheckInVisitInput:
    visit_id: uuid.UUID = strawberry.field(
        description="Client-generated id of the visit (a retry reuses it)."
    )
    retailer_id: strawberry.ID = strawberry.field(description="The outlet.")
    position: GeoPointInput = strawberry.field(description="The phone's GPS position.")
    accuracy_m: float = strawberry.field(description="The GPS accuracy, metres.")
    at: datetime = strawberry.field(description="When, with a time zone.")


@strawberry.input(description="A check-out with the call's outcome.")
class CheckOutVisitInput:
    visit_id: uuid.UUID = strawberry.field(description="The visit's id (as given at check-in).")
    at: datetime = strawberry.field(description="When, with a time zone.")
    outcome: VisitOutcome = strawberry.field(description="Productive needs a captured order.")
    no_order_reason: NoOrderReason | None = strawberry.field(
        default=None, description="For NO_ORDER."
    )
    photo_refs: list[str] = strawberry.field(default_factory=list, description="Photo references.")


@strawberry.input(description="An order captured at an open visit.")
class CaptureVisitOrderInput:
    order_id: uuid.UUID = strawberry.field(description="Client-generated id (a retry reuses it).")
    visit_id: uuid.UUID = strawberry.field(description="The open visit.")
    at: datetime = strawberry.field(description="When, with a time zone.")
    lines: list[SkuQuantityInput] = strawberry.field(description="Units ordered per SKU.")


@strawberry.input(description="A SKU and a quantity.")
class SkuQuantityInput:
    product_id: strawberry.ID = strawberry.field(description="The SKU.")
    quantity: int = strawberry.field(description="Units.")


@strawberry.input(description="Offline check-in; the item's client id becomes the visit's id.")
class SyncCheckInInput:
    retailer_id: strawberry.ID = strawberry.field(description="The outlet.")
    position: GeoPointInput = strawberry.field(description="The phone's GPS position.")
    accuracy_m: float = strawberry.field(description="GPS accuracy, metres.")
    at: datetime = strawberry.field(description="When, with a time zone.")


@strawberry.input(description="Offline shelf count at a visit.")
class SyncStockCountInput:
    visit_id: uuid.UUID = strawberry.field(description="The check-in item's client id.")
    lines: list[SkuQuantityInput] = strawberry.field(description="Units counted per SKU.")


@strawberry.input(description="Offline order captured at a visit.")
class SyncCapturedOrderInput:
    visit_id: uuid.UUID = strawberry.field(description="The check-in item's client id.")
    at: datetime = strawberry.field(description="When, with a time zone.")
    lines: list[SkuQuantityInput] = strawberry.field(description="Units ordered per SKU.")


@strawberry.input(description="Offline record of money collected.")
class SyncCollectionInput:
    retailer_id: strawberry.ID = strawberry.field(description="The paying outlet.")
    amount: MoneyInput = strawberry.field(description="Amount, in the tenant's currency.")
    method: CollectionMethod = strawberry.field(description="How it was paid.")
    at: datetime = strawberry.field(description="When, with a time zone.")
    visit_id: uuid.UUID | None = strawberry.field(default=None, description="The visit, if any.")
    reference: str | None = strawberry.field(default=None, description="Receipt or transfer ref.")


@strawberry.input(description="One offline item; give exactly the part that matches its kind.")
class SyncItemInput:
    client_id: uuid.UUID = strawberry.field(description="Client-generated id, unique per item.")
    sequence: int = strawberry.field(description="The device's sequence number of the item.")
    check_in: SyncCheckInInput | None = strawberry.field(default=None, description="A check-in.")
    check_out: CheckOutVisitInput | None = strawberry.field(
        default=None, description="A check-out."
    )
    stock_count: SyncStockCountInput | None = strawberry.field(default=None, description="A count.")
    captured_order: SyncCapturedOrderInput | None = strawberry.field(
        default=None, description="An order."
    )
    collection: SyncCollectionInput | None = strawberry.field(default=None, description="Money.")


@strawberry.input(description="A batch of offline items from one device.")
class SyncFieldActivityInput:
    device_id: str = strawberry.field(description="The phone's id; bound to the first user.")
    items: list[SyncItemInput] = strawberry.field(description="Items, any order (≤ 500).")


@strawberry.input(description="The tenant's geofence rules.")
class SetFieldSettingsInput:
    geofence_radius_m: float = strawberry.field(description="Radius around an outlet, metres.")
    outside_geofence: OutsideGeofencePolicy = strawberry.field(
        description="Flag or refuse outside."
    )


@strawberry.input(description="A goal to set.")
class SetGoalInput:
    owner_id: strawberry.ID = strawberry.field(description="A Territory, Rep or Distributor id.")
    metric: GoalMetric = strawberry.field(description="What is measured.")
    period_start: date = strawberry.field(description="First day.")
    period_end: date = strawberry.field(description="Last day.")
    target: Decimal = strawberry.field(description="Target, a decimal string.")
    subject: str | None = strawberry.field(
        default=None, description="SKU/brand/category for volumes."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=KEY_DESCRIPTION)


@strawberry.input(description="A rep's share of a cascaded territory goal.")
class GoalShareInput:
    rep_id: strawberry.ID = strawberry.field(description="The rep.")
    share: Decimal = strawberry.field(description="Share in (0, 1]; shares add up to 1.")


@strawberry.input(description="Split a territory goal among its reps.")
class CascadeGoalInput:
    goal_id: strawberry.ID = strawberry.field(description="The territory goal.")
    shares: list[GoalShareInput] = strawberry.field(description="Each rep once.")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY_DESCRIPTION)


def rep_profile(data: SaveRepInput) -> RepProfile:
    """Decode a rep profile input."""
    return RepProfile(
        user_id=decode_typed_id(data.user_id, "User", field="input.userId"),
        start_latitude=data.start_point.latitude,
        start_longitude=data.start_point.longitude,
        shift_start=data.shift_start,
        shift_end=data.shift_end,
        break_minutes=data.break_minutes,
        speed_profile=data.speed_profile,
        max_visits_per_day=data.max_visits_per_day,
    )


def pjp_lines(lines: list[PjpLineInput]) -> list[PjpLineDraft]:
    """Decode PJP line inputs."""
    return [
        PjpLineDraft(
            beat_id=decode_typed_id(line.beat_id, "Beat", field=f"input.lines[{i}].beatId"),
            weekday=line.weekday,
            frequency=line.frequency,
            week_parity=line.week_parity,
            week_of_month=line.week_of_month,
        )
        for i, line in enumerate(lines)
    ]


def sku_lines(lines: list[SkuQuantityInput], field: str) -> dict[uuid.UUID, int]:
    """Decode SKU lines; a SKU listed twice is refused."""
    decoded: dict[uuid.UUID, int] = {}
    for i, line in enumerate(lines):
        product_id = decode_typed_id(line.product_id, "Product", field=f"{field}[{i}].productId")
        if product_id in decoded:
            raise ValidationFailed("a SKU is listed twice", field=f"{field}[{i}].productId")
        decoded[product_id] = line.quantity
    return decoded
