"""Schemes: define and run them (HQ and managers), and what billing asks of them.

Billing calls two functions, in its own transaction:
- `active_schemes` — the schemes that may price a retailer's bill on a day;
- `consume_scheme_budget` — take the bill's benefit from each scheme's budget, atomically, or
  refuse the bill with `SchemeBudgetExhausted` (nothing consumed: the caller's transaction rolls
  back). A CHECK constraint (consumed ≤ budget) backs the conditional update.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.identity.models import Role, Tenant
from backend.kit.constraints import register_check, register_unique
from backend.kit.db import new_id
from backend.kit.errors import NotFound, PermissionDenied, ValidationFailed
from backend.kit.idempotency import run_once
from backend.parties.models import Distributor, Retailer
from backend.schemes import rules
from backend.schemes.engine import applicable_schemes
from backend.schemes.errors import SchemeBudgetExhausted, SchemeExpired, SchemeStateError
from backend.schemes.mapping import distributor_profile, retailer_profile, to_rule
from backend.schemes.models import (
    SchemeBundleItem,
    SchemeFlow,
    SchemeProduct,
    SchemeSlab,
    SchemeStatus,
    SchemeTarget,
    TradeScheme,
)
from backend.schemes.repository import (
    active_on,
    load_parts,
    lock_scheme,
    open_to_retailer,
    schemes_by_ids,
)
from backend.schemes.validation import SchemeDraft, check_draft
from backend.territories.models import Territory

register_unique("uq_scheme_tenant_id_code", "input.code", "a scheme with this code already exists")
register_check(
    "ck_scheme_consumed_within_budget", "input.budget", "the budget is below what is consumed"
)
EDITABLE = (SchemeStatus.DRAFT, SchemeStatus.PAUSED)


async def create_scheme(
    session: AsyncSession, *, principal: Principal, draft: SchemeDraft, idempotency_key: str | None
) -> TradeScheme:
    """Save a new scheme as a DRAFT; retries with the key return the first."""
    principal.require(Role.ADMIN, Role.MANAGER)

    async def create() -> uuid.UUID:
        await check_draft(session, principal, draft)
        tenant = await session.get_one(Tenant, principal.tenant_id)
        row = TradeScheme(
            id=new_id(),
            tenant_id=principal.tenant_id,
            status=SchemeStatus.DRAFT,
            currency=tenant.currency,
            consumed=Decimal("0.00"),
            created_by=principal.user_id,
        )
        _assign(row, draft)
        session.add(row)
        await session.flush()
        await _replace_parts(session, row, draft)
        return row.id

    scheme_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="createScheme",
        payload=asdict(draft),
        create=create,
    )
    return await session.get_one(TradeScheme, scheme_id)


async def update_scheme(
    session: AsyncSession,
    *,
    principal: Principal,
    scheme_id: uuid.UUID,
    draft: SchemeDraft,
    idempotency_key: str | None,
) -> TradeScheme:
    """Replace a DRAFT or PAUSED scheme's definition (its code and what it consumed stay)."""
    principal.require(Role.ADMIN, Role.MANAGER)

    async def change() -> uuid.UUID:
        row = await _editable(session, principal, scheme_id, EDITABLE, "change")
        if draft.code != row.code:
            raise ValidationFailed(
                "the code of a scheme never changes (bills refer to it)", field="input.code"
            )
        if draft.flow is not row.flow:
            raise ValidationFailed("the flow of a scheme never changes", field="input.flow")
        await check_draft(session, principal, draft)
        if draft.budget is not None and draft.budget < row.consumed:
            raise ValidationFailed(
                f"the budget must cover the {row.consumed} already consumed", field="input.budget"
            )
        _assign(row, draft)
        await _replace_parts(session, row, draft)
        await session.flush()
        return row.id

    await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="updateScheme",
        payload={"scheme_id": scheme_id, **asdict(draft)},
        create=change,
    )
    return await session.get_one(TradeScheme, scheme_id)


