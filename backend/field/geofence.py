"""Where and when a check-in happened relative to the outlet: geofence and opening hours."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from backend.field.models import OutsideGeofencePolicy
from backend.field.visit_models import GeofenceResult
from backend.kit.validation import parse_hhmm


@dataclass(frozen=True)
class GeofenceVerdict:
    """The geofence result, or None when the check-in must be refused."""

    result: GeofenceResult | None
    distance_m: float


def judge_geofence(
    distance_m: float, *, radius_m: float, policy: OutsideGeofencePolicy
) -> GeofenceVerdict:
    """Inside when the distance is at most the radius; outside is flagged or refused by policy."""
    if distance_m <= radius_m:
        return GeofenceVerdict(GeofenceResult.INSIDE, distance_m)
    if policy is OutsideGeofencePolicy.REFUSE:
        return GeofenceVerdict(None, distance_m)
    return GeofenceVerdict(GeofenceResult.OUTSIDE, distance_m)


def is_open_at(hours: Mapping[str, Sequence[Sequence[str]]], local: datetime) -> bool:
    """Whether an outlet is open at a local wall-clock time (windows include opening, not closing)."""
    minute = local.hour * 60 + local.minute
    for opens, closes in hours.get(str(local.weekday()), []):
        if parse_hhmm(opens) <= minute < parse_hhmm(closes):
            return True
    return False
