"""Bulk sell-out upload benchmark: rows per second and peak memory of a 100,000-row CSV feed.

Runs the service behind `POST /offtake/upload` (stream-parsed CSV → chunked validation with one
code→id query per chunk → `INSERT … SELECT unnest(…) ON CONFLICT DO NOTHING`) against the test
database (JALUR_TEST_DATABASE_URL), in a tenant of its own that is removed at the end:

1. a fresh upload (timed; peak RSS from ru_maxrss);
2. the same upload into another feed with tracemalloc on (peak Python heap while ingesting);
3. a re-upload of file 1 into its feed: every row is a duplicate, nothing is counted twice.

    .venv/bin/python bench/offtake_upload.py [--rows 100000] [--retailers 2000] [--skus 200]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import io
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from backend.auth.principal import Principal
from backend.catalog.models import Product, TaxClass
from backend.identity.models import Role, User
from backend.identity.service import TenantDraft, provision_tenant
from backend.kit.db import new_id, set_tenant
from backend.kit.geo import point_element
from backend.kit.settings import get_settings
from backend.models import metadata
from backend.offtake.ingest import FeedHeader, csv_rows, ingest_feed
from backend.offtake.models import ImportSource, SellOutLine
from backend.parties.models import Channel, Distributor, OutletClass, Retailer
from backend.territories.models import Territory, TerritoryLevel

HOURS = {str(d): [["08:00", "22:00"]] for d in range(7)}


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (ru_maxrss is KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def seed(
    session: AsyncSession, retailers: int, skus: int
) -> tuple[Principal, list[str], list[str]]:
    """A tenant with an admin, one territory and distributor, MT retailers and SKUs."""
    tenant = await provision_tenant(
        session,
        TenantDraft(
            code=f"bench-offtake-{uuid.uuid4().hex[:8]}",
            name="Bench offtake",
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
    admin = User(
        id=new_id(),
        tenant_id=tenant.id,
        username="bench",
        display_name="Bench",
        role=Role.ADMIN,
        is_active=True,
    )
    distributor = Distributor(
        id=new_id(),
        tenant_id=tenant.id,
        code="D0",
        name="Bench distributor",
        tier="GOLD",
        territory_id=territory.id,
        address="",
        location=point_element(-6.2, 106.8),
        credit_limit=Decimal("1000000000.00"),
        currency="IDR",
        credit_days=30,
        is_active=True,
    )
    session.add_all([territory, admin])
    await session.flush()
    session.add(distributor)
    await session.flush()
    retailer_codes = [f"MT-{i:05d}" for i in range(retailers)]
    await session.execute(
        insert(Retailer),
        [
            {
                "id": new_id(),
                "tenant_id": tenant.id,
                "code": code,
                "name": f"Hypermart {code}",
                "address": "",
                "channel": Channel.MT,
                "outlet_class": OutletClass.A,
                "location": point_element(-6.2, 106.8),
                "opening_hours": HOURS,
                "distributor_id": distributor.id,
                "territory_id": territory.id,
                "is_active": True,
            }
            for code in retailer_codes
        ],
    )
    sku_codes = [f"SKU-{i:04d}" for i in range(skus)]
    await session.execute(
        insert(Product),
        [
            {
                "id": new_id(),
                "tenant_id": tenant.id,
                "sku": sku,
                "name": "SKU",
                "brand": "B",
                "category": "C",
                "unit": "PCS",
                "case_size": 12,
                "tax_class": TaxClass.STANDARD,
                "must_sell": False,
                "is_active": True,
            }
            for sku in sku_codes
        ],
    )
    principal = Principal(tenant_id=tenant.id, user_id=admin.id, username="bench", role=Role.ADMIN)
    return principal, retailer_codes, sku_codes


def write_csv(path: Path, rows: int, retailers: list[str], skus: list[str], bad_every: int) -> int:
    """A feed of `rows` distinct (retailer, SKU, day) rows, one in `bad_every` malformed."""
    rng = random.Random(7)
    today = date(2026, 11, 20)
    bad = 0
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["retailer_code", "sku", "date", "quantity", "value", "currency"])
        per_day = len(retailers) * len(skus)
        for i in range(rows):
            retailer = retailers[i % len(retailers)]
            sku = skus[(i // len(retailers)) % len(skus)]
            day = today - timedelta(days=i // per_day)
            quantity = rng.randint(1, 60)
            value = f"{quantity * rng.choice((4500, 12000, 27500))}.00"
            if bad_every and i % bad_every == bad_every - 1:
                bad += 1
                out.writerow([retailer, sku, day.strftime("%d/%m/%Y"), quantity, value, "IDR"])
            else:
                out.writerow([retailer, sku, day.isoformat(), quantity, value, "IDR"])
    return bad


def sha256_of(path: Path) -> str:
    """The file's SHA-256 (the route takes it while spooling the body)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def upload(
    maker: async_sessionmaker[AsyncSession], admin: Principal, path: Path, feed: str
) -> tuple[float, dict[str, int]]:
    """Ingest the file as the CSV route does (one transaction); return seconds and counts."""
    digest = sha256_of(path)
    started = time.perf_counter()
    async with maker() as session, session.begin():
        await set_tenant(session, admin.tenant_id)
        with path.open("rb") as raw:
            lines = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            record, _ = await ingest_feed(
                session,
                principal=admin,
                header=FeedHeader(feed, ImportSource.CSV, path.name, digest),
                rows=csv_rows(lines),
                fingerprint={"feed": feed, "sha256": digest},
            )
    elapsed = time.perf_counter() - started
    counts = {
        "total": record.rows_total,
        "accepted": record.rows_accepted,
        "duplicate": record.rows_duplicate,
        "rejected": record.rows_rejected,
    }
    return elapsed, counts


