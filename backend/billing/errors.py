"""What billing refuses."""

from __future__ import annotations

from backend.kit.errors import JalurError


class OverInvoiced(JalurError):
    """More would be invoiced than remains on the order line."""

    code = "OVER_INVOICED"


class OverAllocated(JalurError):
    """An allocation larger than the payment or than what the document still owes."""

    code = "OVER_ALLOCATED"


class DocumentStateError(JalurError):
    """The document or payment is not in a state that allows this action."""

    code = "INVALID_DOCUMENT_STATE"


class OverReturned(JalurError):
    """More units returned than the invoice billed, less what was already returned."""

    code = "OVER_RETURNED"
