"""The scoped tenant's records as `ml` tables: retailers, their purchases and their visits.

Each table is one SQL statement that returns exactly the rows `ml` needs (purchases are already
summed per retailer, day and SKU, which is all `ml` reads of them), loaded column-wise into
pandas and validated by `ml.tables.validate_tables` like any file would be.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from geoalchemy2 import Geometry
from sqlalchemy import Float, Select, String, and_, cast, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.field.models import Beat, BeatRetailer
from backend.field.visit_models import Visit, VisitOutcome
from backend.identity.models import Tenant
from backend.offtake.models import SellOutLine
from backend.parties.models import Retailer
from backend.secondary.purchases import purchase_lines
from ml.tables import Tables, validate_tables

RETAILER_COLUMNS = (
    "retailer_id",
    "channel",
    "outlet_class",
    "lat",
    "lon",
    "distributor_id",
    "territory_id",
    "rep_id",
    "is_active",
)
SALES_COLUMNS = ("retailer_id", "date", "sku", "quantity", "value")
VISIT_COLUMNS = ("retailer_id", "date", "rep_id", "productive")
OFFTAKE_COLUMNS = ("retailer_id", "date", "sku", "quantity")


@dataclass(frozen=True)
class TenantExport:
    """The scoped tenant's `ml` tables, which retailers still trade, and its country and currency."""

    tables: Tables
    active_retailers: frozenset[str]
    country: str
    currency: str

    @property
    def retailer_count(self) -> int:
        """How many retailers the tables hold (trading or not)."""
        return len(self.tables.retailers)


def _frame(rows: Sequence[Any], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=list(columns))


def retailers_query() -> Select[Any]:
    """Every retailer with its channel, class, coordinates, distributor, territory and rep.

    The rep is the one whose beat holds the outlet (the first beat by code when several do);
    outlets on no beat have none.
    """
    beat_rep = (
        select(Beat.rep_id)
        .join(BeatRetailer, (BeatRetailer.beat_id == Beat.id))
        .where(BeatRetailer.retailer_id == Retailer.id)
        .order_by(Beat.code)
        .limit(1)
        .lateral("beat_rep")
    )
    point = cast(Retailer.location, Geometry)
    return (
        select(
            cast(Retailer.id, String),
            Retailer.channel,
            Retailer.outlet_class,
            func.ST_Y(point),
            func.ST_X(point),
            cast(Retailer.distributor_id, String),
            cast(Retailer.territory_id, String),
            cast(beat_rep.c.rep_id, String),
            Retailer.is_active,
        )
        .outerjoin(beat_rep, true())
        .order_by(Retailer.id)
    )


async def sales_rows(session: AsyncSession, *, before: date | None) -> pd.DataFrame:
    """The retailers' purchases before a date, summed per retailer, day and SKU.

    A purchase is a secondary invoice line (`backend.secondary.purchases.purchase_lines`), dated
    by the invoice and valued at its net (after scheme discounts, before tax). Returns (credit
    notes issued before the date) are taken off the invoice they correct, on that invoice's day,
    so no row goes negative; a SKU returned in full leaves no row. Free goods are left out: they
    say nothing about what the outlet chose to buy.
    """
    lines = purchase_lines(until=None if before is None else before - timedelta(days=1))
    quantity = func.sum(lines.c.quantity)
    stmt = (
        select(
            cast(lines.c.retailer_id, String),
            lines.c.invoice_day,
            Product.sku,
            cast(quantity, Float),
            cast(func.sum(lines.c.value), Float),
        )
        .join(Product, Product.id == lines.c.product_id)
        .where(lines.c.is_free.is_(False))
        .group_by(lines.c.retailer_id, lines.c.invoice_day, Product.sku)
        .having(quantity > 0)
        .order_by(lines.c.retailer_id, lines.c.invoice_day, Product.sku)
    )
    return _frame((await session.execute(stmt)).all(), SALES_COLUMNS)


async def visit_rows(session: AsyncSession, *, before: date | None) -> pd.DataFrame:
    """Every visit before a date: retailer, local date, rep, and whether it was productive."""
    stmt = select(
        cast(Visit.retailer_id, String),
        Visit.visit_date,
        cast(Visit.rep_id, String),
        and_(Visit.outcome.is_not(None), Visit.outcome == VisitOutcome.PRODUCTIVE),
    ).order_by(Visit.retailer_id, Visit.visit_date, Visit.id)
    if before is not None:
        stmt = stmt.where(Visit.visit_date < before)
    return _frame((await session.execute(stmt)).all(), VISIT_COLUMNS)


async def offtake_rows(session: AsyncSession, *, before: date | None) -> pd.DataFrame:
    """Modern-trade sell-out before a date, summed per retailer, day and SKU."""
    stmt = (
        select(
            cast(SellOutLine.retailer_id, String),
            SellOutLine.sold_on,
            Product.sku,
            cast(func.sum(SellOutLine.quantity), Float),
        )
        .join(Product, Product.id == SellOutLine.product_id)
        .group_by(SellOutLine.retailer_id, SellOutLine.sold_on, Product.sku)
        .order_by(SellOutLine.retailer_id, SellOutLine.sold_on, Product.sku)
    )
    if before is not None:
        stmt = stmt.where(SellOutLine.sold_on < before)
    return _frame((await session.execute(stmt)).all(), OFFTAKE_COLUMNS)


async def export_tables(session: AsyncSession, *, before: date | None = None) -> TenantExport:
    """The scoped tenant's tables with everything dated strictly before BEFORE (None: all).

    Raises `ml.tables.InputFormatError` when the tables break the format (no sales at all,
    say). Offtake is the sell-out feeds (derived offtake is left out: its figures are units
    between two counts, not daily sell-out).
    """
    tenant = (await session.execute(select(Tenant))).scalar_one()
    retailers = _frame((await session.execute(retailers_query())).all(), RETAILER_COLUMNS)
    active = frozenset(retailers.loc[retailers["is_active"].astype(bool), "retailer_id"])
    sales = await sales_rows(session, before=before)
    visits = await visit_rows(session, before=before)
    offtake = await offtake_rows(session, before=before)
    for frame in (sales, visits, offtake):
        frame["date"] = pd.to_datetime(frame["date"])
    tables = validate_tables(
        retailers.drop(columns="is_active"),
        sales,
        visits if len(visits) else None,
        offtake if len(offtake) else None,
    )
    return TenantExport(tables, active, tenant.country, tenant.currency)


def retailer_uuid(value: str) -> uuid.UUID:
    """The retailer id of an `ml` row."""
    return uuid.UUID(value)
