"""Secondary billing and returns with the tenant's stored schemes (the app's scheme source):
budgets consumed in the bill, accruals per scheme and invoice line, claims from real invoices,
and returns giving the discount back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.claims.models import ClaimType
from backend.identity.models import User
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from backend.schemes.claims import accruals_of, generate_scheme_claims
from backend.schemes.models import SchemeAccrual, TradeScheme
from backend.schemes.rules import SchemeKind
from backend.secondary.billing import bill_order
from backend.secondary.models import ReturnReason, SecondaryDocument, SecondaryLine
from backend.secondary.returns import ReturnDraft, ReturnLineDraft, record_return
from backend.secondary.schemes import STORED_SCHEMES, app_scheme_source
from tests.factories.identity import token_for
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.schemes import make_scheme
from tests.factories.secondary import SALE_DAY, SecondaryWorld, desk_order, make_secondary_world
from tests.factories.secondary import receive as receive_stock
from tests.support.graphql_client import GraphQLClient

D = Decimal


async def _consumed(session: AsyncSession) -> dict[str, Decimal]:
    rows = await session.execute(
        select(TradeScheme.code, TradeScheme.consumed).execution_options(populate_existing=True)
    )
    return dict(rows.all())


async def _lines(session: AsyncSession, doc: SecondaryDocument) -> list[SecondaryLine]:
    rows = await session.execute(
        select(SecondaryLine)
        .where(SecondaryLine.document_id == doc.id)
        .order_by(SecondaryLine.line_no)
    )
    return list(rows.scalars())


async def _accruals(session: AsyncSession) -> list[tuple[str, int, Decimal, int, Decimal]]:
    rows = await session.execute(
        select(
            TradeScheme.code,
            SecondaryLine.line_no,
            SchemeAccrual.discount,
            SchemeAccrual.free_quantity,
            SchemeAccrual.free_value,
        )
        .join(TradeScheme, TradeScheme.id == SchemeAccrual.scheme_id)
        .join(SecondaryLine, SecondaryLine.id == SchemeAccrual.invoice_line_id)
        .order_by(TradeScheme.code, SecondaryLine.line_no)
        .execution_options(populate_existing=True)
    )
    return [tuple(r) for r in rows.all()]  # type: ignore[misc]


async def _world_with_schemes(
    session: AsyncSession, *, pct_budget: Decimal | None = None
) -> SecondaryWorld:
    world = await make_secondary_world(session)
    p0 = world.products[0]
    await make_scheme(session, world.admin, "PCT10", budget=pct_budget)
    await make_scheme(
        session,
        world.admin,
        "B5G1",
        SchemeKind.BUY_X_GET_Y,
        buy_quantity=5,
        free_quantity=1,
        free_product_id=p0.id,
        product_ids=(p0.id,),
    )
    await receive_stock(session, world, p0, "B1", 40, None)
    await receive_stock(session, world, world.products[1], "B1", 40, None)
    return world


async def test_the_app_bills_with_stored_schemes_consuming_budgets_and_accruing() -> None:
    assert app_scheme_source() is STORED_SCHEMES


async def test_billing_applies_stored_schemes_spends_budgets_and_records_accruals(
    session: AsyncSession,
) -> None:
    # given a stored 10% scheme and buy-5-get-1 on SKU 0 (retail prices 1100.00 and 2200.00)
    world = await _world_with_schemes(session, pct_budget=D("5000.00"))
    order = await desk_order(session, world, [10, 2])
    # when billed with the app's scheme source
    doc = await bill_order(
        session, principal=world.desk, order_id=order.id, issued_on=SALE_DAY, schemes=STORED_SCHEMES
    )
    # then both schemes price the bill and their budgets hold what they gave
    lines = await _lines(session, doc)
    assert [(ln.quantity, ln.gross, ln.discount, ln.is_free) for ln in lines] == [
        (10, D("11000.00"), D("1100.00"), False),
        (2, D("4400.00"), D("440.00"), False),
        (2, D("0.00"), D("0.00"), True),
    ]
    assert await _consumed(session) == {"PCT10": D("1540.00"), "B5G1": D("2200.00")}
    # one accrual per scheme and line; the free goods' value sits on the free-goods line
    assert await _accruals(session) == [
        ("B5G1", 3, D("0.00"), 2, D("2200.00")),
        ("PCT10", 1, D("1100.00"), 0, D("0.00")),
        ("PCT10", 2, D("440.00"), 0, D("0.00")),
    ]
    # and the distributor's scheme claim is built from these invoice lines
    claim = await generate_scheme_claims(
        session,
        principal=world.admin,
        distributor_id=world.distributor.id,
        period_from=date(2026, 11, 1),
        period_to=date(2026, 11, 30),
        submitted_on=date(2026, 12, 1),
    )
    assert (claim.claim_type, claim.claimed_amount) == (
        ClaimType.SCHEME_REIMBURSEMENT,
        D("3740.00"),
    )
    evidence = (await accruals_of(session, [claim.id]))[claim.id]
    assert sorted((a.invoice_line_id, a.amount) for a in evidence) == sorted(
        [(lines[0].id, D("1100.00")), (lines[1].id, D("440.00")), (lines[2].id, D("2200.00"))]
    )
    assert {a.reference for a in evidence} == {doc.number}
    await assert_ledger_invariants(session, world.tenant.id)


async def test_a_scheme_whose_budget_cannot_cover_the_bill_is_dropped_and_the_bill_repriced(
    session: AsyncSession,
) -> None:
    # given the 10% scheme has 1000.00 of budget and the bill would need 1540.00
    world = await _world_with_schemes(session, pct_budget=D("1000.00"))
    order = await desk_order(session, world, [10, 2])
    # when billed
    doc = await bill_order(
        session, principal=world.desk, order_id=order.id, issued_on=SALE_DAY, schemes=STORED_SCHEMES
    )
    # then the bill is priced without it (free goods still given), and its budget is untouched
    lines = await _lines(session, doc)
    assert [(ln.gross, ln.discount, ln.is_free) for ln in lines] == [
        (D("11000.00"), D("0.00"), False),
        (D("4400.00"), D("0.00"), False),
        (D("0.00"), D("0.00"), True),
    ]
    assert (doc.discount, doc.net) == (D("0.00"), D("15400.00"))
    assert await _consumed(session) == {"PCT10": D("0.00"), "B5G1": D("2200.00")}
    assert [a[0] for a in await _accruals(session)] == ["B5G1"]
    # a smaller bill that fits still gets it
    small = await desk_order(session, world, [1, 0])
    doc2 = await bill_order(
        session, principal=world.desk, order_id=small.id, issued_on=SALE_DAY, schemes=STORED_SCHEMES
    )
    assert doc2.discount == D("110.00")
    assert (await _consumed(session))["PCT10"] == D("110.00")
    await assert_ledger_invariants(session, world.tenant.id)


async def test_returns_release_the_returned_share_and_reduce_unclaimed_accruals(
    session: AsyncSession,
) -> None:
    # given an invoice of 7 units of SKU 0 with 10% off (770.00; +1 free unit worth 1100.00)
    world = await _world_with_schemes(session)
    order = await desk_order(session, world, [7, 0])
    doc = await bill_order(
        session, principal=world.desk, order_id=order.id, issued_on=SALE_DAY, schemes=STORED_SCHEMES
    )
    sold = (await _lines(session, doc))[0]
    assert sold.discount == D("770.00")

    async def give_back(quantity: int, day: date) -> None:
        await record_return(
            session,
            principal=world.desk,
            draft=ReturnDraft(
                doc.id, ReturnReason.EXCESS_STOCK, day, [ReturnLineDraft(sold.id, "B1", quantity)]
            ),
            schemes=STORED_SCHEMES,
            idempotency_key=None,
        )

    # when 3 then 1 units come back
    await give_back(3, date(2026, 11, 5))
    assert await _consumed(session) == {"PCT10": D("440.00"), "B5G1": D("1100.00")}
    await give_back(1, date(2026, 11, 6))
    # then 4/7 of the discount went back to the budget and off the accrual; free goods stay
    assert await _consumed(session) == {"PCT10": D("330.00"), "B5G1": D("1100.00")}
    assert await _accruals(session) == [
        ("B5G1", 2, D("0.00"), 1, D("1100.00")),
        ("PCT10", 1, D("330.00"), 0, D("0.00")),
    ]
    # once claimed, a later return still releases budget but leaves the claimed accrual as is
    await generate_scheme_claims(
        session,
        principal=world.admin,
        distributor_id=world.distributor.id,
        period_from=date(2026, 11, 1),
        period_to=date(2026, 11, 30),
        submitted_on=date(2026, 11, 7),
    )
    await give_back(3, date(2026, 11, 8))
    assert await _consumed(session) == {"PCT10": D("0.00"), "B5G1": D("1100.00")}
    assert [a[2] for a in await _accruals(session)] == [D("0.00"), D("330.00")]
    await assert_ledger_invariants(session, world.tenant.id)


async def test_returning_every_unit_in_odd_parts_releases_exactly_the_discount(
    session: AsyncSession,
) -> None:
    # given 7 units of SKU 0 at 1100.00 under 3.33% off: 256.41, which 7 does not divide
    world = await make_secondary_world(session)
    await make_scheme(session, world.admin, "PCT3", percent=D("3.33"))
    await receive_stock(session, world, world.products[0], "B1", 10, None)
    order = await desk_order(session, world, [7, 0])
    doc = await bill_order(
        session, principal=world.desk, order_id=order.id, issued_on=SALE_DAY, schemes=STORED_SCHEMES
    )
    sold = (await _lines(session, doc))[0]
    assert sold.discount == D("256.41")  # 7700.00 × 3.33%
    # when the 7 units come back as 2, 2, 3
    for n, qty in enumerate((2, 2, 3)):
        await record_return(
            session,
            principal=world.desk,
            draft=ReturnDraft(
                doc.id,
                ReturnReason.EXCESS_STOCK,
                date(2026, 11, 3 + n),
                [ReturnLineDraft(sold.id, "B1", qty)],
            ),
            schemes=STORED_SCHEMES,
            idempotency_key=None,
        )
    # then exactly the discount was released (no cent lost or over-released) and no accrual is left
    assert await _consumed(session) == {"PCT3": D("0.00")}
    assert await _accruals(session) == []


async def test_the_api_bills_with_stored_schemes_and_the_claim_comes_from_those_invoices(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    # given a stored 10% scheme and an order of 10 units of SKU 0 (11000.00)
    world = await make_secondary_world(session)
    await make_scheme(session, world.admin, "PCT10", budget=D("2000.00"))
    await receive_stock(session, world, world.products[0], "B1", 10, None)
    order = await desk_order(session, world, [10, 0])
    await session.commit()
    desk = token_for(await session.get_one(User, world.desk.user_id), settings)
    admin = token_for(await session.get_one(User, world.admin.user_id), settings)
    # when the desk bills it through the API
    billed = (
        await client.run(
            "BillSecondaryOrder",
            {
                "input": {
                    "orderId": encode_global_id("SecondaryOrder", order.id),
                    "issuedOn": "2026-11-02",
                }
            },
            token=desk,
        )
    )["data"]["billSecondaryOrder"]
    assert billed["errors"] == []
    doc = billed["document"]
    assert doc["discount"]["amount"] == "1100.00"
    assert doc["lines"][0]["schemes"][0]["code"] == "PCT10"
    assert await _consumed(session) == {"PCT10": D("1100.00")}
    # then the admin's scheme claim for November holds that invoice line
    made = (
        await client.run(
            "GenerateSchemeClaim",
            {
                "input": {
                    "distributorId": encode_global_id("Distributor", world.distributor.id),
                    "periodFrom": "2026-11-01",
                    "periodTo": "2026-11-30",
                    "submittedOn": "2026-12-01",
                }
            },
            token=admin,
        )
    )["data"]["generateSchemeClaim"]
    assert made["errors"] == []
    claim = made["claim"]
    assert claim["claimed"]["amount"] == "1100.00"
    assert [
        (a["schemeCode"], a["reference"], a["accruedOn"], a["amount"]["amount"])
        for a in claim["schemeAccruals"]
    ] == [("PCT10", doc["number"], "2026-11-02", "1100.00")]
