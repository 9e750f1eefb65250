"""Scheme ROI: the maths on exact numbers, and eligible sales read from a source of invoice lines."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Numeric, column, values
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Uuid

from backend.catalog.models import Product
from backend.identity.models import User
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from backend.parties.models import Retailer
from backend.schemes.claims import AppliedSchemeLine, record_scheme_accruals
from backend.schemes.models import TradeScheme
from backend.schemes.roi import (
    Period,
    SalesLines,
    baseline_for,
    measured_period,
    register_sales_lines,
    scheme_roi,
    scheme_roi_report,
)
from backend.schemes.service import consume_scheme_budget
from tests.factories.identity import token_for
from tests.factories.schemes import SchemeWorld, make_scheme, make_scheme_world
from tests.factories.secondary import add_credit_note, add_invoice
from tests.support.graphql_client import GraphQLClient

D = Decimal


def test_roi_is_the_increment_over_the_same_length_before_divided_by_cost() -> None:
    november = Period(date(2026, 11, 1), date(2026, 11, 30))
    result = scheme_roi(
        period=november, sales=D("150000.00"), baseline_sales=D("100000.00"), cost=D("12500.00")
    )
    assert result.baseline_period == Period(date(2026, 10, 2), date(2026, 10, 31))
    assert (result.incremental_sales, result.roi, result.uplift) == (
        D("50000.00"),
        D("4.0000"),
        D("0.5000"),
    )
    # a loss is a negative ROI; no cost or no baseline gives no ratio
    loss = scheme_roi(period=november, sales=D(90), baseline_sales=D(100), cost=D(3))
    assert (loss.roi, loss.uplift) == (D("-3.3333"), D("-0.1000"))
    free = scheme_roi(period=november, sales=D(10), baseline_sales=D(0), cost=D(0))
    assert (free.roi, free.uplift) == (None, None)
    # a running scheme is measured so far, against as many days before it
    so_far = measured_period(date(2026, 11, 1), date(2026, 11, 30), date(2026, 11, 10))
    assert (so_far, baseline_for(so_far)) == (
        Period(date(2026, 11, 1), date(2026, 11, 10)),
        Period(date(2026, 10, 22), date(2026, 10, 31)),
    )


def sales_lines(w: SchemeWorld) -> SalesLines:
    """Sales of November (and around it) in and out of the ROI scheme's reach."""
    r0, r1, r2 = w.retailers
    a, b, c = (w.products[k] for k in "ABC")

    def row(retailer: Retailer, product: Product, day: date, value: str) -> tuple[object, ...]:
        return (retailer.id, product.id, retailer.distributor_id, day, D(value))

    sales = values(
        column("retailer_id", Uuid),
        column("product_id", Uuid),
        column("distributor_id", Uuid),
        column("day", Date),
        column("value", Numeric(18, 2)),
        name="sales",
    ).data(
        [
            row(r0, a, date(2026, 11, 5), "1000.00"),  # in
            row(r0, b, date(2026, 11, 30), "500.00"),  # in (last day)
            row(r0, c, date(2026, 11, 5), "700.00"),  # drinks: out of scope
            row(r1, a, date(2026, 11, 5), "900.00"),  # modern trade: not eligible
            row(r2, a, date(2026, 11, 5), "800.00"),  # area 1: not eligible
            row(r0, a, date(2026, 10, 2), "300.00"),  # baseline (first day)
            row(r0, a, date(2026, 10, 1), "5000.00"),  # before the baseline
            row(r0, a, date(2026, 12, 1), "5000.00"),  # after the scheme
        ]
    )
    return SalesLines(
        sales,
        sales.c.retailer_id,
        sales.c.product_id,
        sales.c.distributor_id,
        sales.c.day,
        sales.c.value,
    )


async def roi_scheme(session: AsyncSession, w: SchemeWorld) -> TradeScheme:
    """A GT noodle scheme in area 0 that consumed 200.00 and accrued 250.00."""
    scheme = await make_scheme(
        session,
        w.admin,
        "ROI",
        categories=("Noodles",),
        channels=("GT",),
        territory_ids=(w.hierarchy.areas[0].id,),
        budget=D("1000.00"),
    )
    await consume_scheme_budget(session, amounts={"ROI": D("200.00")})
    d0 = w.distributors[0].id
    await record_scheme_accruals(
        session, lines=[AppliedSchemeLine("ROI", uuid.uuid4(), d0, date(2026, 11, 5), D("250.00"))]
    )
    return scheme