async def activate_scheme(
    session: AsyncSession, *, principal: Principal, scheme_id: uuid.UUID, today: date
) -> TradeScheme:
    """DRAFT or PAUSED → ACTIVE; a scheme whose validity has ended cannot start.

    Activating an ACTIVE scheme (a retried request) returns it unchanged; so do pausing a
    PAUSED one and ending an ENDED one.
    """
    principal.require(Role.ADMIN, Role.MANAGER)
    row = await _editable(
        session, principal, scheme_id, (*EDITABLE, SchemeStatus.ACTIVE), "activate"
    )
    if row.status is SchemeStatus.ACTIVE:
        return row
    if row.valid_to < today:
        raise SchemeExpired(f"the scheme ended on {row.valid_to}", field="input.schemeId")
    row.status = SchemeStatus.ACTIVE
    await session.flush()
    return row


async def pause_scheme(
    session: AsyncSession, *, principal: Principal, scheme_id: uuid.UUID
) -> TradeScheme:
    """ACTIVE → PAUSED: bills stop getting it until it is activated again."""
    principal.require(Role.ADMIN, Role.MANAGER)
    allowed = (SchemeStatus.ACTIVE, SchemeStatus.PAUSED)
    row = await _editable(session, principal, scheme_id, allowed, "pause")
    row.status = SchemeStatus.PAUSED
    await session.flush()
    return row


async def end_scheme(
    session: AsyncSession, *, principal: Principal, scheme_id: uuid.UUID
) -> TradeScheme:
    """Any state but ENDED → ENDED, for good."""
    principal.require(Role.ADMIN, Role.MANAGER)
    row = await _editable(session, principal, scheme_id, tuple(SchemeStatus), "end")
    row.status = SchemeStatus.ENDED
    await session.flush()
    return row


async def _editable(
    session: AsyncSession,
    principal: Principal,
    scheme_id: uuid.UUID,
    allowed: tuple[SchemeStatus, ...],
    action: str,
) -> TradeScheme:
    row = await lock_scheme(session, scheme_id)
    if row is None:
        raise NotFound("no such scheme", field="input.schemeId")
    if principal.role is Role.MANAGER:
        await _require_manager_owns(session, principal, row)
    if row.status not in allowed:
        raise SchemeStateError(
            f"cannot {action} a scheme that is {row.status.value}", field="input.schemeId"
        )
    return row


async def _require_manager_owns(
    session: AsyncSession, principal: Principal, row: TradeScheme
) -> None:
    paths = (
        await session.execute(
            select(Territory.path)
            .join(SchemeTarget, SchemeTarget.territory_id == Territory.id)
            .where(SchemeTarget.scheme_id == row.id)
        )
    ).scalars()
    mine = principal.territory_path or "!"
    found = list(paths)
    if not found or not all(p.startswith(mine) for p in found):
        raise PermissionDenied(
            "a manager runs only schemes limited to the subtree they manage",
            field="input.schemeId",
        )


def _assign(row: TradeScheme, draft: SchemeDraft) -> None:
    row.code, row.name, row.description = draft.code, draft.name, draft.description
    row.flow, row.kind, row.combination = draft.flow, draft.kind, draft.combination
    row.priority, row.valid_from, row.valid_to = draft.priority, draft.valid_from, draft.valid_to
    row.percent, row.amount = draft.percent, draft.amount
    row.buy_quantity, row.free_quantity = draft.buy_quantity, draft.free_quantity
    row.free_product_id = draft.free_product_id
    row.min_eligible_value, row.max_discount = draft.min_eligible_value, draft.max_discount
    row.channels = sorted(set(draft.channels))
    row.outlet_classes = sorted(set(draft.outlet_classes))
    row.brands = sorted(set(draft.brands))
    row.categories = sorted(set(draft.categories))
    row.budget = draft.budget


