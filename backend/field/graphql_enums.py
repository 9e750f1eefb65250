"""GraphQL descriptions of the field enums, registered before any type or input uses them."""

from __future__ import annotations

import strawberry

from backend.field.goal_models import GoalMetric, GoalOwner
from backend.field.models import (
    OutsideGeofencePolicy,
    PjpChangeStatus,
    SpeedProfile,
    VisitFrequency,
)
from backend.field.sync_models import SyncItemKind, SyncItemStatus
from backend.field.visit_models import (
    CapturedOrderStatus,
    CollectionMethod,
    GeofenceResult,
    NoOrderReason,
    VisitOutcome,
)

strawberry.enum(SpeedProfile, description="How a rep travels: WALKING, MOTORBIKE or CAR.")
strawberry.enum(VisitFrequency, description="WEEKLY, FORTNIGHTLY (by week parity) or MONTHLY.")
strawberry.enum(PjpChangeStatus, description="PROPOSED, then APPROVED or REJECTED.")
strawberry.enum(OutsideGeofencePolicy, description="FLAG (accept, flagged) or REFUSE.")
strawberry.enum(GeofenceResult, description="INSIDE or OUTSIDE the outlet's geofence.")
strawberry.enum(VisitOutcome, description="PRODUCTIVE (order captured) or NO_ORDER.")
strawberry.enum(NoOrderReason, description="Why a call ended without an order.")
strawberry.enum(SyncItemKind, description="What an offline item records.")
strawberry.enum(SyncItemStatus, description="ACCEPTED, or REJECTED with a code.")
strawberry.enum(GoalMetric, description="What a goal measures.")
strawberry.enum(GoalOwner, description="Whose goal it is: TERRITORY, REP or DISTRIBUTOR.")
strawberry.enum(CollectionMethod, description="CASH, TRANSFER or CHEQUE.")
strawberry.enum(
    CapturedOrderStatus, description="CAPTURED, then CONVERTED or CANCELLED by billing."
)
