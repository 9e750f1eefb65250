"""Demo sell-out: 12 weeks of weekly sell-out feeds from the modern-trade (MT) outlets.

Each MT outlet sells a stable range of 15–35 SKUs; its weekly consumer sales track the outlet's
latent weekly value (the same figure that drives its purchases), with a gentle trend, a payday
bump at the turn of the month, and log-normal noise. Units are priced at the SKU's MRP. The rows
are stored as one import of the feed `DEMO-MT-WEEKLY`, dated on the Sunday ending each week, with
the natural key the upload uses, so re-seeding adds nothing.
"""

from __future__ import annotations

import math
import random
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.demo.field_history import HISTORY_END
from backend.demo.world import DemoWorld
from backend.identity.models import Role, User
from backend.kit.db import insert_batches
from backend.offtake.models import ImportSource, OfftakeImport, SellOutLine
from backend.parties.models import Retailer

FEED = "DEMO-MT-WEEKLY"
WEEKS = 12
CHUNK = 5_000


def _last_sunday(day: date) -> date:
    return day - timedelta(days=(day.weekday() + 1) % 7)


async def seed_sellout_history(
    session: AsyncSession, tenant_id: uuid.UUID, world: DemoWorld, *, seed: int
) -> int:
    """Add the MT sell-out feed unless it is there; return the rows added."""
    present = await session.execute(select(SellOutLine.id).where(SellOutLine.feed == FEED).limit(1))
    if present.first() is not None:
        return 0
    admin = (
        await session.execute(
            select(User.id).where(User.role == Role.ADMIN).order_by(User.username).limit(1)
        )
    ).scalar_one()
    mt = await session.execute(select(Retailer.code, Retailer.id).where(Retailer.channel == "MT"))
    retailer_ids = {code: id_ for code, id_ in mt.all()}
    found = await session.execute(select(Product.sku, Product.id))
    product_ids = {sku: id_ for sku, id_ in found.all()}
    mrp = {p.sku: p.mrp for p in world.products}
    skus = sorted(mrp)
    last_week_end = _last_sunday(HISTORY_END)
    week_ends = [last_week_end - timedelta(weeks=w) for w in reversed(range(WEEKS))]
    record = OfftakeImport(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        feed=FEED,
        source=ImportSource.API,
        file_name="demo-mt-weekly.csv",
        uploaded_by=admin,
        rows_total=0,
        rows_accepted=0,
        rows_duplicate=0,
        rows_rejected=0,
    )
    session.add(record)
    await session.flush()
    rows: list[dict[str, Any]] = []
    for outlet in sorted(world.retailers, key=lambda r: r.code):
        if outlet.channel != "MT" or outlet.code not in retailer_ids:
            continue
        rng = random.Random(f"{seed}:sellout:{outlet.code}")
        range_ = rng.sample(skus, rng.randint(15, 35))
        weights = [rng.random() ** 2 + 0.05 for _ in range_]
        total_weight = sum(weights)
        trend = rng.uniform(-0.02, 0.03)  # per week
        for n, week_end in enumerate(week_ends):
            payday = 1.15 if week_end.day <= 7 or week_end.day >= 26 else 1.0
            week_value = float(outlet.weekly_value) * (1 + trend) ** n * payday
            for sku, weight in zip(range_, weights, strict=True):
                noise = math.exp(rng.gauss(0, 0.3))
                price = float(mrp[sku])
                units = round(week_value * weight / total_weight * noise / price)
                if units <= 0:
                    continue
                rows.append(
                    {
                        "tenant_id": tenant_id,
                        "import_id": record.id,
                        "feed": FEED,
                        "row_key": f"{outlet.code}|{sku}|{week_end.isoformat()}",
                        "retailer_id": retailer_ids[outlet.code],
                        "product_id": product_ids[sku],
                        "sold_on": week_end,
                        "quantity": units,
                        "value": (mrp[sku] * units).quantize(Decimal("0.01")),
                        "currency": world.tenant.currency,
                        "external_id": None,
                    }
                )
    await insert_batches(session, SellOutLine, rows, batch=CHUNK)
    record.rows_total = record.rows_accepted = len(rows)
    await session.flush()
    return len(rows)
