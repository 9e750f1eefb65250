"""Offline sync: each item a phone recorded is applied exactly once, with a stored outcome.

An item is claimed by inserting its `sync_item` row (unique per tenant and client id) before its
effects run, in the same transaction: a concurrent copy of the item waits on that row and then
reads the outcome instead of applying it again. Effects run in a savepoint, so a refused item
leaves only its REJECTED outcome. A rejection with a retryable code (an item that needs an earlier
item not received yet) is re-applied when the item comes again; every other outcome is final.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.field.errors import RETRYABLE_CODES, ClientIdReused, DeviceBoundToAnotherUser
from backend.field.models import Rep
from backend.field.sync_models import FieldDevice, SyncItem, SyncItemKind, SyncItemStatus
from backend.field.sync_payloads import OrderCapture, SyncEntry, apply_payload
from backend.field.visit_models import Visit
from backend.field.visits import CheckIn, acting_rep
from backend.kit.constraints import translate_integrity_error
from backend.kit.errors import JalurError, ValidationFailed
from backend.kit.validation import Checks
from backend.parties.models import Retailer

log = logging.getLogger(__name__)
MAX_BATCH = 500
MAX_DEVICE_CODE = 100
IN_PROGRESS = "IN_PROGRESS"


@dataclass(frozen=True)
class SyncOutcome:
    """What became of one item."""

    client_id: uuid.UUID
    sequence: int
    kind: SyncItemKind
    status: SyncItemStatus
    retryable: bool = False
    code: str | None = None
    field: str | None = None
    message: str | None = None


async def sync_field_activity(
    session: AsyncSession, *, principal: Principal, device_code: str, entries: Sequence[SyncEntry]
) -> list[SyncOutcome]:
    """Apply a batch of offline items from the signed-in rep's device, in sequence order."""
    rep = await acting_rep(session, principal)
    checks = Checks()
    checks.text("input.deviceId", device_code, max_length=MAX_DEVICE_CODE)
    if len(entries) > MAX_BATCH:
        checks.fail("input.items", f"send at most {MAX_BATCH} items a batch")
    for index, entry in enumerate(entries):
        if entry.sequence < 0:
            checks.fail(f"input.items[{index}].sequence", "must be 0 or more")
    checks.raise_if_any()
    device_id = await bind_device(session, principal, device_code)
    await lock_ordering_retailers(session, entries)
    ordered = sorted(entries, key=lambda e: (e.sequence, str(e.client_id)))
    return [await _apply_once(session, principal, rep, device_id, entry) for entry in ordered]


async def bind_device(session: AsyncSession, principal: Principal, device_code: str) -> uuid.UUID:
    """The device's id, bound to the signed-in user on first use and locked for this batch."""
    await session.execute(
        insert(FieldDevice)
        .values(tenant_id=principal.tenant_id, device_code=device_code, user_id=principal.user_id)
        .on_conflict_do_nothing(index_elements=["tenant_id", "device_code"])
    )
    # The lock makes one device's batches run one after another: a phone that resends while a
    # slow batch is still running waits, and lock order between items can never cross.
    device = (
        await session.execute(
            select(FieldDevice).where(FieldDevice.device_code == device_code).with_for_update()
        )
    ).scalar_one()
    if device.user_id != principal.user_id:
        raise DeviceBoundToAnotherUser(
            "this device is registered to another user", field="input.deviceId"
        )
    return device.id


async def lock_ordering_retailers(session: AsyncSession, entries: Sequence[SyncEntry]) -> None:
    """Lock the retailers the batch's orders are for, in id order, before any item runs.

    A captured order's credit is decided under its retailer's row lock (held until commit). Taken
    item by item, two reps whose batches order from the same outlets in different orders would
    deadlock; taken up front in one order, concurrent batches just wait for each other. FOR NO KEY
    UPDATE, like the decision itself, so visits and orders referencing the retailer never wait.
    """
    visit_ids = {e.payload.visit_id for e in entries if isinstance(e.payload, OrderCapture)}
    if not visit_ids:
        return
    retailer_ids = {
        e.payload.retailer_id
        for e in entries
        if isinstance(e.payload, CheckIn) and e.payload.visit_id in visit_ids
    }
    stored = await session.execute(select(Visit.retailer_id).where(Visit.id.in_(visit_ids)))
    retailer_ids.update(stored.scalars())
    await session.execute(
        select(Retailer.id)
        .where(Retailer.id.in_(retailer_ids))
        .order_by(Retailer.id)
        .with_for_update(key_share=True)
    )


