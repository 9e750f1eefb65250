"""What primary ordering refuses."""

from __future__ import annotations

from backend.kit.errors import JalurError


class InvalidTransition(JalurError):
    """The order (or document) is not in a state that allows this action."""

    code = "INVALID_TRANSITION"


class CreditLimitExceeded(JalurError):
    """Outstanding plus this order would pass the distributor's credit limit."""

    code = "CREDIT_LIMIT_EXCEEDED"


class OverdueInvoices(JalurError):
    """The distributor has invoices overdue past its credit days."""

    code = "OVERDUE_INVOICES"


class NoPrice(JalurError):
    """No price list row is in force for the SKU, tier and date."""

    code = "NO_PRICE"
