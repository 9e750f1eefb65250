"""What claims refuse."""

from __future__ import annotations

from backend.kit.errors import JalurError


class OverClaimed(JalurError):
    """More claimed than was invoiced less what was already claimed."""

    code = "OVER_CLAIMED"


class ClaimStateError(JalurError):
    """The claim is not in a state that allows this action."""

    code = "INVALID_CLAIM_STATE"
