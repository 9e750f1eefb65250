"""Document numbers: consecutive per series and fiscal year, with no gaps and no duplicates.

The counter is one row per (series, fiscal year), incremented with `UPDATE … RETURNING` in the
document's own transaction: the row stays locked until commit, and a rollback returns the number.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kit.errors import ValidationFailed
from backend.ledger.errors import NumberTooLong
from backend.ledger.models import DocumentSeries

MAX_NUMBER_LENGTH = 16
DEFAULT_FORMAT = "{series}/{fy}/{n:05d}"


def fiscal_year(day: date, start_month: int) -> int:
    """The calendar year in which the fiscal year containing `day` starts."""
    return day.year if day.month >= start_month else day.year - 1


def fiscal_label(year: int, start_month: int) -> str:
    """'2026' for a calendar fiscal year; '2627' for one that runs April 2026 – March 2027."""
    if start_month == 1:
        return str(year)
    return f"{year % 100:02d}{(year + 1) % 100:02d}"


def format_number(fmt: str, *, series: str, fy: str, n: int) -> str:
    """Render a number with the tenant's format; refuse one over 16 characters."""
    try:
        text = fmt.format(series=series, fy=fy, n=n)
    except (KeyError, ValueError, IndexError) as exc:
        raise ValidationFailed(
            "a number format may use {series}, {fy} and {n}", field="numberFormat"
        ) from exc
    if len(text) > MAX_NUMBER_LENGTH:
        raise NumberTooLong(
            f"document number {text!r} is longer than {MAX_NUMBER_LENGTH} characters",
            field="numberFormat",
        )
    return text


async def take_number(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    series: str,
    fiscal_year: int,
    owner_id: uuid.UUID | None = None,
) -> int:
    """The next number of the series in the fiscal year, held by this transaction until it ends.

    `owner_id` names the distributor whose own series this is (None: the brand's series).
    """
    await session.execute(
        insert(DocumentSeries)
        .values(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            owner_id=owner_id,
            series=series,
            fiscal_year=fiscal_year,
            last_number=0,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "owner_id", "series", "fiscal_year"])
    )
    owner = (
        DocumentSeries.owner_id.is_(None)
        if owner_id is None
        else DocumentSeries.owner_id == owner_id
    )
    stmt = (
        update(DocumentSeries)
        .where(
            DocumentSeries.tenant_id == tenant_id,
            owner,
            DocumentSeries.series == series,
            DocumentSeries.fiscal_year == fiscal_year,
        )
        .values(last_number=DocumentSeries.last_number + 1)
        .returning(DocumentSeries.last_number)
    )
    return int((await session.execute(stmt)).scalar_one())
