"""What the scheme domain refuses, and the codes of its input checks."""

from __future__ import annotations

from decimal import Decimal

from backend.kit.errors import JalurError

# Codes of input checks (raised as ValidationFailed with these codes and a field path).
SLABS_NOT_ASCENDING = "SLABS_NOT_ASCENDING"
SLAB_PERCENT_DECREASES = "SLAB_PERCENT_DECREASES"
PERCENT_OUT_OF_RANGE = "PERCENT_OUT_OF_RANGE"
INVALID_VALIDITY = "INVALID_VALIDITY"
INVALID_QUANTITY = "INVALID_QUANTITY"
EMPTY_BUNDLE = "EMPTY_BUNDLE"
UNKNOWN_SKU = "UNKNOWN_SKU"
UNKNOWN_BRAND = "UNKNOWN_BRAND"
UNKNOWN_CATEGORY = "UNKNOWN_CATEGORY"
UNKNOWN_PARTY = "UNKNOWN_PARTY"
NOT_FOR_FLOW = "NOT_FOR_FLOW"
INVALID_AMOUNT = "INVALID_AMOUNT"


class SchemeBudgetExhausted(JalurError):
    """Consuming this amount would take the scheme past its budget."""

    code = "SCHEME_BUDGET_EXHAUSTED"

    def __init__(self, scheme_code: str, asked: Decimal, left: Decimal) -> None:
        super().__init__(
            f"scheme {scheme_code} has {left} of budget left; {asked} was asked",
            details={"scheme": scheme_code, "asked": str(asked), "left": str(left)},
        )
        self.scheme_code = scheme_code


class SchemeStateError(JalurError):
    """The scheme is not in a state that allows this action."""

    code = "INVALID_SCHEME_STATE"


class SchemeExpired(JalurError):
    """The scheme's validity has ended, so it cannot be (re)activated."""

    code = "SCHEME_EXPIRED"