async def _replace_parts(session: AsyncSession, row: TradeScheme, draft: SchemeDraft) -> None:
    for model in (SchemeSlab, SchemeProduct, SchemeBundleItem, SchemeTarget):
        await session.execute(delete(model).where(model.scheme_id == row.id))
    tenant_id, scheme_id = row.tenant_id, row.id
    session.add_all(
        SchemeSlab(
            tenant_id=tenant_id,
            scheme_id=scheme_id,
            position=i,
            threshold=s.threshold,
            percent=s.percent,
        )
        for i, s in enumerate(draft.slabs)
    )
    session.add_all(
        SchemeProduct(tenant_id=tenant_id, scheme_id=scheme_id, product_id=p)
        for p in sorted(set(draft.product_ids))
    )
    session.add_all(
        SchemeBundleItem(
            tenant_id=tenant_id, scheme_id=scheme_id, product_id=b.product_id, units=b.units
        )
        for b in draft.bundle
    )
    for column, ids in (
        ("territory_id", draft.territory_ids),
        ("distributor_id", draft.distributor_ids),
        ("retailer_id", draft.retailer_ids),
    ):
        session.add_all(
            SchemeTarget(id=new_id(), tenant_id=tenant_id, scheme_id=scheme_id, **{column: i})
            for i in sorted(set(ids))
        )
    await session.flush()


async def scheme_rules(session: AsyncSession, ids: list[uuid.UUID]) -> list[rules.Scheme]:
    """The engine's view of these schemes (whatever their state), in (priority, code) order."""
    rows = list(await schemes_by_ids(session, ids))
    parts = await load_parts(session, rows)
    found = [to_rule(row, parts[row.id]) for row in rows]
    return sorted(found, key=lambda s: (s.priority, s.code))


async def active_schemes(
    session: AsyncSession, *, retailer_id: uuid.UUID, distributor_id: uuid.UUID, on: date
) -> list[rules.Scheme]:
    """Secondary schemes active on `on` that this retailer, billed by this distributor, may get.

    In application order (priority, code). QPS schemes are included: they price no bill but
    accrue over their period. An unknown retailer is NOT_FOUND.
    """
    profile = await retailer_profile_of(session, retailer_id, distributor_id)
    rows = list(
        (
            await session.execute(
                active_on(SchemeFlow.SECONDARY, on).where(open_to_retailer(retailer_id))
            )
        ).scalars()
    )
    parts = await load_parts(session, rows, only_retailer=retailer_id)
    return applicable_schemes(profile, on, [to_rule(row, parts[row.id]) for row in rows])


async def active_secondary_schemes(session: AsyncSession, *, on: date) -> list[rules.Scheme]:
    """Every secondary scheme active on `on`, for any retailer (retailer lists included), in
    two statements: callers serving many retailers filter per retailer with
    `engine.applicable_schemes` instead of calling `active_schemes` once each."""
    rows = list((await session.execute(active_on(SchemeFlow.SECONDARY, on))).scalars())
    parts = await load_parts(session, rows)
    found = [to_rule(row, parts[row.id]) for row in rows]
    return sorted(found, key=lambda s: (s.priority, s.code))


async def retailer_profiles(
    session: AsyncSession, retailer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, rules.RetailerProfile]:
    """The engine's profiles of retailers billed by their own distributor (one statement)."""
    if not retailer_ids:
        return {}
    stmt = (
        select(Retailer, Territory.path)
        .join(Territory, Territory.id == Retailer.territory_id)
        .where(Retailer.id.in_(list(retailer_ids)))
    )
    return {
        row.id: retailer_profile(row, path, row.distributor_id)
        for row, path in (await session.execute(stmt)).all()
    }


async def distributor_profile_of(
    session: AsyncSession, distributor_id: uuid.UUID
) -> rules.RetailerProfile:
    """The engine's profile of a distributor buying from the brand, or NOT_FOUND."""
    found = (
        await session.execute(
            select(Distributor, Territory.path)
            .join(Territory, Territory.id == Distributor.territory_id)
            .where(Distributor.id == distributor_id)
        )
    ).first()
    if found is None:
        raise NotFound("no such distributor", field="distributorId")
    return distributor_profile(found[0], found[1])


