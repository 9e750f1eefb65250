"""Offtake reports: sell-out feeds and derived offtake, summed by the database.

One statement per page: the facts of both sources (a `UNION ALL`), joined to retailers (scope,
channel, territory, distributor) and products, grouped by period bucket and dimension, paged by
keyset on (bucket, key). Derived offtake enters only when plausible (flagged intervals are
counted, not summed) and, when both sources are asked for, only for (retailer, SKU) pairs that
have no sell-out feed rows in the period: a chain's own feed wins over the rep's arithmetic, so
the same units are never counted twice. A derived interval is dated by its closing count.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Numeric,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backend.auth.principal import Principal
from backend.catalog.models import Product
from backend.identity.models import Role
from backend.kit.errors import ValidationFailed
from backend.offtake.models import DerivedOfftake, SellOutLine
from backend.parties.models import Channel, Distributor, Retailer
from backend.parties.repository import retailer_scope
from backend.territories.models import Territory

MAX_REPORT_DAYS = 3 * 366


class Dimension(enum.StrEnum):
    """What a report row is about."""

    SKU = "SKU"
    RETAILER = "RETAILER"
    TERRITORY = "TERRITORY"
    CHANNEL = "CHANNEL"
    DISTRIBUTOR = "DISTRIBUTOR"


class Period(enum.StrEnum):
    """How report rows are bucketed in time (weeks start on Monday)."""

    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    WHOLE = "WHOLE"


class Source(enum.StrEnum):
    """Where offtake figures come from."""

    SELL_OUT = "SELL_OUT"
    DERIVED = "DERIVED"


@dataclass(frozen=True)
class ReportQuery:
    """A report's grouping and filters (dates inclusive)."""

    dimension: Dimension
    period: Period
    start: date
    end: date
    sources: frozenset[Source] = frozenset(Source)
    territory_id: uuid.UUID | None = None
    channel: Channel | None = None
    distributor_id: uuid.UUID | None = None
    retailer_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One bucket × dimension member, with each source's figures."""

    period_start: date
    kind: str
    key: str
    code: str
    name: str
    sell_out_quantity: int
    sell_out_value: Decimal
    derived_quantity: int
    flagged_derived: int

    @property
    def quantity(self) -> int:
        """Units sold to consumers: sell-out plus (non-overlapping, plausible) derived."""
        return self.sell_out_quantity + self.derived_quantity


def check_query(q: ReportQuery) -> None:
    """Refuse an empty, reversed or too long period, or no source."""
    if q.end < q.start:
        raise ValidationFailed("the period ends before it starts", field="to")
    if (q.end - q.start).days >= MAX_REPORT_DAYS:
        raise ValidationFailed(f"report at most {MAX_REPORT_DAYS} days at once", field="to")
    if not q.sources:
        raise ValidationFailed("choose at least one source", field="sources")


def _facts(q: ReportQuery) -> Any:
    parts: list[Any] = []
    if Source.SELL_OUT in q.sources:
        parts.append(
            select(
                SellOutLine.retailer_id.label("retailer_id"),
                SellOutLine.product_id.label("product_id"),
                SellOutLine.sold_on.label("day"),
                SellOutLine.quantity.label("sell_out_quantity"),
                SellOutLine.value.label("sell_out_value"),
                literal(0, Integer).label("derived_quantity"),
                literal(0, Integer).label("flagged"),
            ).where(SellOutLine.sold_on >= q.start, SellOutLine.sold_on <= q.end)
        )
    if Source.DERIVED in q.sources:
        derived = select(
            DerivedOfftake.retailer_id.label("retailer_id"),
            DerivedOfftake.product_id.label("product_id"),
            DerivedOfftake.period_end.label("day"),
            literal(0, Integer).label("sell_out_quantity"),
            cast(null(), Numeric(18, 2)).label("sell_out_value"),
            case((DerivedOfftake.plausible, DerivedOfftake.quantity), else_=0).label(
                "derived_quantity"
            ),
            case((DerivedOfftake.plausible, 0), else_=1).label("flagged"),
        ).where(DerivedOfftake.period_end >= q.start, DerivedOfftake.period_end <= q.end)
        if Source.SELL_OUT in q.sources:
            derived = derived.where(
                ~exists().where(
                    SellOutLine.retailer_id == DerivedOfftake.retailer_id,
                    SellOutLine.product_id == DerivedOfftake.product_id,
                    SellOutLine.sold_on >= q.start,
                    SellOutLine.sold_on <= q.end,
                )
            )
        parts.append(derived)
    if len(parts) == 1:
        return parts[0].subquery("facts")
    combined: Any = union_all(*parts)
    return combined.subquery("facts")


