"""The kinds of offline item and how each is applied (through the same services as online)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.field import visits
from backend.field.models import Rep
from backend.field.sync_models import SyncItemKind
from backend.kit.errors import JalurError


@dataclass(frozen=True)
class StockCount:
    """Shelf counts taken at a visit."""

    visit_id: uuid.UUID
    lines: dict[uuid.UUID, int]


@dataclass(frozen=True)
class OrderCapture:
    """An order taken at a visit."""

    visit_id: uuid.UUID
    lines: dict[uuid.UUID, int]
    at: datetime


@dataclass(frozen=True)
class MalformedItem:
    """An item whose payload could not be read (kept so its rejection is stored)."""

    error: JalurError


Payload = (
    visits.CheckIn | visits.CheckOut | StockCount | OrderCapture | visits.Collection | MalformedItem
)


@dataclass(frozen=True)
class SyncEntry:
    """One offline item: the phone's id for it, its per-device sequence, what it records."""

    client_id: uuid.UUID
    sequence: int
    kind: SyncItemKind
    payload: Payload


async def apply_payload(
    session: AsyncSession, *, principal: Principal, rep: Rep, entry: SyncEntry
) -> str | None:
    """Apply one item's effects for the rep (raises a JalurError to refuse it); returns a note
    for the rep on an accepted item (a captured order held for credit), or None."""
    payload, field = entry.payload, "item"
    if isinstance(payload, MalformedItem):
        raise payload.error
    if isinstance(payload, visits.CheckIn):
        await visits.check_in(session, principal=principal, rep=rep, data=payload, field=field)
    elif isinstance(payload, visits.CheckOut):
        await visits.check_out(session, rep=rep, data=payload, field=field)
    elif isinstance(payload, StockCount):
        await visits.record_stock_count(
            session,
            rep=rep,
            visit_id=payload.visit_id,
            lines=payload.lines,
            sequence=entry.sequence,
            field=field,
        )
    elif isinstance(payload, OrderCapture):
        captured = await visits.capture_order(
            session,
            principal=principal,
            rep=rep,
            order_id=entry.client_id,
            visit_id=payload.visit_id,
            lines=payload.lines,
            at=payload.at,
            field=field,
        )
        return captured.note
    else:
        await visits.record_collection(
            session, principal=principal, rep=rep, data=payload, field=field
        )
    return None
