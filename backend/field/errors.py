"""Field-sales failures, named for the condition, each with its code."""

from __future__ import annotations

from backend.kit.errors import JalurError


class RepProfileMissing(JalurError):
    """The signed-in REP user has no rep profile (territory, shift) yet."""

    code = "REP_PROFILE_MISSING"


class OutsideGeofence(JalurError):
    """A check-in too far from the outlet, where the tenant refuses such check-ins."""

    code = "OUTSIDE_GEOFENCE"


class VisitAlreadyCheckedOut(JalurError):
    """The visit is closed: it cannot be checked out again or take an order."""

    code = "VISIT_ALREADY_CHECKED_OUT"


class ProductiveWithoutOrder(JalurError):
    """A visit closed as productive has no captured order (yet)."""

    code = "PRODUCTIVE_WITHOUT_ORDER"


class OrderAlreadyCaptured(JalurError):
    """The visit already has its captured order."""

    code = "ORDER_ALREADY_CAPTURED"


class DependencyMissing(JalurError):
    """The item refers to an earlier item (a visit) not received yet: send it again later."""

    code = "DEPENDENCY_MISSING"


class DeviceBoundToAnotherUser(JalurError):
    """The device id is already bound to another user."""

    code = "DEVICE_BOUND_TO_ANOTHER_USER"


class ClientIdReused(JalurError):
    """A client id already used by another device or for another kind of item."""

    code = "CLIENT_ID_REUSED"


class PjpChangeNotPending(JalurError):
    """The PJP change was already approved or rejected."""

    code = "PJP_CHANGE_NOT_PENDING"


class SharesDoNotAddUp(JalurError):
    """A cascade's shares must add up to exactly 1."""

    code = "SHARES_DO_NOT_ADD_UP"


# Codes a phone should retry later rather than show as final.
RETRYABLE_CODES = frozenset({DependencyMissing.code, ProductiveWithoutOrder.code})


class GoalOverlaps(JalurError):
    """A distributor already has a primary sales target for part of the period."""

    code = "GOAL_OVERLAPS"
