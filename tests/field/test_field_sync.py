"""Offline sync: identity from the token, dependencies retried, outcomes stored and final."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.field.errors import DeviceBoundToAnotherUser
from backend.field.sync import sync_field_activity
from backend.field.sync_models import SyncItem, SyncItemKind, SyncItemStatus
from backend.field.sync_payloads import SyncEntry
from backend.field.visit_models import NoOrderReason, Visit, VisitOutcome
from backend.field.visits import CheckIn, CheckOut
from backend.identity.models import Role
from backend.kit.errors import ValidationFailed
from tests.factories.field import make_rep
from tests.factories.identity import make_tenant, make_user, principal_of
from tests.factories.parties import make_distributor, make_retailer
from tests.factories.territories import make_territory

AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


async def _two_reps(session: AsyncSession) -> tuple[Principal, Principal, uuid.UUID]:
    tenant = await make_tenant(session)
    territory = await make_territory(session, tenant)
    distributor = await make_distributor(session, tenant, territory)
    retailer = await make_retailer(session, tenant, territory, distributor)
    principals = []
    for _ in range(2):
        user = await make_user(session, tenant, role=Role.REP, territory_id=territory.id)
        await make_rep(session, tenant, user)
        principals.append(principal_of(user, territory_path=territory.path))
    return principals[0], principals[1], retailer.id


def _visit(retailer_id: uuid.UUID, first_sequence: int) -> tuple[SyncEntry, SyncEntry]:
    visit_id = uuid.uuid4()
    check_in = CheckIn(visit_id, retailer_id, -6.2, 106.85, 5.0, AT)
    check_out = CheckOut(
        visit_id, AT + timedelta(minutes=9), VisitOutcome.NO_ORDER, NoOrderReason.OWNER_ABSENT
    )
    return (
        SyncEntry(visit_id, first_sequence, SyncItemKind.VISIT_CHECK_IN, check_in),
        SyncEntry(uuid.uuid4(), first_sequence + 1, SyncItemKind.VISIT_CHECK_OUT, check_out),
    )


async def _stored(session: AsyncSession) -> list[tuple[int, str, bool, str | None, int]]:
    rows = await session.execute(select(SyncItem).order_by(SyncItem.sequence))
    return [(r.sequence, r.status.value, r.retryable, r.code, r.attempts) for r in rows.scalars()]


async def test_a_check_out_before_its_check_in_is_rejected_retryably_then_applied(
    session: AsyncSession,
) -> None:
    rep, _, retailer_id = await _two_reps(session)
    check_in, check_out = _visit(retailer_id, 1)

    first = await sync_field_activity(
        session, principal=rep, device_code="phone-1", entries=[check_out]
    )
    assert [(o.status, o.code, o.retryable) for o in first] == [
        (SyncItemStatus.REJECTED, "DEPENDENCY_MISSING", True)
    ]
    second = await sync_field_activity(
        session, principal=rep, device_code="phone-1", entries=[check_out, check_in]
    )

    assert [(o.sequence, o.status) for o in second] == [
        (1, SyncItemStatus.ACCEPTED),
        (2, SyncItemStatus.ACCEPTED),
    ]
    assert await _stored(session) == [
        (1, "ACCEPTED", False, None, 1),
        (2, "ACCEPTED", False, None, 2),
    ]
    visit = (await session.execute(select(Visit))).scalar_one()
    assert visit.outcome is VisitOutcome.NO_ORDER
    assert visit.duration_seconds == 540


async def test_a_batch_sent_again_returns_the_stored_outcomes_without_reapplying(
    session: AsyncSession,
) -> None:
    rep, _, retailer_id = await _two_reps(session)
    items = list(_visit(retailer_id, 1))
    refused = CheckIn(uuid.uuid4(), uuid.uuid4(), -6.2, 106.85, 5.0, AT)
    items.append(SyncEntry(refused.visit_id, 3, SyncItemKind.VISIT_CHECK_IN, refused))

    once = await sync_field_activity(session, principal=rep, device_code="p", entries=items)
    twice = await sync_field_activity(session, principal=rep, device_code="p", entries=items[::-1])

    assert once == twice
    assert [(o.status, o.code) for o in twice] == [
        (SyncItemStatus.ACCEPTED, None),
        (SyncItemStatus.ACCEPTED, None),
        (SyncItemStatus.REJECTED, "NOT_FOUND"),
    ]
    assert twice[2].field == "item.retailerId"
    assert await _stored(session) == [
        (1, "ACCEPTED", False, None, 1),
        (2, "ACCEPTED", False, None, 1),
        (3, "REJECTED", False, "NOT_FOUND", 1),
    ]
    assert (await session.execute(select(func.count()).select_from(Visit))).scalar_one() == 1


async def test_a_device_stays_bound_to_its_first_user(session: AsyncSession) -> None:
    rep, other, retailer_id = await _two_reps(session)
    check_in, _ = _visit(retailer_id, 1)
    await sync_field_activity(session, principal=rep, device_code="phone-x", entries=[])

    with pytest.raises(DeviceBoundToAnotherUser):
        await sync_field_activity(
            session, principal=other, device_code="phone-x", entries=[check_in]
        )

    assert await _stored(session) == []


async def test_a_client_id_of_another_device_is_refused_not_overwritten(
    session: AsyncSession,
) -> None:
    rep, other, retailer_id = await _two_reps(session)
    check_in, _ = _visit(retailer_id, 1)
    await sync_field_activity(session, principal=rep, device_code="a", entries=[check_in])

    outcomes = await sync_field_activity(
        session, principal=other, device_code="b", entries=[check_in]
    )

    assert [(o.status, o.code) for o in outcomes] == [(SyncItemStatus.REJECTED, "CLIENT_ID_REUSED")]
    assert await _stored(session) == [(1, "ACCEPTED", False, None, 1)]
    assert (await session.execute(select(func.count()).select_from(Visit))).scalar_one() == 1


async def test_items_clashing_with_stored_rows_or_clocks_are_rejected_for_good(
    session: AsyncSession,
) -> None:
    rep, _, retailer_id = await _two_reps(session)
    check_in, _ = _visit(retailer_id, 1)
    await sync_field_activity(session, principal=rep, device_code="a", entries=[check_in])
    same_visit = SyncEntry(uuid.uuid4(), 2, SyncItemKind.VISIT_CHECK_IN, check_in.payload)
    ahead = CheckIn(
        uuid.uuid4(), retailer_id, -6.2, 106.85, 5.0, datetime.now(UTC) + timedelta(hours=1)
    )
    future = SyncEntry(ahead.visit_id, 3, SyncItemKind.VISIT_CHECK_IN, ahead)

    outcomes = await sync_field_activity(
        session, principal=rep, device_code="a", entries=[future, same_visit]
    )

    assert [(o.sequence, o.code, o.field, o.retryable) for o in outcomes] == [
        (2, "ALREADY_EXISTS", "item.visitId", False),
        (3, "INVALID_INPUT", "item.at", False),
    ]
    assert (await session.execute(select(func.count()).select_from(Visit))).scalar_one() == 1


async def test_a_batch_with_a_negative_sequence_is_refused_whole(session: AsyncSession) -> None:
    rep, _, retailer_id = await _two_reps(session)
    check_in, check_out = _visit(retailer_id, 1)
    bad = SyncEntry(check_out.client_id, -1, check_out.kind, check_out.payload)

    with pytest.raises(ValidationFailed) as refused:
        await sync_field_activity(session, principal=rep, device_code="a", entries=[check_in, bad])

    assert refused.value.field == "input.items[1].sequence"
    assert await _stored(session) == []
