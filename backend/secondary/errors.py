"""What secondary sales refuse (credit refusals reuse the primary codes)."""

from __future__ import annotations

from backend.kit.errors import JalurError


class OrderStateError(JalurError):
    """The secondary order is not in a state that allows this action."""

    code = "INVALID_TRANSITION"


class NothingToBill(JalurError):
    """No unit of the order could be billed (nothing left, or nothing in stock)."""

    code = "NOTHING_TO_BILL"


class AlreadyConverted(JalurError):
    """The captured order was already converted or cancelled."""

    code = "ALREADY_CONVERTED"


class ReturnNotAllowed(JalurError):
    """The return breaks an eligibility rule (window, batch, quantity)."""

    code = "RETURN_NOT_ALLOWED"
