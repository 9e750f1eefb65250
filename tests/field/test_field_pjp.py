"""PJP changes never rewrite days already worked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.field.models import PjpChange, PjpChangeStatus, PjpEntry, VisitFrequency
from backend.field.pjp import PjpLineDraft, decide_pjp_change, propose_pjp_change, tenant_today
from backend.identity.models import Role
from backend.kit.db import new_id
from backend.kit.errors import JalurError
from tests.factories.field import make_beat, make_pjp_entry, make_rep
from tests.factories.identity import make_tenant, make_user, principal_of
from tests.factories.parties import make_distributor, make_retailer
from tests.factories.territories import make_territory


async def test_a_change_starting_in_the_past_is_neither_proposed_nor_approved(
    session: AsyncSession,
) -> None:
    tenant = await make_tenant(session)
    territory = await make_territory(session, tenant)
    shop = await make_retailer(
        session, tenant, territory, await make_distributor(session, tenant, territory)
    )
    manager = await make_user(session, tenant, role=Role.MANAGER, territory_id=territory.id)
    rep = await make_rep(
        session, tenant, await make_user(session, tenant, role=Role.REP, territory_id=territory.id)
    )
    beat = await make_beat(session, tenant, rep, [shop])
    await make_pjp_entry(session, tenant, rep, beat, weekday=1)
    principal = principal_of(manager, territory_path=territory.path)
    yesterday = await tenant_today(session) - timedelta(days=1)
    line = PjpLineDraft(beat.id, 3, VisitFrequency.WEEKLY)
    stale = PjpChange(
        id=new_id(),
        tenant_id=tenant.id,
        rep_id=rep.id,
        effective_from=yesterday,
        entries=[
            {
                "beat_id": str(beat.id),
                "weekday": 3,
                "frequency": "WEEKLY",
                "week_parity": None,
                "week_of_month": None,
            }
        ],
        reason="",
        status=PjpChangeStatus.PROPOSED,
        proposed_by_id=manager.id,
    )
    session.add(stale)
    await session.flush()

    with pytest.raises(JalurError) as proposing:
        await propose_pjp_change(
            session,
            principal=principal,
            rep_id=rep.id,
            effective_from=yesterday,
            lines=[line],
            reason="",
            idempotency_key=None,
        )
    with pytest.raises(JalurError) as approving:
        await decide_pjp_change(
            session, principal=principal, change_id=stale.id, approve=True, note=None
        )

    assert (proposing.value.code, proposing.value.field) == (
        "PJP_CHANGE_IN_THE_PAST",
        "input.effectiveFrom",
    )
    assert (approving.value.code, approving.value.field) == ("PJP_CHANGE_IN_THE_PAST", "input.id")
    entries = (await session.execute(select(PjpEntry.weekday, PjpEntry.valid_to))).all()
    assert [(e.weekday, e.valid_to) for e in entries] == [(1, None)]
    assert (await session.execute(select(func.count()).select_from(PjpChange))).scalar_one() == 1
