"""What the planner reads from the ranking domain: each retailer's expected offtake, with reasons.

The day planner depends on this contract only, not on how the figure is made (an activated
scikit-learn model's nightly scores, or the baseline production falls back to).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class ExpectedOfftake:
    """The value a retailer is expected to buy over the next `horizon_days`, and why."""

    retailer_id: uuid.UUID
    value: Decimal
    horizon_days: int
    reasons: tuple[str, ...]
    source: str  # the model version, or "baseline:<name>"


class ExpectedOfftakeSource(Protocol):
    """Expected offtake for the given retailers as of a date; retailers without a figure are absent."""

    async def __call__(
        self, session: AsyncSession, *, retailer_ids: Sequence[uuid.UUID], as_of: date
    ) -> dict[uuid.UUID, ExpectedOfftake]: ...
