"""Statement of account: opening, running balance, closing, ageing, DSO and overdue %."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.invoicing import invoice_order
from backend.billing.models import PaymentMethod
from backend.billing.payments import PaymentDraft, record_payment
from backend.billing.statements import ageing_bucket, statement_of_account
from backend.orders.workflow import approve_order
from tests.factories.orders import make_order, make_primary_world

D = Decimal


async def test_statement_runs_from_opening_to_closing(session: AsyncSession) -> None:
    # given invoices on 1 Sep (1,110.00) and 1 Nov (2,220.00, approved over the overdue hold) and a payment of 500.00 on 5 Nov
    world = await make_primary_world(session)
    for day, qty in ((date(2026, 9, 1), 1), (date(2026, 11, 1), 2)):
        order = await make_order(session, world, quantity=qty, day=day)
        await approve_order(
            session,
            principal=world.admin,
            order_id=order.id,
            today=day,
            override_credit=True,
            reason="agreed with finance",
        )
        await invoice_order(
            session, principal=world.admin, order_id=order.id, series="INV", issued_on=day
        )
    await record_payment(
        session,
        principal=world.admin,
        idempotency_key=None,
        draft=PaymentDraft(
            world.distributor.id,
            PaymentMethod.BANK_TRANSFER,
            D("500.00"),
            date(2026, 11, 5),
            "TRF-9",
        ),
    )
    # when the statement for November is built
    soa = await statement_of_account(
        session,
        principal=world.admin,
        distributor_id=world.distributor.id,
        start=date(2026, 11, 1),
        end=date(2026, 11, 30),
    )
    # then the September invoice is the opening balance and the month runs to the closing
    assert soa.opening == D("1110.00")
    assert [(ln.debit, ln.credit, ln.balance) for ln in soa.lines] == [
        (D("2220.00"), D("0.00"), D("3330.00")),
        (D("0.00"), D("500.00"), D("2830.00")),
    ]
    assert soa.closing == D("2830.00")
    # the payment went to the oldest invoice: 610.00 open at 90 days, 2,220.00 at 29 days
    assert soa.ageing == [D("2220.00"), D("0.00"), D("610.00"), D("0.00")]
    assert soa.overdue_percent == D("21.55")  # 610 / 2830 overdue (credit days 30)
    assert soa.dso_days == D("38.2")  # 2830 × 30 days / 2220 of sales
    # and October's statement ages what stood open on 31 October: the payment came later
    october = await statement_of_account(
        session,
        principal=world.admin,
        distributor_id=world.distributor.id,
        start=date(2026, 10, 1),
        end=date(2026, 10, 31),
    )
    assert (october.opening, october.lines, october.closing) == (D("1110.00"), [], D("1110.00"))
    assert october.ageing == [D("0.00"), D("1110.00"), D("0.00"), D("0.00")]  # 60 days
    assert october.overdue_percent == D("100.00")  # due 1 October


def test_ageing_buckets_have_inclusive_edges() -> None:
    assert [ageing_bucket(d) for d in (0, 30, 31, 60, 61, 90, 91, 400)] == [0, 0, 1, 1, 2, 2, 3, 3]
