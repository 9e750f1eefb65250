"""The export gives `ml` exactly the tenant's retailers, purchases (secondary invoice lines net of
returns) and visits, nothing else."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.field.models import Rep
from backend.field.visit_models import (
    CapturedOrder,
    CapturedOrderLine,
    CapturedOrderStatus,
    GeofenceResult,
    NoOrderReason,
    Visit,
    VisitOutcome,
)
from backend.identity.models import Role, Tenant
from backend.kit.db import new_id, set_tenant
from backend.kit.geo import point_element
from backend.parties.models import Channel, OutletClass, Retailer
from backend.ranking.export import export_tables
from tests.factories.catalog import make_product
from tests.factories.field import make_beat, make_rep
from tests.factories.identity import make_tenant, make_user
from tests.factories.orders import make_price
from tests.factories.parties import make_distributor, make_retailer
from tests.factories.secondary import add_credit_note, add_invoice
from tests.factories.territories import make_hierarchy


async def _visit(
    session: AsyncSession,
    tenant: Tenant,
    rep: Rep,
    retailer: Retailer,
    day: date,
    lines: list[tuple[Product, int]],
    status: CapturedOrderStatus = CapturedOrderStatus.CAPTURED,
) -> None:
    at = datetime.combine(day, time(3, 0), tzinfo=UTC)
    productive = bool(lines)
    visit = Visit(
        id=new_id(),
        tenant_id=tenant.id,
        rep_id=rep.id,
        retailer_id=retailer.id,
        visit_date=day,
        checked_in_at=at,
        check_in_location=point_element(-6.2, 106.85),
        check_in_accuracy_m=5.0,
        distance_m=3.0,
        geofence=GeofenceResult.INSIDE,
        outside_opening_hours=False,
        checked_out_at=at + timedelta(minutes=9),
        outcome=VisitOutcome.PRODUCTIVE if productive else VisitOutcome.NO_ORDER,
        no_order_reason=None if productive else NoOrderReason.SHOP_CLOSED,
        photo_refs=[],
    )
    session.add(visit)
    await session.flush()
    if not lines:
        return
    order = CapturedOrder(
        id=new_id(),
        tenant_id=tenant.id,
        visit_id=visit.id,
        rep_id=rep.id,
        retailer_id=retailer.id,
        distributor_id=retailer.distributor_id,
        captured_at=at,
        status=status,
    )
    session.add(order)
    await session.flush()
    session.add_all(
        CapturedOrderLine(tenant_id=tenant.id, order_id=order.id, product_id=p.id, quantity=q)
        for p, q in lines
    )
    await session.flush()


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple[Any, ...]]:
    dated = frame.assign(date=frame["date"].dt.date)[columns]
    return list(dated.itertuples(index=False, name=None))


async def test_the_export_returns_exactly_the_tenants_rows(session: AsyncSession) -> None:
    other = await make_tenant(session)
    other_tree = await make_hierarchy(session, other)
    other_distributor = await make_distributor(session, other, other_tree.territories[0])
    await make_retailer(session, other, other_tree.territories[0], other_distributor)

    tenant = await make_tenant(session)
    tree = await make_hierarchy(session, tenant)
    distributor = await make_distributor(session, tenant, tree.territories[0])  # tier GOLD
    on_beat = await make_retailer(
        session,
        tenant,
        tree.territories[0],
        distributor,
        code="A1",
        channel=Channel.MT,
        outlet_class=OutletClass.A,
        latitude=-6.25,
        longitude=106.8,
    )
    off_beat = await make_retailer(session, tenant, tree.territories[1], distributor, code="B1")
    off_beat.is_active = False
    noodles = await make_product(session, tenant, sku="NOODLE")
    coffee = await make_product(session, tenant, sku="COFFEE")
    unpriced = await make_product(session, tenant, sku="NO-PRICE")
    await make_price(session, tenant, noodles, price=Decimal("1000.00"))  # all tiers: 1100
    await make_price(
        session, tenant, noodles, price=Decimal("900.00"), tier="GOLD", valid_from=date(2026, 6, 1)
    )  # GOLD from June: 990
    await make_price(session, tenant, coffee, price=Decimal("2000.00"), valid_to=date(2026, 7, 1))
    await make_price(session, tenant, coffee, price=Decimal("2500.00"), valid_from=date(2026, 7, 1))
    rep = await make_rep(
        session,
        tenant,
        await make_user(session, tenant, role=Role.REP, territory_id=tree.territories[0].id),
    )
    await make_beat(session, tenant, rep, [on_beat])

    await _visit(session, tenant, rep, on_beat, date(2026, 5, 20), [(noodles, 3), (coffee, 1)])
    await _visit(session, tenant, rep, on_beat, date(2026, 7, 2), [(noodles, 2), (unpriced, 5)])
    await _visit(
        session,
        tenant,
        rep,
        on_beat,
        date(2026, 7, 2),
        [(coffee, 4)],
        CapturedOrderStatus.CONVERTED,
    )
    await _visit(
        session,
        tenant,
        rep,
        off_beat,
        date(2026, 7, 3),
        [(noodles, 9)],
        CapturedOrderStatus.CANCELLED,
    )
    await _visit(session, tenant, rep, off_beat, date(2026, 7, 4), [])
    await _visit(session, tenant, rep, on_beat, date(2026, 8, 1), [(noodles, 1)])  # not before

    # What was billed: captured orders are not purchases until an invoice bills them.
    may = await add_invoice(
        session,
        on_beat,
        date(2026, 5, 20),
        [(noodles, 3, Decimal("1100")), (coffee, 1, Decimal("2200"))],
    )
    july = await add_invoice(
        session,
        on_beat,
        date(2026, 7, 2),
        [(noodles, 2, Decimal("990")), (unpriced, 5, Decimal("0"))],
        free=[(coffee, 1)],
    )
    await add_invoice(session, on_beat, date(2026, 7, 2), [(coffee, 4, Decimal("2750"))])
    await add_credit_note(session, july, on_beat, date(2026, 7, 10), [(noodles, 1, Decimal("990"))])
    await add_credit_note(session, may, on_beat, date(2026, 8, 5), [(coffee, 1, Decimal("2200"))])
    returned = await add_invoice(
        session, off_beat, date(2026, 7, 3), [(noodles, 9, Decimal("1100"))]
    )
    await add_credit_note(
        session, returned, off_beat, date(2026, 7, 5), [(noodles, 9, Decimal("1100"))]
    )
    await add_invoice(session, on_beat, date(2026, 8, 1), [(noodles, 1, Decimal("990"))])

    await set_tenant(session, tenant.id)
    export = await export_tables(session, before=date(2026, 8, 1))

    retailers = export.tables.retailers.set_index("retailer_id")
    assert list(retailers.index) == sorted([str(on_beat.id), str(off_beat.id)])
    assert retailers.loc[str(on_beat.id)].to_dict() == pytest.approx(
        {
            "channel": "MT",
            "outlet_class": "A",
            "distributor_id": str(distributor.id),
            "territory_id": str(tree.territories[0].id),
            "rep_id": str(rep.id),
            "lat": -6.25,
            "lon": 106.8,
        }
    )
    assert retailers["rep_id"].isna().to_dict() == {str(on_beat.id): False, str(off_beat.id): True}
    assert export.active_retailers == frozenset({str(on_beat.id)})
    assert (export.country, export.currency) == ("ID", "IDR")

    assert _rows(export.tables.sales, ["retailer_id", "date", "sku", "quantity", "value"]) == [
        (str(on_beat.id), date(2026, 5, 20), "COFFEE", 1.0, 2200.0),
        (str(on_beat.id), date(2026, 5, 20), "NOODLE", 3.0, 3300.0),
        (str(on_beat.id), date(2026, 7, 2), "COFFEE", 4.0, 11000.0),
        (str(on_beat.id), date(2026, 7, 2), "NO-PRICE", 5.0, 0.0),
        (str(on_beat.id), date(2026, 7, 2), "NOODLE", 1.0, 990.0),
    ]
    visits = export.tables.visits
    assert visits is not None
    assert sorted(_rows(visits, ["retailer_id", "date", "rep_id", "productive"])) == sorted(
        [
            (str(on_beat.id), date(2026, 5, 20), str(rep.id), True),
            (str(on_beat.id), date(2026, 7, 2), str(rep.id), True),
            (str(on_beat.id), date(2026, 7, 2), str(rep.id), True),
            (str(off_beat.id), date(2026, 7, 3), str(rep.id), True),
            (str(off_beat.id), date(2026, 7, 4), str(rep.id), False),
        ]
    )
    assert export.tables.offtake is None
