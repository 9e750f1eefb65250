"""QPS settlement: cumulative units over the period pick the slab; its percent of value is credited."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Date, Integer, Numeric, column, values
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Uuid

from backend.kit.errors import ValidationFailed
from backend.schemes.qps import Purchases, QpsCredit, qps_credits, qps_settlement
from backend.schemes.roi import SalesLines
from backend.schemes.rules import SchemeKind, Slab
from backend.schemes.validation import SlabDraft
from tests.factories.schemes import make_scheme, make_scheme_world

D = Decimal
SLABS = (Slab(D(100), D(1)), Slab(D(500), D("2.5")))


def test_the_highest_slab_reached_credits_its_percent_of_the_value() -> None:
    a, b, c = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)
    credits = qps_credits(
        SLABS,
        [
            Purchases(c, 99, D("9900.00")),  # below the first slab
            Purchases(b, 500, D("123456.78")),  # exactly the second
            Purchases(a, 150, D("15000.00")),
        ],
    )
    assert credits == [
        QpsCredit(a, 150, D("15000.00"), SLABS[0], D("150.00")),
        QpsCredit(b, 500, D("123456.78"), SLABS[1], D("3086.42")),
    ]


async def test_settlement_sums_eligible_purchases_over_the_whole_period(
    session: AsyncSession,
) -> None:
    w = await make_scheme_world(session)
    r0, r1, r2 = w.retailers
    a, c = w.products["A"], w.products["C"]
    scheme = await make_scheme(
        session,
        w.admin,
        "QPS",
        SchemeKind.QPS,
        slabs=(SlabDraft(D(100), D(1)), SlabDraft(D(500), D("2.5"))),
        brands=("Rasa",),
        channels=("GT",),
    )
    rows = [
        (r0.id, a.id, r0.distributor_id, date(2026, 11, 1), 60, D("66000.00")),
        (r0.id, a.id, r0.distributor_id, date(2026, 11, 30), 60, D("66000.00")),
        (r0.id, c.id, r0.distributor_id, date(2026, 11, 15), 900, D("9000.00")),  # other brand
        (r0.id, a.id, r0.distributor_id, date(2026, 12, 1), 900, D("9000.00")),  # after
        (r1.id, a.id, r1.distributor_id, date(2026, 11, 3), 700, D("770000.00")),  # MT
        (r2.id, a.id, r2.distributor_id, date(2026, 11, 3), 99, D("108900.00")),  # below
    ]
    sales = values(
        column("retailer_id", Uuid),
        column("product_id", Uuid),
        column("distributor_id", Uuid),
        column("day", Date),
        column("quantity", Integer),
        column("value", Numeric(18, 2)),
        name="sales",
    ).data(rows)
    source = SalesLines(
        sales,
        sales.c.retailer_id,
        sales.c.product_id,
        sales.c.distributor_id,
        sales.c.day,
        sales.c.value,
        sales.c.quantity,
    )

    with pytest.raises(ValidationFailed):
        await qps_settlement(session, scheme_id=scheme.id, on=date(2026, 11, 30), lines=source)
    credits = await qps_settlement(session, scheme_id=scheme.id, on=date(2026, 12, 1), lines=source)

    assert [(x.retailer_id, x.quantity, x.value, x.credit) for x in credits] == [
        (r0.id, 120, D("132000.00"), D("1320.00"))
    ]