async def active_primary_schemes(
    session: AsyncSession, *, distributor_id: uuid.UUID, on: date
) -> list[rules.Scheme]:
    """Primary schemes active on `on` that this distributor may get, in application order."""
    profile = await distributor_profile_of(session, distributor_id)
    rows = list((await session.execute(active_on(SchemeFlow.PRIMARY, on))).scalars())
    parts = await load_parts(session, rows)
    return applicable_schemes(profile, on, [to_rule(row, parts[row.id]) for row in rows])


async def retailer_profile_of(
    session: AsyncSession, retailer_id: uuid.UUID, distributor_id: uuid.UUID
) -> rules.RetailerProfile:
    """The engine's profile of a retailer billed by `distributor_id`, or NOT_FOUND."""
    found = (
        await session.execute(
            select(Retailer, Territory.path)
            .join(Territory, Territory.id == Retailer.territory_id)
            .where(Retailer.id == retailer_id)
        )
    ).first()
    if found is None:
        raise NotFound("no such retailer", field="retailerId")
    return retailer_profile(found[0], found[1], distributor_id)


async def consume_scheme_budget(session: AsyncSession, *, amounts: Mapping[str, Decimal]) -> None:
    """Add each amount to its scheme's consumption, in code order, never past the budget.

    Each scheme is one conditional `UPDATE … SET consumed = consumed + d WHERE consumed + d ≤
    budget`: concurrent bills queue on the row and each sees the others' committed consumption.
    A refusal raises `SchemeBudgetExhausted` naming the scheme; the caller rolls back (earlier
    schemes of the same bill are then undone with it).
    """
    for code in sorted(amounts):
        amount = amounts[code]
        if amount < 0:
            raise ValidationFailed(f"a negative amount for scheme {code}", field="amounts")
        if amount == 0:
            continue
        done = await session.execute(
            update(TradeScheme)
            .where(
                TradeScheme.code == code,
                (TradeScheme.budget.is_(None))
                | (TradeScheme.consumed + amount <= TradeScheme.budget),
            )
            .values(consumed=TradeScheme.consumed + amount)
            .returning(TradeScheme.id)
            .execution_options(synchronize_session=False)
        )
        if done.first() is None:
            row = (
                await session.execute(
                    select(TradeScheme.budget, TradeScheme.consumed).where(TradeScheme.code == code)
                )
            ).first()
            if row is None:
                raise NotFound(f"no scheme {code}", field="amounts")
            budget, consumed = row
            raise SchemeBudgetExhausted(code, amount, (budget or Decimal(0)) - consumed)


async def release_scheme_budget(session: AsyncSession, *, amounts: Mapping[str, Decimal]) -> None:
    """Give back consumption (a returned or cancelled bill), in code order, never below zero.

    An amount larger than what the scheme consumed is refused (INVALID_INPUT naming the scheme):
    it would mean releasing what was never taken.
    """
    for code in sorted(amounts):
        amount = amounts[code]
        if amount < 0:
            raise ValidationFailed(f"a negative amount for scheme {code}", field="amounts")
        if amount == 0:
            continue
        done = await session.execute(
            update(TradeScheme)
            .where(TradeScheme.code == code, TradeScheme.consumed >= amount)
            .values(consumed=TradeScheme.consumed - amount)
            .returning(TradeScheme.id)
            .execution_options(synchronize_session=False)
        )
        if done.first() is None:
            known = await session.execute(select(TradeScheme.id).where(TradeScheme.code == code))
            if known.first() is None:
                raise NotFound(f"no scheme {code}", field="amounts")
            raise ValidationFailed(
                f"scheme {code} has consumed less than {amount}", field="amounts"
            )