def line(label: str, elapsed: float, counts: dict[str, int], extra: str = "") -> None:
    print(
        f"{label:<34} {counts['total']:7d} rows in {elapsed:6.2f} s = {counts['total'] / elapsed:8.0f}"
        f" rows/s  (accepted {counts['accepted']}, duplicate {counts['duplicate']},"
        f" rejected {counts['rejected']}){extra}"
    )


async def main(rows: int, retailers: int, skus: int, bad_every: int) -> None:
    settings = get_settings()
    engine = create_async_engine(settings.test_database_url, pool_size=2, max_overflow=0)
    maker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    async with maker() as session, session.begin():
        admin, retailer_codes, sku_codes = await seed(session, retailers, skus)
    folder = Path(tempfile.mkdtemp(prefix="offtake-bench-"))
    path = folder / "sellout.csv"
    try:
        bad = write_csv(path, rows, retailer_codes, sku_codes, bad_every)
        size_mb = path.stat().st_size / 1e6
        print(
            f"feed: {rows} rows ({bad} malformed), {size_mb:.1f} MB, {retailers} retailers,"
            f" {skus} SKUs; load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        rss_before = peak_rss_mb()
        elapsed, counts = await upload(maker, admin, path, "BENCH-A")
        line(
            "1. fresh upload",
            elapsed,
            counts,
            f"; peak RSS {peak_rss_mb():.0f} MB (was {rss_before:.0f} MB before)",
        )
        tracemalloc.start()
        elapsed, counts = await upload(maker, admin, path, "BENCH-B")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        line(
            "2. fresh upload (tracemalloc on)",
            elapsed,
            counts,
            f"; peak Python heap {peak / 1e6:.1f} MB",
        )
        elapsed, counts = await upload(maker, admin, path, "BENCH-A")
        line("3. re-upload of 1 (idempotent)", elapsed, counts)
        async with maker() as session, session.begin():
            await set_tenant(session, admin.tenant_id)
            stored = (await session.execute(select(func.count()).select_from(SellOutLine))).scalar()
        print(f"stored sell-out rows: {stored} (= 2 × accepted; the re-upload added none)")
    finally:
        shutil.rmtree(folder)
        await engine.dispose()
        await purge(settings.test_database_owner_url, admin.tenant_id)


async def purge(owner_url: str, tenant_id: uuid.UUID) -> None:
    """Remove the bench tenant, children first."""
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
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--retailers", type=int, default=2_000)
    parser.add_argument("--skus", type=int, default=200)
    parser.add_argument("--bad-every", type=int, default=200, help="one malformed row in N")
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.retailers, args.skus, args.bad_every))
