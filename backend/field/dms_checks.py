"""Extension point: commercial re-checks of a captured order (prices, credit, stock).

These rules belong to the distribution-management domains (secondary billing, credit, inventory),
which are not merged yet. They register a check here; `capture_order` runs every registered check
at capture and sync time. With none registered, no commercial check runs: nothing here pretends
to check prices, credit or stock.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal


@dataclass(frozen=True)
class OrderDraft:
    """A captured order about to be stored: outlet, serving distributor, SKU quantities, time."""

    retailer_id: uuid.UUID
    distributor_id: uuid.UUID
    lines: dict[uuid.UUID, int]
    at: datetime


# A check raises a JalurError (e.g. CreditLimitExceeded) to refuse the order.
OrderRecheck = Callable[[AsyncSession, Principal, OrderDraft, str], Awaitable[None]]
ORDER_RECHECKS: list[OrderRecheck] = []


def register_order_recheck(check: OrderRecheck) -> None:
    """Add a commercial check every captured order must pass (called by the DMS domains)."""
    ORDER_RECHECKS.append(check)


async def recheck_order(
    session: AsyncSession, *, principal: Principal, draft: OrderDraft, field: str
) -> None:
    """Run every registered commercial check on a captured order."""
    for check in ORDER_RECHECKS:
        await check(session, principal, draft, field)