async def test_report_counts_eligible_skus_and_outlets_only(session: AsyncSession) -> None:
    # given a GT noodle scheme in area 0 that consumed 200.00 and accrued 250.00
    w = await make_scheme_world(session)
    scheme = await roi_scheme(session, w)

    # and secondary sales lines in and out of the scheme's reach
    source = sales_lines(w)

    # when its ROI is measured at the end of November
    report = await scheme_roi_report(
        session, scheme_id=scheme.id, as_of=date(2026, 12, 15), lines=source
    )

    # then only eligible sales count, against the larger of consumption and accruals
    assert (report.sales, report.baseline_sales, report.incremental_sales, report.cost) == (
        D("1500.00"),
        D("300.00"),
        D("1200.00"),
        D("250.00"),
    )
    assert (report.roi, report.uplift) == (D("4.8000"), D("4.0000"))


async def test_roi_over_graphql_reads_the_registered_sales_source(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    w = await make_scheme_world(session)
    scheme = await roi_scheme(session, w)
    await session.commit()
    admin = token_for(await session.get_one(User, w.admin.user_id), settings)
    rep = token_for(await session.get_one(User, w.rep.user_id), settings)
    variables = {"schemeId": encode_global_id("Scheme", scheme.id), "asOf": "2026-12-15"}
    previous = register_sales_lines(lambda: sales_lines(w))
    try:
        body = await client.run("SchemeRoi", variables, token=admin)
        refused = await client.run("SchemeRoi", variables, token=rep)
    finally:
        register_sales_lines(previous)
    found = body["data"]["schemeRoi"]
    assert found == {
        "scheme": {"id": variables["schemeId"], "code": "ROI"},
        "periodFrom": "2026-11-01",
        "periodTo": "2026-11-30",
        "baselineFrom": "2026-10-02",
        "baselineTo": "2026-10-31",
        "sales": {"amount": "1500.00", "currency": "IDR"},
        "baselineSales": {"amount": "300.00", "currency": "IDR"},
        "incrementalSales": {"amount": "1200.00", "currency": "IDR"},
        "cost": {"amount": "250.00", "currency": "IDR"},
        "roi": "4.8000",
        "uplift": "4.0000",
    }
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_roi_over_graphql_reads_secondary_invoices_net_of_returns_by_default(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    w = await make_scheme_world(session)
    scheme = await roi_scheme(session, w)
    r0, r1, r2 = w.retailers
    a, b, c = (w.products[k] for k in "ABC")
    # in reach: 2 × 500 of A (and 2 free) on 5 Nov, one A returned on 20 Nov, 500 of B on 30 Nov
    nov5 = await add_invoice(
        session, r0, date(2026, 11, 5), [(a, 2, D("500.00")), (c, 1, D("700.00"))], free=[(a, 2)]
    )
    await add_credit_note(session, nov5, r0, date(2026, 11, 20), [(a, 1, D("500.00"))])
    await add_invoice(session, r0, date(2026, 11, 30), [(b, 1, D("500.00"))])
    await add_invoice(session, r0, date(2026, 10, 2), [(a, 3, D("100.00"))])  # baseline
    # out of reach: modern trade, area 1, before the baseline, after the scheme
    await add_invoice(session, r1, date(2026, 11, 5), [(a, 9, D("100.00"))])
    await add_invoice(session, r2, date(2026, 11, 5), [(a, 8, D("100.00"))])
    await add_invoice(session, r0, date(2026, 10, 1), [(a, 50, D("100.00"))])
    await add_invoice(session, r0, date(2026, 12, 1), [(a, 50, D("100.00"))])
    await session.commit()
    admin = token_for(await session.get_one(User, w.admin.user_id), settings)
    variables = {"schemeId": encode_global_id("Scheme", scheme.id), "asOf": "2026-12-15"}

    body = await client.run("SchemeRoi", variables, token=admin)

    found = body["data"]["schemeRoi"]
    assert {k: found[k] for k in ("sales", "baselineSales", "incrementalSales", "cost")} == {
        "sales": {"amount": "1000.00", "currency": "IDR"},
        "baselineSales": {"amount": "300.00", "currency": "IDR"},
        "incrementalSales": {"amount": "700.00", "currency": "IDR"},
        "cost": {"amount": "250.00", "currency": "IDR"},
    }
    assert (found["roi"], found["uplift"]) == ("2.8000", "2.3333")
