"""Secondary billing benchmark: invoices per second with FEFO picks and scheme application.

Each invoice bills a cart of 10 lines (SKUs in stock across three dated batches) against 20 active
schemes of every on-bill type (percent, flat, quantity and value slabs, buy-X-get-Y, combo;
exclusive, best-of and stackable), with taxes, numbering in the distributor's own series, applied
schemes stored per line and a 4-leg journal. The schemes are built in memory (rules.Scheme) and
passed to billing as a StaticSchemes source. Orders are placed untimed; only billing is timed.

Runs against the test database (JALUR_TEST_DATABASE_URL) in a tenant of its own, removed at the
end. Single: one invoice after another. Concurrent: WORKERS sessions at once, one distributor
(and retailer) each.

    .venv/bin/python bench/secondary_billing.py [--invoices 200] [--workers 8]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from backend.auth.principal import Principal
from backend.inventory.models import MovementKind
from backend.inventory.service import StockKey, move_stock
from backend.kit.db import new_id, set_tenant
from backend.kit.geo import point_element
from backend.kit.settings import get_settings
from backend.models import metadata
from backend.parties.models import Channel, OutletClass, Retailer
from backend.schemes.rules import Combination, ProductScope, Scheme, SchemeKind, Slab
from backend.secondary.billing import bill_order
from backend.secondary.ordering import (
    SecondaryLineDraft,
    SecondaryOrderDraft,
    place_secondary_order,
)
from backend.secondary.schemes import StaticSchemes
from bench.primary_flow import set_up

DAY = date(2026, 11, 2)
LINES = 10
D = Decimal


def twenty_schemes(skus: list[str]) -> list[Scheme]:
    """20 schemes over the 10 SKUs, every on-bill type and combination rule."""
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    one = lambda i: ProductScope(skus=frozenset({skus[i % len(skus)]}))  # noqa: E731
    two = lambda i: ProductScope(skus=frozenset({skus[i % 10], skus[(i + 3) % 10]}))  # noqa: E731
    schemes: list[Scheme] = []
    for i in range(5):
        schemes.append(
            Scheme(
                f"PCT{i}", SchemeKind.PERCENT_DISCOUNT, start, end, scope=two(i), percent=D(2 + i)
            )
        )
    for i in range(3):
        schemes.append(
            Scheme(
                f"FLAT{i}", SchemeKind.FLAT_DISCOUNT, start, end, scope=one(i + 5), amount=D(150)
            )
        )
    slabs = (Slab(D(10), D(2)), Slab(D(30), D(4)), Slab(D(60), D(6)))
    for i in range(4):
        schemes.append(
            Scheme(
                f"QS{i}",
                SchemeKind.QUANTITY_SLABS,
                start,
                end,
                combination=Combination.BEST_OF,
                scope=two(i + 1),
                slabs=slabs,
            )
        )
    value_slabs = (Slab(D(100000), D(1)), Slab(D(300000), D(3)))
    for i in range(3):
        schemes.append(
            Scheme(
                f"VS{i}",
                SchemeKind.VALUE_SLABS,
                start,
                end,
                combination=Combination.BEST_OF,
                scope=two(i + 2),
                slabs=value_slabs,
            )
        )
    for i in range(3):
        schemes.append(
            Scheme(
                f"BXGY{i}",
                SchemeKind.BUY_X_GET_Y,
                start,
                end,
                scope=one(i),
                buy_quantity=12,
                free_quantity=1,
                free_sku=None if i else skus[9],
            )
        )
    schemes.append(
        Scheme(
            "COMBO",
            SchemeKind.COMBO,
            start,
            end,
            bundle=((skus[0], 6), (skus[1], 6)),
            amount=D(2500),
        )
    )
    schemes.append(
        Scheme(
            "EXCL",
            SchemeKind.PERCENT_DISCOUNT,
            start,
            end,
            combination=Combination.EXCLUSIVE,
            scope=one(8),
            percent=D(8),
            max_discount=D(5000),
        )
    )
    assert len(schemes) == 20
    return schemes


async def stock_up(
    session: AsyncSession,
    admin: Principal,
    distributors: list[uuid.UUID],
    products: list[uuid.UUID],
    units: int,
) -> list[uuid.UUID]:
    """A retailer per distributor, and three dated batches of every SKU at every distributor."""
    territory_id = (
        await session.execute(text("SELECT id FROM territory WHERE code = 'BENCH'"))
    ).scalar_one()
    retailers = [
        Retailer(
            id=new_id(),
            tenant_id=admin.tenant_id,
            code=f"R{i}",
            name="Bench outlet",
            address="",
            channel=Channel.GT,
            outlet_class=OutletClass.B,
            location=point_element(-6.2, 106.8),
            opening_hours={},
            distributor_id=d,
            territory_id=territory_id,
            is_active=True,
        )
        for i, d in enumerate(distributors)
    ]
    session.add_all(retailers)
    await session.flush()
    for d in distributors:
        for p in products:
            for n, days in enumerate((40, 120, 400)):
                await move_stock(
                    session,
                    tenant_id=admin.tenant_id,
                    key=StockKey(d, p, f"B{n}"),
                    kind=MovementKind.RECEIPT,
                    quantity=units,
                    reason="bench",
                    expires_on=DAY + timedelta(days=days),
                )
    return [r.id for r in retailers]


async def place(
    maker: async_sessionmaker[AsyncSession],
    admin: Principal,
    retailer_id: uuid.UUID,
    products: list[uuid.UUID],
    n: int,
) -> uuid.UUID:
    """An untimed desk order of 10 lines (quantities vary so slabs move)."""
    async with maker() as session, session.begin():
        await set_tenant(session, admin.tenant_id)
        lines = [SecondaryLineDraft(p, 6 + (n + i) % 30) for i, p in enumerate(products)]
        order = await place_secondary_order(
            session,
            principal=admin,
            draft=SecondaryOrderDraft(retailer_id, lines, DAY),
            idempotency_key=None,
        )
        return order.id


async def bill(
    maker: async_sessionmaker[AsyncSession],
    admin: Principal,
    order_id: uuid.UUID,
    schemes: StaticSchemes,
) -> float:
    """Bill one order in one transaction; return its latency in seconds."""
    started = time.perf_counter()
    async with maker() as session, session.begin():
        await set_tenant(session, admin.tenant_id)
        await bill_order(
            session, principal=admin, order_id=order_id, issued_on=DAY, schemes=schemes
        )
    return time.perf_counter() - started


def report(label: str, latencies: list[float], elapsed: float) -> None:
    """Print throughput and latency percentiles."""
    p95 = statistics.quantiles(latencies, n=20)[18] * 1000
    p50 = statistics.median(latencies) * 1000
    print(
        f"{label:<22} invoices={len(latencies):5d}  {len(latencies) / elapsed:7.1f} invoices/s"
        f"  p50={p50:6.1f} ms  p95={p95:6.1f} ms"
    )


async def main(invoices: int, workers: int) -> None:
    settings = get_settings()
    engine = create_async_engine(settings.test_database_url, pool_size=workers, max_overflow=0)
    maker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    async with maker() as session, session.begin():
        admin, distributors, products = await set_up(session, workers, LINES)
        retailers = await stock_up(session, admin, distributors, products, units=invoices * 40)
    skus = [f"S{i}" for i in range(LINES)]
    schemes = StaticSchemes(twenty_schemes(skus))
    try:
        warm = await place(maker, admin, retailers[0], products, 0)
        await bill(maker, admin, warm, schemes)
        orders = [await place(maker, admin, retailers[0], products, n) for n in range(invoices)]
        started = time.perf_counter()
        single = [await bill(maker, admin, o, schemes) for o in orders]
        report("single", single, time.perf_counter() - started)

        per = invoices // workers
        queues = [
            [await place(maker, admin, r, products, n) for n in range(per)] for r in retailers
        ]

        async def worker(queue: list[uuid.UUID]) -> list[float]:
            return [await bill(maker, admin, o, schemes) for o in queue]

        started = time.perf_counter()
        results = await asyncio.gather(*(worker(q) for q in queues))
        report(
            f"concurrent x{workers}", [x for r in results for x in r], time.perf_counter() - started
        )
        spent = sum(schemes.consumed.values(), D(0))
        print(
            f"(each invoice: {LINES} lines, 20 active schemes, FEFO over 3 batches, PPN, own"
            f" series, 4-leg journal; scheme budget consumed in total: {spent})"
        )
    finally:
        await engine.dispose()
        await purge(settings.test_database_owner_url, admin.tenant_id)


async def purge(owner_url: str, tenant_id: uuid.UUID) -> None:
    """Remove the bench tenant, children first (as the owner: ledger rows are append-only)."""
    engine = create_async_engine(owner_url, poolclass=NullPool)
    async with engine.begin() as conn:
        await conn.execute(
            text("SELECT set_config('jalur.tenant_id', :t, true)"), {"t": str(tenant_id)}
        )
        for table in reversed(metadata.sorted_tables):
            if table.name != "tenant" and "tenant_id" in table.c:
                await conn.execute(table.delete().where(table.c.tenant_id == tenant_id))
        await conn.execute(text("DELETE FROM tenant WHERE id = :t"), {"t": tenant_id})
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=200)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.invoices, args.workers))
