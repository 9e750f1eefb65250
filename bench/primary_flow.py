"""Primary-flow benchmark: orders placed, approved and invoiced (with ledger postings) per second.

Runs against the test database (JALUR_TEST_DATABASE_URL) in a tenant of its own, removed at the
end. Single: one order after another. Concurrent: WORKERS sessions at once, one distributor each.

    .venv/bin/python bench/primary_flow.py [--orders 200] [--workers 8] [--lines 8]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from backend.auth.principal import Principal
from backend.billing.invoicing import invoice_order
from backend.catalog.models import Product, TaxClass
from backend.identity.models import Role, User
from backend.identity.service import TenantDraft, provision_tenant
from backend.kit.db import new_id, set_tenant
from backend.kit.geo import point_element
from backend.kit.settings import get_settings
from backend.orders.placing import LineDraft, OrderDraft, place_order
from backend.orders.workflow import approve_order
from backend.parties.models import Distributor
from backend.pricing.models import PriceListItem
from backend.territories.models import Territory, TerritoryLevel

DAY = date(2026, 11, 2)
CLEANUP_TABLES = (
    "payment_allocation",
    "billing_line_tax",
    "billing_line_scheme",
    "billing_line",
    "stock_movement",
    "distributor_stock",
    "journal_entry",
    "journal",
    "ledger_account",
    "billing_document",
    "payment",
    "order_transition",
    "primary_order_line_scheme",
    "primary_order_line",
    "primary_order",
    "document_series",
    "price_list_item",
    "primary_settings",
    "idempotency_key",
    "app_user",
    "retailer",
    "distributor",
    "product",
    "territory",
)


async def set_up(
    session: AsyncSession, workers: int, lines: int
) -> tuple[Principal, list[uuid.UUID], list[uuid.UUID]]:
    """A tenant with an admin, `workers` distributors and `lines` priced SKUs."""
    tenant = await provision_tenant(
        session,
        TenantDraft(
            code=f"bench-{uuid.uuid4().hex[:8]}",
            name="Bench",
            country="ID",
            currency="IDR",
            timezone="Asia/Jakarta",
            tax_regime="ID_PPN",
        ),
    )
    territory = Territory(
        id=new_id(),
        tenant_id=tenant.id,
        code="BENCH",
        name="Bench",
        level=TerritoryLevel.TERRITORY,
        parent_id=None,
        path="/",
    )
    territory.path = f"/{territory.id}/"
    session.add(territory)
    admin = User(
        id=new_id(),
        tenant_id=tenant.id,
        username="bench",
        display_name="Bench",
        role=Role.ADMIN,
        is_active=True,
    )
    session.add(admin)
    await session.flush()
    distributors = [
        Distributor(
            id=new_id(),
            tenant_id=tenant.id,
            code=f"D{i}",
            name="Bench distributor",
            tier="GOLD",
            territory_id=territory.id,
            address="",
            location=point_element(-6.2, 106.8),
            credit_limit=Decimal("1000000000000.00"),
            currency="IDR",
            credit_days=30,
            is_active=True,
        )
        for i in range(workers)
    ]
    products = [
        Product(
            id=new_id(),
            tenant_id=tenant.id,
            sku=f"S{i}",
            name="SKU",
            brand="B",
            category="C",
            unit="PCS",
            case_size=12,
            tax_class=TaxClass.STANDARD,
            must_sell=False,
            is_active=True,
        )
        for i in range(lines)
    ]
    session.add_all([*distributors, *products])
    await session.flush()
    session.add_all(
        PriceListItem(
            id=new_id(),
            tenant_id=tenant.id,
            product_id=p.id,
            tier="*",
            currency="IDR",
            distributor_price=Decimal("10000.00"),
            retailer_price=Decimal("11000.00"),
            mrp=Decimal("12000.00"),
            valid_from=date(2026, 1, 1),
        )
        for p in products
    )
    principal = Principal(tenant_id=tenant.id, user_id=admin.id, username="bench", role=Role.ADMIN)
    return principal, [d.id for d in distributors], [p.id for p in products]


async def one_order(
    maker: async_sessionmaker[AsyncSession],
    admin: Principal,
    distributor_id: uuid.UUID,
    products: list[uuid.UUID],
) -> float:
    """Place, approve and invoice one order in one transaction; return its latency in seconds."""
    started = time.perf_counter()
    async with maker() as session, session.begin():
        await set_tenant(session, admin.tenant_id)
        draft = OrderDraft(distributor_id, [LineDraft(p, 24) for p in products], DAY, submit=True)
        order = await place_order(session, principal=admin, draft=draft, idempotency_key=None)
        await approve_order(session, principal=admin, order_id=order.id, today=DAY)
        await invoice_order(
            session, principal=admin, order_id=order.id, series="INV", issued_on=DAY
        )
    return time.perf_counter() - started


def report(label: str, latencies: list[float], elapsed: float) -> None:
    """Print throughput and latency percentiles."""
    p95 = statistics.quantiles(latencies, n=20)[18] * 1000
    p50 = statistics.median(latencies) * 1000
    print(
        f"{label:<22} orders={len(latencies):5d}  {len(latencies) / elapsed:7.1f} orders/s"
        f"  p50={p50:6.1f} ms  p95={p95:6.1f} ms"
    )


async def main(orders: int, workers: int, lines: int) -> None:
    settings = get_settings()
    engine = create_async_engine(settings.test_database_url, pool_size=workers, max_overflow=0)
    maker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    async with maker() as session, session.begin():
        admin, distributors, products = await set_up(session, workers, lines)
    try:
        await one_order(maker, admin, distributors[0], products)  # warm-up
        started = time.perf_counter()
        single = [await one_order(maker, admin, distributors[0], products) for _ in range(orders)]
        report("single", single, time.perf_counter() - started)

        async def worker(distributor_id: uuid.UUID) -> list[float]:
            return [
                await one_order(maker, admin, distributor_id, products)
                for _ in range(orders // workers)
            ]

        started = time.perf_counter()
        results = await asyncio.gather(*(worker(d) for d in distributors))
        report(
            f"concurrent x{workers}", [x for r in results for x in r], time.perf_counter() - started
        )
        print(
            f"(each order: {lines} lines, submit + credit check + approve + invoice + 3-leg journal)"
        )
    finally:
        await engine.dispose()
        await purge(settings.test_database_owner_url, admin.tenant_id)


async def purge(owner_url: str, tenant_id: uuid.UUID) -> None:
    """Remove the bench tenant (as the owner: ledger rows are append-only for the app)."""
    engine = create_async_engine(owner_url, poolclass=NullPool)
    async with engine.begin() as conn:
        await conn.execute(
            text("SELECT set_config('jalur.tenant_id', :t, true)"), {"t": str(tenant_id)}
        )
        for table in CLEANUP_TABLES:
            await conn.execute(text(f"DELETE FROM {table} WHERE tenant_id = :t"), {"t": tenant_id})
        await conn.execute(text("DELETE FROM tenant WHERE id = :t"), {"t": tenant_id})
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--lines", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.orders, args.workers, args.lines))
