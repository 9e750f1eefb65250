"""Extension point of a captured order for the distribution-management domains.

Field does not import them (they import field): they register here instead. Capture hooks
(`register_on_capture`) run right after the order and its lines are stored, in the same
transaction: secondary billing converts the order into a secondary order at the serving
distributor there, deciding credit under the retailer's lock. A hook raises a JalurError to refuse
the capture (nothing of it is kept) or returns a note for the rep (e.g. "held for credit").
With nothing registered, no commercial check runs: nothing here pretends to check prices, credit
or stock.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal

# A hook gets the stored captured order's id; it returns a note for the rep, or None.
OnCapture = Callable[[AsyncSession, Principal, uuid.UUID, str], Awaitable[str | None]]
ON_CAPTURE: list[OnCapture] = []


def register_on_capture(hook: OnCapture) -> None:
    """Add a step every stored captured order goes through (called by the DMS domains)."""
    ON_CAPTURE.append(hook)


async def after_capture(
    session: AsyncSession, *, principal: Principal, order_id: uuid.UUID, field: str
) -> str | None:
    """Run every capture hook; the notes they return, joined, or None."""
    notes = [await hook(session, principal, order_id, field) for hook in ON_CAPTURE]
    kept = [n for n in notes if n]
    return "; ".join(kept) if kept else None
