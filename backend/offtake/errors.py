"""What offtake refuses, and the codes of row-level rejections in a sell-out feed."""

from __future__ import annotations

import enum

from backend.kit.errors import JalurError


class FeedRefused(JalurError):
    """The feed as a whole cannot be read (no header, missing columns, not UTF-8, too big)."""

    code = "FEED_REFUSED"


class RejectionCode(enum.StrEnum):
    """Why one row of a sell-out feed was not kept (the other rows are kept)."""

    MISSING_VALUE = "MISSING_VALUE"
    TOO_LONG = "TOO_LONG"
    WRONG_FIELD_COUNT = "WRONG_FIELD_COUNT"
    INVALID_DATE = "INVALID_DATE"
    DATE_IN_FUTURE = "DATE_IN_FUTURE"
    DATE_TOO_OLD = "DATE_TOO_OLD"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INVALID_VALUE = "INVALID_VALUE"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    CURRENCY_WITHOUT_VALUE = "CURRENCY_WITHOUT_VALUE"
    UNKNOWN_RETAILER = "UNKNOWN_RETAILER"
    UNKNOWN_SKU = "UNKNOWN_SKU"
    DUPLICATE_IN_FILE = "DUPLICATE_IN_FILE"
    CONFLICTS_WITH_EARLIER_IMPORT = "CONFLICTS_WITH_EARLIER_IMPORT"
