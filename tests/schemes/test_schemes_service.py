"""Scheme persistence: definitions round-trip to the engine, coded refusals, states, eligibility."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Select, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.identity.models import Role
from backend.kit.errors import (
    InputErrors,
    JalurError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from backend.schemes import rules
from backend.schemes.errors import SchemeBudgetExhausted, SchemeExpired, SchemeStateError
from backend.schemes.models import SchemeFlow, SchemeStatus, SchemeTarget, TradeScheme
from backend.schemes.repository import schemes_query, visible_schemes_by_ids
from backend.schemes.rules import Combination, SchemeKind
from backend.schemes.service import (
    activate_scheme,
    active_primary_schemes,
    active_schemes,
    consume_scheme_budget,
    create_scheme,
    end_scheme,
    pause_scheme,
    release_scheme_budget,
    scheme_rules,
    update_scheme,
)
from backend.schemes.validation import BundleDraft, SlabDraft
from tests.factories.identity import make_user, principal_of
from tests.factories.schemes import SCHEME_DAY, SchemeWorld, draft, make_scheme, make_scheme_world

D = Decimal


def errors_of(exc: JalurError) -> set[tuple[str, str | None]]:
    found = exc.flatten() if isinstance(exc, InputErrors) else [exc]
    return {(e.code, e.field) for e in found}


async def count_schemes(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(TradeScheme))).scalar_one())


async def codes_for(
    world: SchemeWorld, session: AsyncSession, n: int, on: date = SCHEME_DAY
) -> list[str]:
    retailer = world.retailers[n]
    found = await active_schemes(
        session, retailer_id=retailer.id, distributor_id=retailer.distributor_id, on=on
    )
    return [s.code for s in found]


async def test_every_kind_round_trips_to_the_engine(session: AsyncSession) -> None:
    # given one scheme of each kind, with scope, targets and limits
    w = await make_scheme_world(session)
    a, b, c = (w.products[k] for k in "ABC")
    slabs = (SlabDraft(D(10), D(2)), SlabDraft(D(20), D("5.5")))
    made = [
        await make_scheme(
            session,
            w.admin,
            "PCT",
            product_ids=(a.id,),
            brands=("Segar",),
            channels=("GT",),
            outlet_classes=("A", "B"),
            territory_ids=(w.hierarchy.areas[0].id,),
            distributor_ids=(w.distributors[0].id,),
            retailer_ids=(w.retailers[0].id,),
            combination=Combination.BEST_OF,
            priority=5,
            min_eligible_value=D("100.00"),
            max_discount=D("5000.00"),
            budget=D("100000.00"),
        ),
        await make_scheme(session, w.admin, "FLAT", SchemeKind.FLAT_DISCOUNT, amount=D("50.00")),
        await make_scheme(session, w.admin, "QTY", SchemeKind.QUANTITY_SLABS, slabs=slabs),
        await make_scheme(
            session,
            w.admin,
            "VAL",
            SchemeKind.VALUE_SLABS,
            slabs=(SlabDraft(D("10000.00"), D(3)),),
            categories=("Noodles",),
        ),
        await make_scheme(
            session,
            w.admin,
            "BXGY",
            SchemeKind.BUY_X_GET_Y,
            buy_quantity=10,
            free_quantity=1,
            free_product_id=c.id,
        ),
        await make_scheme(
            session,
            w.admin,
            "COMBO",
            SchemeKind.COMBO,
            amount=D("300.00"),
            bundle=(BundleDraft(a.id, 2), BundleDraft(b.id, 1)),
            combination=Combination.EXCLUSIVE,
        ),
        await make_scheme(session, w.admin, "QPS", SchemeKind.QPS, slabs=slabs),
    ]

    # when they are read back as the engine's values
    found = {s.code: s for s in await scheme_rules(session, [m.id for m in made])}

    # then every field is what was defined
    nov = (date(2026, 11, 1), date(2026, 11, 30))
    assert found["PCT"] == rules.Scheme(
        code="PCT",
        kind=SchemeKind.PERCENT_DISCOUNT,
        valid_from=nov[0],
        valid_to=nov[1],
        combination=Combination.BEST_OF,
        priority=5,
        scope=rules.ProductScope(skus=frozenset({a.sku}), brands=frozenset({"Segar"})),
        eligibility=rules.Eligibility(
            channels=frozenset({"GT"}),
            outlet_classes=frozenset({"A", "B"}),
            territory_paths=frozenset({w.hierarchy.areas[0].path}),
            distributor_ids=frozenset({str(w.distributors[0].id)}),
            retailer_ids=frozenset({str(w.retailers[0].id)}),
        ),
        percent=D(10),
        min_eligible_value=D("100.00"),
        max_discount=D("5000.00"),
    )
    assert found["FLAT"].amount == D("50.00")
    assert found["QTY"].slabs == (rules.Slab(D(10), D(2)), rules.Slab(D(20), D("5.5")))
    assert found["VAL"].scope == rules.ProductScope(categories=frozenset({"Noodles"}))
    assert (found["BXGY"].buy_quantity, found["BXGY"].free_quantity) == (10, 1)
    assert found["BXGY"].free_sku == c.sku
    assert found["COMBO"].bundle == tuple(sorted(((a.sku, 2), (b.sku, 1))))
    assert found["COMBO"].combination is Combination.EXCLUSIVE
    assert found["QPS"].kind is SchemeKind.QPS and len(found["QPS"].slabs) == 2
    # and the budget is stored with the tenant's currency
    pct = made[0]
    assert (pct.budget, pct.consumed, pct.currency, pct.status) == (
        D("100000.00"),
        D("0.00"),
        "IDR",
        SchemeStatus.ACTIVE,
    )


async def test_definition_errors_are_coded_with_field_paths_and_save_nothing(
    session: AsyncSession,
) -> None:
    w = await make_scheme_world(session)
    before = await count_schemes(session)
    unknown = w.tenant.id  # an id that is no SKU, territory or retailer

    cases = [
        (
            draft(
                "S1",
                SchemeKind.QUANTITY_SLABS,
                slabs=(SlabDraft(D(20), D(5)), SlabDraft(D(20), D(6)), SlabDraft(D(30), D(4))),
            ),
            {
                ("SLABS_NOT_ASCENDING", "input.slabs[1].threshold"),
                ("SLAB_PERCENT_DECREASES", "input.slabs[2].percent"),
            },
        ),
        (
            draft("S2", SchemeKind.VALUE_SLABS, slabs=(SlabDraft(D(100), D(101)),)),
            {("PERCENT_OUT_OF_RANGE", "input.slabs[0].percent")},
        ),
        (draft("S3", percent=D(0)), {("PERCENT_OUT_OF_RANGE", "input.percent")}),
        (
            draft("S4", valid_from=date(2026, 12, 2), valid_to=date(2026, 12, 1)),
            {("INVALID_VALIDITY", "input.validTo")},
        ),
        (
            draft("S5", SchemeKind.BUY_X_GET_Y, buy_quantity=0, free_quantity=-1),
            {
                ("INVALID_QUANTITY", "input.buyQuantity"),
                ("INVALID_QUANTITY", "input.freeQuantity"),
            },
        ),
        (draft("S6", SchemeKind.COMBO, amount=D(100)), {("EMPTY_BUNDLE", "input.bundle")}),
        (
            draft(
                "S7",
                product_ids=(unknown,),
                brands=("Nope",),
                categories=("Noodles", "Toys"),
                territory_ids=(unknown,),
                retailer_ids=(unknown,),
            ),
            {
                ("UNKNOWN_SKU", "input.productIds[0]"),
                ("UNKNOWN_BRAND", "input.brands[0]"),
                ("UNKNOWN_CATEGORY", "input.categories[1]"),
                ("UNKNOWN_PARTY", "input.territoryIds[0]"),
                ("UNKNOWN_PARTY", "input.retailerIds[0]"),
            },
        ),
        (
            draft("S8", flow=SchemeFlow.PRIMARY, channels=("GT",)),
            {("NOT_FOR_FLOW", "input.channels")},
        ),
        (
            draft("S9", SchemeKind.FLAT_DISCOUNT, amount=D("0.001")),
            {("INVALID_AMOUNT", "input.amount")},
        ),
    ]
    for bad, expected in cases:
        with pytest.raises(JalurError) as caught:
            await create_scheme(session, principal=w.admin, draft=bad, idempotency_key=None)
        assert errors_of(caught.value) == expected, bad.code
    assert await count_schemes(session) == before


async def test_idempotent_create_and_duplicate_code(session: AsyncSession) -> None:
    w = await make_scheme_world(session)
    first = await create_scheme(session, principal=w.admin, draft=draft("K"), idempotency_key="k1")
    again = await create_scheme(session, principal=w.admin, draft=draft("K"), idempotency_key="k1")
    assert first.id == again.id and await count_schemes(session) == 1
    with pytest.raises(IntegrityError) as caught:
        async with session.begin_nested():
            await create_scheme(session, principal=w.admin, draft=draft("K"), idempotency_key=None)
    assert "uq_scheme_tenant_id_code" in str(caught.value)


async def test_states_roles_and_manager_scope(session: AsyncSession) -> None:
    w = await make_scheme_world(session)
    area0, area1 = w.hierarchy.areas
    # a rep may not define schemes; a manager only inside the subtree they run
    with pytest.raises(PermissionDenied):
        await create_scheme(session, principal=w.rep, draft=draft("R"), idempotency_key=None)
    with pytest.raises(JalurError) as caught:
        await create_scheme(
            session,
            principal=w.manager,
            draft=draft("M", territory_ids=(area1.id,)),
            idempotency_key=None,
        )
    assert errors_of(caught.value) == {("FORBIDDEN", "input.territoryIds[0]")}
    mine = await make_scheme(session, w.manager, "M", territory_ids=(area0.id,), activate=False)
    hq = await make_scheme(session, w.admin, "HQ", activate=False)
    with pytest.raises(PermissionDenied):
        await activate_scheme(session, principal=w.manager, scheme_id=hq.id, today=SCHEME_DAY)

    # DRAFT → ACTIVE → PAUSED → ACTIVE → ENDED, and nothing after ENDED
    for step, expected in (
        (
            activate_scheme(session, principal=w.manager, scheme_id=mine.id, today=SCHEME_DAY),
            "ACTIVE",
        ),
        (pause_scheme(session, principal=w.manager, scheme_id=mine.id), "PAUSED"),
        (
            activate_scheme(session, principal=w.manager, scheme_id=mine.id, today=SCHEME_DAY),
            "ACTIVE",
        ),
        (end_scheme(session, principal=w.manager, scheme_id=mine.id), "ENDED"),
    ):
        assert (await step).status.value == expected
    with pytest.raises(SchemeStateError):
        await activate_scheme(session, principal=w.admin, scheme_id=mine.id, today=SCHEME_DAY)
    with pytest.raises(SchemeStateError):
        await pause_scheme(session, principal=w.admin, scheme_id=mine.id)
    # a retried step is a no-op
    again = await end_scheme(session, principal=w.admin, scheme_id=mine.id)
    assert again.status is SchemeStatus.ENDED
    # an ACTIVE scheme must be paused before it is changed; a scheme past its end cannot start
    with pytest.raises(SchemeExpired):
        await activate_scheme(session, principal=w.admin, scheme_id=hq.id, today=date(2026, 12, 1))
    await activate_scheme(session, principal=w.admin, scheme_id=hq.id, today=SCHEME_DAY)
    retried = await activate_scheme(session, principal=w.admin, scheme_id=hq.id, today=SCHEME_DAY)
    assert retried.status is SchemeStatus.ACTIVE
    with pytest.raises(SchemeStateError):
        await update_scheme(
            session,
            principal=w.admin,
            scheme_id=hq.id,
            draft=draft("HQ", percent=D(5)),
            idempotency_key=None,
        )


async def test_update_replaces_the_definition_but_never_the_code(session: AsyncSession) -> None:
    w = await make_scheme_world(session)
    row = await make_scheme(
        session, w.admin, "U", activate=False, retailer_ids=(w.retailers[0].id, w.retailers[1].id)
    )
    changed = await update_scheme(
        session,
        principal=w.admin,
        scheme_id=row.id,
        draft=draft("U", percent=D("7.5"), distributor_ids=(w.distributors[1].id,)),
        idempotency_key=None,
    )
    [rule] = await scheme_rules(session, [changed.id])
    assert rule.percent == D("7.5")
    assert rule.eligibility == rules.Eligibility(
        distributor_ids=frozenset({str(w.distributors[1].id)})
    )
    targets = (await session.execute(select(func.count()).select_from(SchemeTarget))).scalar_one()
    assert targets == 1
    with pytest.raises(JalurError) as caught:
        await update_scheme(
            session, principal=w.admin, scheme_id=row.id, draft=draft("U2"), idempotency_key=None
        )
    assert errors_of(caught.value) == {("INVALID_INPUT", "input.code")}


async def test_active_schemes_follow_eligibility_dates_and_state(session: AsyncSession) -> None:
    # given schemes limited in every way the domain knows
    w = await make_scheme_world(session)
    area0 = w.hierarchy.areas[0]
    await make_scheme(session, w.admin, "ALL", priority=50)
    await make_scheme(session, w.admin, "GT", channels=("GT",))
    await make_scheme(session, w.admin, "CLASS-A", outlet_classes=("A",))
    await make_scheme(session, w.admin, "AREA0", territory_ids=(area0.id,))
    await make_scheme(session, w.admin, "D1", distributor_ids=(w.distributors[1].id,))
    await make_scheme(session, w.admin, "LIST", retailer_ids=(w.retailers[1].id,))
    await make_scheme(session, w.admin, "DRAFT", activate=False)
    paused = await make_scheme(session, w.admin, "PAUSED")
    await pause_scheme(session, principal=w.admin, scheme_id=paused.id)
    await make_scheme(
        session, w.admin, "DEC", valid_from=date(2026, 12, 1), valid_to=date(2026, 12, 31)
    )
    await make_scheme(session, w.admin, "PRIMARY", flow=SchemeFlow.PRIMARY)

    # then each retailer gets exactly its schemes, in (priority, code) order
    assert await codes_for(w, session, 0) == ["ALL", "AREA0", "CLASS-A", "GT"]
    assert await codes_for(w, session, 1) == ["ALL", "AREA0", "LIST"]
    assert await codes_for(w, session, 2) == ["ALL", "D1", "GT"]
    assert await codes_for(w, session, 0, on=date(2026, 12, 5)) == ["DEC"]
    # the distributor billing counts, not the retailer's usual one
    other = await active_schemes(
        session, retailer_id=w.retailers[0].id, distributor_id=w.distributors[1].id, on=SCHEME_DAY
    )
    assert [s.code for s in other] == ["ALL", "AREA0", "CLASS-A", "D1", "GT"]
    # and primary schemes go to distributors
    primary = await active_primary_schemes(
        session, distributor_id=w.distributors[0].id, on=SCHEME_DAY
    )
    assert [s.code for s in primary] == ["PRIMARY"]
    with pytest.raises(NotFound):
        await active_schemes(
            session, retailer_id=w.tenant.id, distributor_id=w.distributors[0].id, on=SCHEME_DAY
        )


async def test_budget_is_consumed_in_full_or_refused_naming_the_scheme(
    session: AsyncSession,
) -> None:
    w = await make_scheme_world(session)
    capped = await make_scheme(session, w.admin, "CAP", budget=D("1000.00"))
    free = await make_scheme(session, w.admin, "FREE")

    await consume_scheme_budget(session, amounts={"CAP": D("600.00"), "FREE": D("123.45")})
    with pytest.raises(SchemeBudgetExhausted) as caught:
        await consume_scheme_budget(session, amounts={"CAP": D("400.01")})
    assert (caught.value.code, caught.value.details) == (
        "SCHEME_BUDGET_EXHAUSTED",
        {"scheme": "CAP", "asked": "400.01", "left": "400.00"},
    )
    assert await codes_for(w, session, 0) == ["CAP", "FREE"]
    await consume_scheme_budget(session, amounts={"CAP": D("400.00"), "FREE": D(0)})
    await session.refresh(capped)
    await session.refresh(free)
    assert (capped.consumed, free.consumed) == (D("1000.00"), D("123.45"))
    # a scheme whose budget is used up no longer prices bills
    assert await codes_for(w, session, 0) == ["FREE"]
    with pytest.raises(NotFound):
        await consume_scheme_budget(session, amounts={"NOPE": D(1)})

    # a returned bill gives its consumption back, never more than was taken
    await release_scheme_budget(session, amounts={"CAP": D("250.00")})
    await session.refresh(capped)
    assert capped.consumed == D("750.00")
    assert await codes_for(w, session, 0) == ["CAP", "FREE"]
    with pytest.raises(ValidationFailed):
        await release_scheme_budget(session, amounts={"CAP": D("750.01")})
    await session.refresh(capped)
    assert capped.consumed == D("750.00")
    await consume_scheme_budget(session, amounts={"CAP": D("250.00")})

    # and the database itself refuses consumption past the budget
    with pytest.raises(IntegrityError) as refused:
        async with session.begin_nested():
            await session.execute(
                text("UPDATE scheme SET consumed = consumed + 1 WHERE code = 'CAP'")
            )
    assert "ck_scheme_consumed_within_budget" in str(refused.value)


async def test_a_distributor_sees_only_schemes_open_to_it(session: AsyncSession) -> None:
    w = await make_scheme_world(session)
    d0, d1 = w.distributors
    await make_scheme(session, w.admin, "ANY")
    await make_scheme(session, w.admin, "MINE", distributor_ids=(d0.id,))
    other = await make_scheme(session, w.admin, "THEIRS", distributor_ids=(d1.id,))
    seller = principal_of(
        await make_user(session, w.tenant, role=Role.DISTRIBUTOR, distributor_id=d0.id)
    )

    def codes(principal: Principal) -> Select[Any]:
        return schemes_query(principal, flow=None, status=None).order_by(TradeScheme.code)

    seen = (await session.execute(codes(seller))).scalars().all()
    assert [s.code for s in seen] == ["ANY", "MINE"]
    assert [s.code for s in (await session.execute(codes(w.rep))).scalars()] == [
        "ANY",
        "MINE",
        "THEIRS",
    ]
    assert await visible_schemes_by_ids(session, seller, [other.id]) == []
