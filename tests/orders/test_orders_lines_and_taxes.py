"""Order lines: cases and case multiples; GST by place of supply at locked prices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.invoicing import invoice_order
from backend.billing.models import BillingLine
from backend.catalog.models import TaxClass
from backend.identity.models import Role
from backend.kit.errors import JalurError
from backend.orders.models import PrimarySettings
from backend.orders.placing import LineDraft, OrderDraft, place_order
from backend.orders.repository import lines_of
from backend.orders.workflow import approve_order
from tests.factories.identity import make_user, principal_of
from tests.factories.orders import ORDER_DAY, make_primary_world

D = Decimal


async def test_cases_become_units_and_multiples_are_enforced_when_configured(
    session: AsyncSession,
) -> None:
    world = await make_primary_world(session)
    settings = await session.get_one(PrimarySettings, world.tenant.id)
    settings.enforce_case_multiples = True
    product = world.products[0]  # case of 40
    order = await place_order(
        session,
        principal=world.admin,
        idempotency_key=None,
        draft=OrderDraft(
            world.distributor.id, [LineDraft(product.id, 2, in_cases=True)], ORDER_DAY
        ),
    )
    assert [ln.quantity for ln in (await lines_of(session, [order.id]))[order.id]] == [80]
    with pytest.raises(JalurError) as refused:
        await place_order(
            session,
            principal=world.admin,
            idempotency_key=None,
            draft=OrderDraft(world.distributor.id, [LineDraft(product.id, 41)], ORDER_DAY),
        )
    assert (refused.value.code, refused.value.field) == ("CASE_MULTIPLE", "input.lines[0].quantity")


@pytest.mark.parametrize(
    ("place_of_supply", "labels"),
    [
        ("KA", ["CGST 9% + SGST 9%"]),
        ("MH", ["IGST 18%"]),
    ],
)
async def test_gst_follows_the_place_of_supply(
    session: AsyncSession, place_of_supply: str, labels: list[str]
) -> None:
    world = await make_primary_world(session)
    world.tenant.tax_regime = "IN_GST"
    settings = await session.get_one(PrimarySettings, world.tenant.id)
    settings.home_state, settings.fiscal_year_start_month = "KA", 4
    world.products[0].tax_class = TaxClass.GST_18
    await session.flush()
    order = await place_order(
        session,
        principal=world.admin,
        idempotency_key=None,
        draft=OrderDraft(
            world.distributor.id,
            [LineDraft(world.products[0].id, 3)],
            ORDER_DAY,
            place_of_supply=place_of_supply,
            submit=True,
        ),
    )
    await approve_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    invoice = await invoice_order(
        session, principal=world.admin, order_id=order.id, series="GST", issued_on=ORDER_DAY
    )
    lines = (
        await session.execute(select(BillingLine).where(BillingLine.document_id == invoice.id))
    ).scalars()
    assert [ln.tax_label for ln in lines] == labels
    assert (invoice.tax, invoice.number) == (D("540.00"), "GST/2627/00001")


async def test_a_distributor_orders_for_itself_and_only_today(session: AsyncSession) -> None:
    world = await make_primary_world(session)
    user = await make_user(
        session, world.tenant, role=Role.DISTRIBUTOR, distributor_id=world.distributor.id
    )
    distributor = principal_of(user)
    line = [LineDraft(world.products[0].id, 1)]
    with pytest.raises(JalurError) as refused:
        await place_order(
            session,
            principal=distributor,
            idempotency_key=None,
            draft=OrderDraft(world.distributor.id, line, ORDER_DAY),
        )
    assert (refused.value.code, refused.value.field) == ("FORBIDDEN", "input.orderDate")
    order = await place_order(
        session,
        principal=distributor,
        idempotency_key=None,
        draft=OrderDraft(world.distributor.id, line, date.today(), submit=True),
    )
    assert order.created_by == user.id