def _grouped(principal: Principal, q: ReportQuery) -> Select[Any]:
    """The report's rows as (bucket, kind, key, code, name, sums...), unordered."""
    facts = _facts(q)
    if q.period is Period.WHOLE:
        bucket: ColumnElement[Any] = literal(q.start, Date)
    else:
        bucket = cast(func.date_trunc(q.period.value.lower(), facts.c.day), Date)
    stmt = (
        select()
        .select_from(facts)
        .join(Retailer, Retailer.id == facts.c.retailer_id)
        .where(retailer_scope(principal))
    )
    territory_id = q.territory_id
    if (
        territory_id is None
        and q.dimension is Dimension.TERRITORY
        and principal.role in (Role.MANAGER, Role.REP)
    ):
        territory_id = principal.territory_id
    if q.territory_id is not None:
        root_path = select(Territory.path).where(Territory.id == q.territory_id).scalar_subquery()
        stmt = stmt.where(
            Retailer.territory_id.in_(
                select(Territory.id).where(Territory.path.startswith(root_path)).scalar_subquery()
            )
        )
    if q.channel is not None:
        stmt = stmt.where(Retailer.channel == q.channel)
    if q.distributor_id is not None:
        stmt = stmt.where(Retailer.distributor_id == q.distributor_id)
    if q.retailer_id is not None:
        stmt = stmt.where(Retailer.id == q.retailer_id)
    if q.product_id is not None:
        stmt = stmt.where(facts.c.product_id == q.product_id)
    key: Any
    code: Any
    name: Any
    if q.dimension is Dimension.SKU:
        stmt = stmt.join(Product, Product.id == facts.c.product_id)
        key, code, name = cast(Product.id, String), Product.sku, Product.name
    elif q.dimension is Dimension.RETAILER:
        key, code, name = cast(Retailer.id, String), Retailer.code, Retailer.name
    elif q.dimension is Dimension.CHANNEL:
        key = code = name = cast(Retailer.channel, String)
    elif q.dimension is Dimension.DISTRIBUTOR:
        stmt = stmt.join(Distributor, Distributor.id == Retailer.distributor_id)
        key, code, name = cast(Distributor.id, String), Distributor.code, Distributor.name
    else:
        own = aliased(Territory, name="own_territory")
        stmt = stmt.join(own, own.id == Retailer.territory_id)
        if territory_id is None:
            key, code, name = cast(own.id, String), own.code, own.name
        else:
            # Roll up to the direct children of the territory (or itself for its own outlets).
            root = aliased(Territory, name="root_territory")
            child = aliased(Territory, name="child_territory")
            stmt = stmt.join(root, root.id == territory_id).outerjoin(
                child, and_(child.parent_id == root.id, own.path.startswith(child.path))
            )
            key = cast(func.coalesce(child.id, root.id), String)
            code = func.coalesce(child.code, root.code)
            name = func.coalesce(child.name, root.name)
    return stmt.add_columns(
        bucket.label("bucket"),
        literal(q.dimension.value).label("kind"),
        key.label("key"),
        code.label("code"),
        name.label("name"),
        func.coalesce(func.sum(facts.c.sell_out_quantity), 0).label("sell_out_quantity"),
        func.coalesce(func.sum(facts.c.sell_out_value), 0).label("sell_out_value"),
        func.coalesce(func.sum(facts.c.derived_quantity), 0).label("derived_quantity"),
        func.coalesce(func.sum(facts.c.flagged), 0).label("flagged"),
    ).group_by(bucket, key, code, name)


def _row(r: Any) -> ReportRow:
    return ReportRow(
        period_start=r.bucket,
        kind=r.kind,
        key=r.key,
        code=r.code,
        name=r.name,
        sell_out_quantity=int(r.sell_out_quantity),
        sell_out_value=Decimal(r.sell_out_value).quantize(Decimal("0.01")),
        derived_quantity=int(r.derived_quantity),
        flagged_derived=int(r.flagged),
    )


async def report_page(
    session: AsyncSession,
    principal: Principal,
    q: ReportQuery,
    *,
    first: int,
    after: tuple[date, str] | None,
) -> list[ReportRow]:
    """Up to `first + 1` rows after the (bucket, code) cursor, ordered by bucket then code (codes
    are unique per tenant for SKUs, retailers, territories, distributors and channels)."""
    check_query(q)
    grouped = _grouped(principal, q).subquery("grouped")
    stmt = select(grouped).order_by(grouped.c.bucket, grouped.c.code).limit(first + 1)
    if after is not None:
        stmt = stmt.where(tuple_(grouped.c.bucket, grouped.c.code) > tuple_(*after))
    return [_row(r) for r in (await session.execute(stmt)).all()]


async def report_count(session: AsyncSession, principal: Principal, q: ReportQuery) -> int:
    """How many rows the report has across pages."""
    grouped = _grouped(principal, q).subquery("grouped")
    return int((await session.execute(select(func.count()).select_from(grouped))).scalar_one())


async def report_totals(session: AsyncSession, principal: Principal, q: ReportQuery) -> ReportRow:
    """The report's sums over every row (one row, period start = the query's start)."""
    check_query(q)
    whole = ReportQuery(**{**q.__dict__, "period": Period.WHOLE, "dimension": Dimension.CHANNEL})
    grouped = _grouped(principal, whole).subquery("grouped")
    stmt = select(
        func.coalesce(func.sum(grouped.c.sell_out_quantity), 0).label("sell_out_quantity"),
        func.coalesce(func.sum(grouped.c.sell_out_value), 0).label("sell_out_value"),
        func.coalesce(func.sum(grouped.c.derived_quantity), 0).label("derived_quantity"),
        func.coalesce(func.sum(grouped.c.flagged), 0).label("flagged"),
    )
    r = (await session.execute(stmt)).one()
    return ReportRow(
        period_start=q.start,
        kind="TOTAL",
        key="",
        code="",
        name="",
        sell_out_quantity=int(r.sell_out_quantity),
        sell_out_value=Decimal(r.sell_out_value).quantize(Decimal("0.01")),
        derived_quantity=int(r.derived_quantity),
        flagged_derived=int(r.flagged),
    )
