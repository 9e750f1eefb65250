"""Money left on account pays the next invoice; a bounce of that cheque reopens both invoices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.models import PaymentMethod
from backend.billing.payments import PaymentDraft, bounce_cheque, record_payment
from tests.factories.claims import make_invoice
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.orders import ORDER_DAY, make_primary_world

D = Decimal


async def test_on_account_money_pays_the_next_invoice_and_a_bounce_reopens_it(
    session: AsyncSession,
) -> None:
    # given an invoice of 11,100.00 and a cheque of 15,000.00: 3,900.00 stays on account
    world = await make_primary_world(session)
    first, _ = await make_invoice(session, world, quantity=10)
    cheque = await record_payment(
        session,
        principal=world.admin,
        idempotency_key=None,
        draft=PaymentDraft(
            world.distributor.id, PaymentMethod.CHEQUE, D("15000.00"), ORDER_DAY, "CHQ-9"
        ),
    )
    assert (first.open_amount, cheque.unallocated) == (D("0.00"), D("3900.00"))
    # when the next invoice is issued
    second, _ = await make_invoice(session, world, quantity=10)
    # then the money on account pays it first
    assert (second.open_amount, cheque.unallocated) == (D("7200.00"), D("0.00"))
    await assert_ledger_invariants(session, world.tenant.id)
    # when the cheque bounces, both invoices owe their totals again
    await bounce_cheque(
        session,
        principal=world.admin,
        payment_id=cheque.id,
        bounced_on=date(2026, 11, 9),
        reason="account closed",
    )
    assert (first.open_amount, second.open_amount) == (D("11100.00"), D("11100.00"))
    # and a bounced cheque's money is never applied again
    third, _ = await make_invoice(session, world, quantity=1)
    assert third.open_amount == third.total == D("1110.00")
    await assert_ledger_invariants(session, world.tenant.id)
