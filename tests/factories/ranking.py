"""A small tenant with months of visits, captured orders and the secondary invoices billing them,
enough to train the ranking model."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import insert, select
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
from backend.identity.models import Role, Tenant, User
from backend.kit.db import new_id
from backend.kit.geo import point_element
from backend.kit.settings import Settings
from backend.parties.models import Distributor, OutletClass, Retailer
from backend.pricing.models import PriceListItem
from tests.factories.catalog import make_product
from tests.factories.field import make_beat, make_rep
from tests.factories.identity import make_tenant, make_user, token_for
from tests.factories.orders import make_price
from tests.factories.parties import make_distributor, make_retailer
from tests.factories.secondary import add_invoices_in_bulk
from tests.factories.territories import Hierarchy, make_hierarchy

HISTORY_START = date(2026, 3, 2)
HISTORY_DAYS = 238  # to 2026-10-25: enough for four 28-day cutoffs after 56 days of history
RHYTHMS = {OutletClass.A: 7, OutletClass.B: 14, OutletClass.C: 28}


@dataclass(frozen=True)
class RankingWorld:
    """One rep's beat of outlets with a history of orders, an off-beat outlet, users per role."""

    tenant: Tenant
    hierarchy: Hierarchy
    distributor: Distributor
    rep: Rep
    on_beat: list[Retailer]
    off_beat: Retailer
    products: list[Product]
    prices: list[PriceListItem]
    users: dict[Role, User]
    tokens: dict[Role, str]

    @property
    def retailers(self) -> list[Retailer]:
        """Every retailer of the world, beat first."""
        return [*self.on_beat, self.off_beat]


async def make_ranking_world(
    session: AsyncSession,
    settings: Settings,
    *,
    outlets: int = 12,
    days: int = HISTORY_DAYS,
    seed: int = 3,
) -> RankingWorld:
    """Build the tenant and `days` of weekly-to-monthly orders (the session ends scoped to it)."""
    tenant = await make_tenant(session)
    tree = await make_hierarchy(session, tenant)
    leaf = tree.territories[0]
    distributor = await make_distributor(session, tenant, leaf)
    classes = [OutletClass.A, OutletClass.B, OutletClass.C]
    on_beat = [
        await make_retailer(
            session,
            tenant,
            leaf,
            distributor,
            code=f"RK-{n:02d}",
            outlet_class=classes[n % 3],
            latitude=-6.2 + n * 0.004,
            longitude=106.85,
        )
        for n in range(outlets)
    ]
    off_beat = await make_retailer(
        session, tenant, tree.territories[2], distributor, code="RK-OFF", latitude=-6.3
    )
    products = [await make_product(session, tenant, sku=f"RK-SKU-{n}") for n in range(3)]
    prices = [
        await make_price(session, tenant, product, price=Decimal(1000 * (n + 1)))
        for n, product in enumerate(products)
    ]
    users = {
        Role.ADMIN: await make_user(session, tenant, role=Role.ADMIN),
        Role.MANAGER: await make_user(
            session, tenant, role=Role.MANAGER, territory_id=tree.areas[0].id
        ),
        Role.REP: await make_user(session, tenant, role=Role.REP, territory_id=leaf.id),
        Role.DISTRIBUTOR: await make_user(
            session, tenant, role=Role.DISTRIBUTOR, distributor_id=distributor.id
        ),
    }
    rep = await make_rep(session, tenant, users[Role.REP])
    await make_beat(session, tenant, rep, on_beat)
    await add_order_history(
        session, tenant, rep, [*on_beat, off_beat], products, days=days, seed=seed
    )
    return RankingWorld(
        tenant=tenant,
        hierarchy=tree,
        distributor=distributor,
        rep=rep,
        on_beat=on_beat,
        off_beat=off_beat,
        products=products,
        prices=prices,
        users=users,
        tokens={role: token_for(user, settings) for role, user in users.items()},
    )


async def add_order_history(
    session: AsyncSession,
    tenant: Tenant,
    rep: Rep,
    retailers: list[Retailer],
    products: list[Product],
    *,
    days: int,
    seed: int,
    start: date = HISTORY_START,
) -> None:
    """Visit each outlet on its class rhythm; most visits end with an order of 1–3 SKUs, billed
    the same day at the product's retailer price."""
    rng = random.Random(seed)
    prices = {
        row.product_id: row.retailer_price
        for row in (
            await session.execute(
                select(PriceListItem).where(PriceListItem.product_id.in_([p.id for p in products]))
            )
        ).scalars()
    }
    invoices: list[tuple[Retailer, date, list[tuple[Product, int, Decimal]]]] = []
    visits: list[dict[str, object]] = []
    orders: list[dict[str, object]] = []
    lines: list[dict[str, object]] = []
    for n, retailer in enumerate(retailers):
        rhythm = RHYTHMS[retailer.outlet_class]
        size = 1 + (len(retailers) - n)  # earlier outlets buy more
        growth = rng.uniform(-0.9, 3.0)  # some outlets grow fast, others fade
        for offset in range(n % rhythm, days, rhythm):
            day = start + timedelta(days=offset)
            at = datetime.combine(day, time(3, 0), tzinfo=UTC)  # 10:00 in Jakarta
            productive = rng.random() < 0.85
            visit_id = new_id()
            visits.append(
                {
                    "id": visit_id,
                    "tenant_id": tenant.id,
                    "rep_id": rep.id,
                    "retailer_id": retailer.id,
                    "visit_date": day,
                    "checked_in_at": at,
                    "check_in_location": point_element(-6.2, 106.85),
                    "check_in_accuracy_m": 10.0,
                    "distance_m": 5.0,
                    "geofence": GeofenceResult.INSIDE,
                    "outside_opening_hours": False,
                    "checked_out_at": at + timedelta(minutes=10),
                    "outcome": VisitOutcome.PRODUCTIVE if productive else VisitOutcome.NO_ORDER,
                    "no_order_reason": None if productive else NoOrderReason.STOCK_SUFFICIENT,
                    "photo_refs": [],
                }
            )
            if not productive:
                continue
            trend = 1 + growth * offset / days
            order_id = new_id()
            orders.append(
                {
                    "id": order_id,
                    "tenant_id": tenant.id,
                    "visit_id": visit_id,
                    "rep_id": rep.id,
                    "retailer_id": retailer.id,
                    "distributor_id": retailer.distributor_id,
                    "captured_at": at + timedelta(minutes=5),
                    "status": CapturedOrderStatus.CAPTURED,
                }
            )
            billed: list[tuple[Product, int, Decimal]] = []
            for product in rng.sample(products, rng.randint(1, len(products))):
                quantity = max(1, round(size * rng.randint(2, 6) * trend))
                lines.append(
                    {
                        "tenant_id": tenant.id,
                        "order_id": order_id,
                        "product_id": product.id,
                        "quantity": quantity,
                    }
                )
                billed.append((product, quantity, prices[product.id]))
            invoices.append((retailer, day, billed))
    for model, rows in ((Visit, visits), (CapturedOrder, orders), (CapturedOrderLine, lines)):
        for begin in range(0, len(rows), 1000):
            await session.execute(insert(model), rows[begin : begin + 1000])
    await add_invoices_in_bulk(session, invoices)
