"""Goals: set for a territory, rep or distributor; cascade a territory goal to its reps by share."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.field.errors import GoalOverlaps, SharesDoNotAddUp
from backend.field.goal_models import SUBJECT_METRICS, Goal, GoalMetric, GoalOwner
from backend.field.models import Rep
from backend.field.repository import goals_by_ids, reps_by_ids
from backend.identity.models import Role
from backend.kit.constraints import register_unique
from backend.kit.db import new_id
from backend.kit.errors import NotFound, ValidationFailed
from backend.kit.idempotency import run_once
from backend.kit.validation import Checks
from backend.parties.models import Distributor
from backend.parties.repository import distributors_by_ids
from backend.territories.models import Territory

register_unique(
    "uq_goal_tenant_id_parent_id_rep_id", "input.shares", "this goal was already cascaded to a rep"
)
CENT = Decimal("0.01")
MAX_PERIOD_DAYS = 366


@dataclass(frozen=True)
class GoalDraft:
    """A goal to set: whose, which metric (and SKU/brand/category), period and target."""

    owner: GoalOwner
    owner_id: uuid.UUID
    metric: GoalMetric
    subject: str | None
    period_start: date
    period_end: date
    target: Decimal


async def set_goal(
    session: AsyncSession, *, principal: Principal, draft: GoalDraft, idempotency_key: str | None
) -> Goal:
    """Set a goal for a territory, rep or distributor you manage (MANAGER, ADMIN)."""
    principal.require(Role.ADMIN, Role.MANAGER)

    async def create() -> uuid.UUID:
        _check_draft(draft)
        await _check_owner(session, principal, draft.owner, draft.owner_id)
        if draft.metric is GoalMetric.PRIMARY_VALUE:
            await _check_no_overlap(session, draft)
        goal = _goal(principal, draft, parent_id=None, share=None)
        session.add(goal)
        await session.flush()
        return goal.id

    goal_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="setGoal",
        payload=asdict(draft),
        create=create,
    )
    return await _visible_goal(session, principal, goal_id, "input.idempotencyKey")


def _goal(
    principal: Principal, draft: GoalDraft, *, parent_id: uuid.UUID | None, share: Decimal | None
) -> Goal:
    return Goal(
        id=new_id(),
        tenant_id=principal.tenant_id,
        owner=draft.owner,
        territory_id=draft.owner_id if draft.owner is GoalOwner.TERRITORY else None,
        rep_id=draft.owner_id if draft.owner is GoalOwner.REP else None,
        distributor_id=draft.owner_id if draft.owner is GoalOwner.DISTRIBUTOR else None,
        metric=draft.metric,
        subject=draft.subject,
        period_start=draft.period_start,
        period_end=draft.period_end,
        target=draft.target,
        parent_id=parent_id,
        share=share,
        set_by_id=principal.user_id,
    )


def _check_draft(draft: GoalDraft) -> None:
    checks = Checks()
    if (draft.metric in SUBJECT_METRICS) != bool(draft.subject):
        checks.fail("input.subject", "name the SKU, brand or category exactly for volume metrics")
    checks.text("input.subject", draft.subject, max_length=100, required=False)
    if draft.metric is GoalMetric.PRIMARY_VALUE and draft.owner is not GoalOwner.DISTRIBUTOR:
        checks.fail("input.metric", "primary sales targets are set for a distributor")
    if draft.period_end < draft.period_start:
        checks.fail("input.periodEnd", "the period must end on or after its start")
    elif (draft.period_end - draft.period_start).days >= MAX_PERIOD_DAYS:
        checks.fail("input.periodEnd", f"a period lasts at most {MAX_PERIOD_DAYS} days")
    if draft.target <= 0 or draft.target != draft.target.quantize(CENT):
        checks.fail("input.target", "must be positive with at most 2 decimals")
    checks.raise_if_any()


async def _check_owner(
    session: AsyncSession, principal: Principal, owner: GoalOwner, owner_id: uuid.UUID
) -> None:
    if owner is GoalOwner.REP:
        found = bool(await reps_by_ids(session, principal, [owner_id]))
    elif owner is GoalOwner.DISTRIBUTOR:
        found = bool(await distributors_by_ids(session, principal, [owner_id]))
    else:
        stmt = select(Territory.id).where(
            Territory.id == owner_id, principal.territory_condition(Territory.id)
        )
        found = (await session.execute(stmt)).first() is not None
    if not found:
        raise NotFound("no such territory, rep or distributor in your scope", field="input.ownerId")


async def _check_no_overlap(session: AsyncSession, draft: GoalDraft) -> None:
    # One primary target per distributor and day, so targets over a period add up; the
    # distributor row lock makes two concurrent settings decide one after the other.
    await session.execute(
        select(Distributor.id)
        .where(Distributor.id == draft.owner_id)
        .with_for_update(key_share=True)
    )
    clash = await session.scalar(
        select(Goal.id).where(
            Goal.distributor_id == draft.owner_id,
            Goal.metric == GoalMetric.PRIMARY_VALUE,
            Goal.period_start <= draft.period_end,
            Goal.period_end >= draft.period_start,
        )
    )
    if clash is not None:
        raise GoalOverlaps(
            "this distributor already has a primary sales target in this period",
            field="input.periodStart",
        )


async def _visible_goal(
    session: AsyncSession, principal: Principal, goal_id: uuid.UUID, field: str
) -> Goal:
    found = await goals_by_ids(session, principal, [goal_id])
    if not found:
        raise NotFound("no such goal", field=field)
    return found[0]


async def cascade_goal(
    session: AsyncSession,
    *,
    principal: Principal,
    goal_id: uuid.UUID,
    shares: Sequence[tuple[uuid.UUID, Decimal]],
    idempotency_key: str | None = None,
) -> list[Goal]:
    """Split a territory goal among reps of that territory by share (shares add up to 1)."""
    principal.require(Role.ADMIN, Role.MANAGER)

    async def create() -> uuid.UUID:
        await _cascade(session, principal, goal_id, shares)
        return goal_id

    await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="cascadeGoal",
        payload={"goal": goal_id, "shares": [[rep, share] for rep, share in shares]},
        create=create,
    )
    stmt = (
        select(Goal)
        .where(Goal.parent_id == goal_id, Goal.rep_id.in_([rep for rep, _ in shares]))
        .order_by(Goal.target.desc(), Goal.id)
    )
    return list((await session.execute(stmt)).scalars().all())


async def _cascade(
    session: AsyncSession,
    principal: Principal,
    goal_id: uuid.UUID,
    shares: Sequence[tuple[uuid.UUID, Decimal]],
) -> None:
    parent = await _visible_goal(session, principal, goal_id, "input.goalId")
    if parent.owner is not GoalOwner.TERRITORY or parent.territory_id is None:
        raise ValidationFailed("only a territory goal cascades", field="input.goalId")
    await _check_shares(session, principal, parent.territory_id, shares)
    targets = split_target(parent.target, [share for _, share in shares])
    session.add_all(
        _goal(
            principal,
            GoalDraft(
                GoalOwner.REP,
                rep_id,
                parent.metric,
                parent.subject,
                parent.period_start,
                parent.period_end,
                target,
            ),
            parent_id=parent.id,
            share=share,
        )
        for (rep_id, share), target in zip(shares, targets, strict=True)
    )
    await session.flush()


async def _check_shares(
    session: AsyncSession,
    principal: Principal,
    territory_id: uuid.UUID,
    shares: Sequence[tuple[uuid.UUID, Decimal]],
) -> None:
    rep_ids = [rep_id for rep_id, _ in shares]
    if not shares or len(set(rep_ids)) != len(rep_ids):
        raise ValidationFailed("list each rep once", field="input.shares")
    if any(not 0 < share <= 1 for _, share in shares) or sum(s for _, s in shares) != 1:
        raise SharesDoNotAddUp("shares must be in (0, 1] and add up to 1", field="input.shares")
    path = (
        await session.execute(select(Territory.path).where(Territory.id == territory_id))
    ).scalar_one()
    in_territory = select(Territory.id).where(Territory.path.startswith(path, autoescape=True))
    reps = (
        await session.execute(
            select(Rep.id).where(Rep.id.in_(rep_ids), Rep.territory_id.in_(in_territory))
        )
    ).all()
    visible = {r.id for r in await reps_by_ids(session, principal, rep_ids)}
    if len(reps) != len(rep_ids) or not set(rep_ids) <= visible:
        raise NotFound("a rep is not in the goal's territory", field="input.shares")


def split_target(target: Decimal, shares: Sequence[Decimal]) -> list[Decimal]:
    """Targets by share, rounded down to cents, the remainder to the last so they add up exactly."""
    parts = [(target * share).quantize(CENT, rounding=ROUND_DOWN) for share in shares]
    parts[-1] += target - sum(parts, Decimal("0"))
    return parts
