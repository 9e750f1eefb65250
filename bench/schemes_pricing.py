"""Scheme benchmark: carts of 10 lines priced against 20 active schemes, and budget consumption.

Runs against the test database (JALUR_TEST_DATABASE_URL) in a tenant of its own, removed at the
end. Figures:
- engine: `price_cart` + `next_steps` alone (pure Python), carts per second;
- billing lookup: `active_schemes` (stored schemes, eligibility) + pricing, one transaction each;
- budget: `consume_scheme_budget` on one capped scheme from WORKERS connections at once (a hot
  row: every bill queues on it), bills per second.

    .venv/bin/python bench/schemes_pricing.py [--carts 300] [--workers 8]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from backend.auth.principal import Principal
from backend.catalog.models import Product, TaxClass
from backend.identity.models import Role, User
from backend.identity.service import TenantDraft, provision_tenant
from backend.kit.db import new_id, set_tenant
from backend.kit.geo import point_element
from backend.kit.settings import get_settings
from backend.parties.hours import to_json
from backend.parties.models import Channel, Distributor, OutletClass, Retailer
from backend.schemes.engine import price_cart
from backend.schemes.errors import SchemeBudgetExhausted
from backend.schemes.models import SchemeFlow
from backend.schemes.nudges import next_steps
from backend.schemes.rules import CartLine, Combination, SchemeKind
from backend.schemes.service import (
    activate_scheme,
    active_schemes,
    consume_scheme_budget,
    create_scheme,
    retailer_profile_of,
)
from backend.schemes.validation import BundleDraft, SchemeDraft, SlabDraft
from backend.territories.models import Territory, TerritoryLevel
from tests.support.committed import purge_tenant

DAY = date(2026, 11, 25)
SKUS = 40
D = Decimal


async def set_up(session: AsyncSession) -> tuple[Principal, Retailer, list[Product]]:
    """A tenant with one retailer, 40 SKUs in 4 brands and 20 active schemes of every kind."""
    tenant = await provision_tenant(
        session,
        TenantDraft(
            f"bench-{uuid.uuid4().hex[:8]}", "Bench", "ID", "IDR", "Asia/Jakarta", "ID_PPN"
        ),
    )
    territory = Territory(
        id=new_id(), tenant_id=tenant.id, code="T", name="T", level=TerritoryLevel.TERRITORY
    )
    territory.path = f"/{territory.id}/"
    admin = User(id=new_id(), tenant_id=tenant.id, username="b", display_name="B", role=Role.ADMIN)
    session.add_all([territory, admin])
    await session.flush()
    distributor = Distributor(
        id=new_id(),
        tenant_id=tenant.id,
        code="D",
        name="D",
        tier="GOLD",
        territory_id=territory.id,
        credit_limit=D("1000000000.00"),
        currency="IDR",
        credit_days=30,
    )
    session.add(distributor)
    await session.flush()
    retailer = Retailer(
        id=new_id(),
        tenant_id=tenant.id,
        code="R",
        name="R",
        channel=Channel.GT,
        outlet_class=OutletClass.A,
        location=point_element(-6.2, 106.8),
        opening_hours=to_json({}),
        distributor_id=distributor.id,
        territory_id=territory.id,
    )
    products = [
        Product(
            id=new_id(),
            tenant_id=tenant.id,
            sku=f"S{i:02d}",
            name="SKU",
            brand=f"B{i % 4}",
            category=f"C{i % 2}",
            case_size=12,
            tax_class=TaxClass.STANDARD,
        )
        for i in range(SKUS)
    ]
    session.add_all([retailer, *products])
    await session.flush()
    principal = Principal(tenant.id, admin.id, "b", Role.ADMIN)
    for draft in _drafts(products):
        row = await create_scheme(session, principal=principal, draft=draft, idempotency_key=None)
        await activate_scheme(session, principal=principal, scheme_id=row.id, today=DAY)
    return principal, retailer, products


def _drafts(products: list[Product]) -> list[SchemeDraft]:
    slabs = (SlabDraft(D(10), D(2)), SlabDraft(D(20), D(4)), SlabDraft(D(40), D(6)))
    value_slabs = (SlabDraft(D("100000.00"), D(1)), SlabDraft(D("300000.00"), D(2)))
    drafts = []
    for i in range(20):
        kind = list(SchemeKind)[i % 7]
        extra: dict[str, object] = {}
        if kind is SchemeKind.PERCENT_DISCOUNT:
            extra = {"percent": D(3), "brands": (f"B{i % 4}",)}
        elif kind is SchemeKind.FLAT_DISCOUNT:
            extra = {"amount": D("50.00"), "product_ids": (products[i].id,)}
        elif kind in (SchemeKind.QUANTITY_SLABS, SchemeKind.QPS):
            extra = {"slabs": slabs, "categories": (f"C{i % 2}",)}
        elif kind is SchemeKind.VALUE_SLABS:
            extra = {"slabs": value_slabs}
        elif kind is SchemeKind.BUY_X_GET_Y:
            extra = {"buy_quantity": 6, "free_quantity": 1, "product_ids": (products[i].id,)}
        else:
            bundle = (BundleDraft(products[i].id, 2), BundleDraft(products[i + 1].id, 2))
            extra = {"amount": D("500.00"), "bundle": bundle}
        drafts.append(
            SchemeDraft(
                code=f"S{i:02d}",
                name=f"Scheme {i}",
                flow=SchemeFlow.SECONDARY,
                kind=kind,
                valid_from=date(2026, 11, 1),
                valid_to=date(2026, 11, 30),
                combination=list(Combination)[i % 3],
                priority=i % 5,
                **extra,  # type: ignore[arg-type]
            )
        )
    return drafts


def cart(products: list[Product], rng: random.Random) -> list[CartLine]:
    """10 distinct SKUs, 1 to 48 units each, at 5,000.00."""
    return [
        CartLine(p.sku, rng.randint(1, 48), D("5000.00"), p.brand, p.category)
        for p in rng.sample(products, 10)
    ]


def rate(label: str, latencies: list[float], elapsed: float, unit: str) -> None:
    """Print throughput and latency percentiles."""
    p95 = statistics.quantiles(latencies, n=20)[18] * 1000
    p50 = statistics.median(latencies) * 1000
    print(
        f"{label:<34} n={len(latencies):5d}  {len(latencies) / elapsed:8.1f} {unit}/s"
        f"  p50={p50:7.2f} ms  p95={p95:7.2f} ms"
    )


async def main(carts: int, workers: int) -> None:
    settings = get_settings()
    engine = create_async_engine(settings.test_database_url, pool_size=workers, max_overflow=0)
    maker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    async with maker() as session, session.begin():
        admin, retailer, products = await set_up(session)
    rng = random.Random(7)
    try:
        async with maker() as session, session.begin():
            await set_tenant(session, admin.tenant_id)
            schemes = await active_schemes(
                session, retailer_id=retailer.id, distributor_id=retailer.distributor_id, on=DAY
            )
            profile = await retailer_profile_of(session, retailer.id, retailer.distributor_id)
        latencies, started = [], time.perf_counter()
        for _ in range(carts):
            lines, t0 = cart(products, rng), time.perf_counter()
            price_cart(lines, profile, DAY, schemes, minor_units=2)
            next_steps(lines, profile, DAY, schemes)
            latencies.append(time.perf_counter() - t0)
        rate(
            f"engine ({len(schemes)} schemes, 10 lines)",
            latencies,
            time.perf_counter() - started,
            "carts",
        )

        statements: list[str] = []

        def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            statements.append(statement)

        event.listen(engine.sync_engine, "before_cursor_execute", count)
        async with maker() as session, session.begin():
            await set_tenant(session, admin.tenant_id)
            statements.clear()
            await active_schemes(
                session, retailer_id=retailer.id, distributor_id=retailer.distributor_id, on=DAY
            )
            print(f"active_schemes: {len(statements)} SQL statements per call")
        event.remove(engine.sync_engine, "before_cursor_execute", count)
        latencies, started = [], time.perf_counter()
        for _ in range(carts):
            t0 = time.perf_counter()
            async with maker() as session, session.begin():
                await set_tenant(session, admin.tenant_id)
                found = await active_schemes(
                    session, retailer_id=retailer.id, distributor_id=retailer.distributor_id, on=DAY
                )
                price_cart(cart(products, rng), profile, DAY, found, minor_units=2)
            latencies.append(time.perf_counter() - t0)
        rate("active_schemes + price_cart", latencies, time.perf_counter() - started, "carts")

        async def bill() -> float:
            t0 = time.perf_counter()
            try:
                async with maker() as session, session.begin():
                    await set_tenant(session, admin.tenant_id)
                    await consume_scheme_budget(
                        session, amounts={"S00": D("1.00"), "S01": D("2.00")}
                    )
            except SchemeBudgetExhausted:
                pass
            return time.perf_counter() - t0

        async def worker() -> list[float]:
            return [await bill() for _ in range(carts // workers)]

        started = time.perf_counter()
        results = await asyncio.gather(*(worker() for _ in range(workers)))
        rate(
            f"consume budget x{workers} connections",
            [x for r in results for x in r],
            time.perf_counter() - started,
            "bills",
        )
    finally:
        await engine.dispose()
        await purge_tenant(settings.test_database_owner_url, admin.tenant_id)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--carts", type=int, default=300)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.carts, args.workers))