async def _apply_once(
    session: AsyncSession, principal: Principal, rep: Rep, device_id: uuid.UUID, entry: SyncEntry
) -> SyncOutcome:
    if not await _claim(session, rep, device_id, entry):
        stored = (
            await session.execute(
                select(SyncItem).where(SyncItem.client_id == entry.client_id).with_for_update()
            )
        ).scalar_one()
        if stored.device_id != device_id or stored.kind is not entry.kind:
            return _rejected(entry, ClientIdReused("this client id was used for another item"))
        if not (stored.status is SyncItemStatus.REJECTED and stored.retryable):
            return outcome_of(stored)
    outcome = await _apply(session, principal, rep, entry)
    await session.execute(
        update(SyncItem)
        .where(SyncItem.client_id == entry.client_id)
        .values(
            status=outcome.status,
            retryable=outcome.retryable,
            code=outcome.code,
            field=outcome.field,
            message=outcome.message,
            attempts=SyncItem.attempts + 1,
            decided_at=func.now(),
        )
    )
    return outcome


async def _claim(session: AsyncSession, rep: Rep, device_id: uuid.UUID, entry: SyncEntry) -> bool:
    # Placeholder outcome until the effects ran; attempts starts at 0 and the update adds 1.
    claimed = await session.execute(
        insert(SyncItem)
        .values(
            tenant_id=rep.tenant_id,
            client_id=entry.client_id,
            device_id=device_id,
            rep_id=rep.id,
            sequence=entry.sequence,
            kind=entry.kind,
            status=SyncItemStatus.REJECTED,
            retryable=True,
            code=IN_PROGRESS,
            attempts=0,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "client_id"])
        .returning(SyncItem.client_id)
    )
    return claimed.first() is not None


async def _apply(
    session: AsyncSession, principal: Principal, rep: Rep, entry: SyncEntry
) -> SyncOutcome:
    try:
        async with session.begin_nested():
            note = await apply_payload(session, principal=principal, rep=rep, entry=entry)
    except IntegrityError as exc:
        translated = translate_integrity_error(exc)
        if translated is not None and translated.field and translated.field.startswith("input."):
            # Constraint messages name mutation inputs; within a batch the item is the input.
            translated.field = "item." + translated.field.removeprefix("input.")
        if translated is None:
            log.warning("sync item %s conflicts with stored data: %s", entry.client_id, exc.orig)
            translated = JalurError("this item conflicts with data already stored", code="CONFLICT")
        return _rejected(entry, translated)
    except JalurError as exc:
        return _rejected(entry, exc)
    return SyncOutcome(
        entry.client_id,
        entry.sequence,
        entry.kind,
        SyncItemStatus.ACCEPTED,
        message=None if note is None else note[:400],
    )


def _rejected(entry: SyncEntry, error: JalurError) -> SyncOutcome:
    return SyncOutcome(
        client_id=entry.client_id,
        sequence=entry.sequence,
        kind=entry.kind,
        status=SyncItemStatus.REJECTED,
        retryable=error.code in RETRYABLE_CODES,
        code=error.code,
        field=error.field,
        message=error.message[:400],
    )


def outcome_of(row: SyncItem) -> SyncOutcome:
    """The outcome stored for an item."""
    return SyncOutcome(
        client_id=row.client_id,
        sequence=row.sequence,
        kind=row.kind,
        status=row.status,
        retryable=row.retryable,
        code=row.code,
        field=row.field,
        message=row.message,
    )


def outcome_sort_key() -> ColumnElement[str]:
    """The keyset sort key of outcomes: sequence (zero-padded), then client id."""
    return (
        func.lpad(cast(SyncItem.sequence, Text), 10, "0")
        .concat(":")
        .concat(cast(SyncItem.client_id, Text))
    )


async def device_outcomes_query(
    session: AsyncSession, *, principal: Principal, device_code: str, since_sequence: int
) -> Any:
    """The statement listing the outcomes of the signed-in user's device after a sequence."""
    await acting_rep(session, principal)
    if since_sequence < 0:
        raise ValidationFailed("must be 0 or more", field="sinceSequence")
    device = (
        await session.execute(
            select(FieldDevice.id).where(
                FieldDevice.device_code == device_code, FieldDevice.user_id == principal.user_id
            )
        )
    ).scalar_one_or_none()
    return select(SyncItem).where(SyncItem.device_id == device, SyncItem.sequence > since_sequence)
