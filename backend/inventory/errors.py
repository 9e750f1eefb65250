"""What distributor stock refuses."""

from __future__ import annotations

from backend.kit.errors import JalurError


class InsufficientStock(JalurError):
    """A movement would take stock below zero."""

    code = "INSUFFICIENT_STOCK"


class BatchMismatch(JalurError):
    """A batch is already recorded with another expiry date."""

    code = "BATCH_MISMATCH"
