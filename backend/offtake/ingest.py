"""Sell-out feed ingest: validate every row, keep the good ones, report the bad ones, never twice.

The CSV upload and the `recordOfftake` mutation both feed rows through `ingest_feed`:

- rows are checked in chunks (pure Python), their retailer codes and SKUs mapped to ids with one
  query per chunk for the codes not seen yet, and the good rows written with one
  `INSERT ... SELECT unnest(...) ON CONFLICT DO NOTHING` per chunk;
- a row's natural key inside its feed is the feed's own row id when it sends one, else retailer,
  SKU and date: a re-sent file (or row) adds nothing and is counted as a duplicate, and a re-sent
  key with different figures is rejected as a conflict rather than silently ignored;
- every rejected row is stored with its row number, column, code and a sentence; the import
  record says how many rows were accepted, duplicate and rejected, and the sum is checked by the
  database. All of it is one transaction: the outcome is either stored whole or not at all.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.catalog.models import Product
from backend.identity.models import Role
from backend.identity.repository import current_tenant
from backend.kit.errors import ValidationFailed
from backend.kit.idempotency import run_once
from backend.kit.validation import CODE_PATTERN
from backend.offtake.errors import FeedRefused, RejectionCode
from backend.offtake.models import ImportSource, OfftakeImport, OfftakeRejection
from backend.parties.models import Retailer
from backend.parties.repository import retailer_scope

COLUMNS = ("retailer_code", "sku", "date", "quantity", "value", "currency", "external_id")
REQUIRED = ("retailer_code", "sku", "date", "quantity")
# Header spellings feeds use for our columns (compared lower-case, spaces and dashes as "_").
ALIASES = {
    "retailer_code": "retailer_code",
    "retailer": "retailer_code",
    "outlet_code": "retailer_code",
    "store_code": "retailer_code",
    "sku": "sku",
    "sku_code": "sku",
    "product_code": "sku",
    "date": "date",
    "sold_on": "date",
    "sale_date": "date",
    "quantity": "quantity",
    "qty": "quantity",
    "units": "quantity",
    "value": "value",
    "amount": "value",
    "sales_value": "value",
    "currency": "currency",
    "external_id": "external_id",
    "row_id": "external_id",
    "line_id": "external_id",
}
CHUNK_ROWS = 5_000
MAX_ROWS = 500_000
MAX_QUANTITY = 10_000_000
MAX_VALUE = Decimal("9999999999999999.99")
MAX_AGE_DAYS = 5 * 366
UPLOAD_ROLES = (Role.ADMIN, Role.MANAGER, Role.DISTRIBUTOR)


@dataclass(frozen=True, slots=True)
class FeedRow:
    """One row as the sender gave it: text (CSV) or already typed values (GraphQL)."""

    number: int
    retailer_code: str | None
    sku: str | None
    date: str | date | None
    quantity: str | int | None
    value: str | Decimal | None = None
    currency: str | None = None
    external_id: str | None = None
    field_count: tuple[int, int] | None = None  # CSV: (fields given, header width) when they differ


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a row (or one of its columns) was not kept."""

    row: int
    column: str | None
    code: RejectionCode
    message: str
    value: str | None = None


@dataclass(frozen=True)
class FeedHeader:
    """Who sends which feed, and from which file."""

    feed: str
    source: ImportSource
    file_name: str | None = None
    content_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class _Good:
    number: int
    key: str
    retailer_code: str
    sku: str
    sold_on: date
    quantity: int
    value: str | None
    currency: str | None
    external_id: str | None


@dataclass
class _Run:
    """State of one ingest across chunks."""

    import_id: uuid.UUID
    tenant_id: uuid.UUID
    feed: str
    currency: str
    today: date
    labels: Mapping[str, str]
    retailers: dict[str, uuid.UUID | None] = field(default_factory=dict)
    products: dict[str, uuid.UUID | None] = field(default_factory=dict)
    first_row_of_key: dict[str, int] = field(default_factory=dict)
    dates: dict[str, Any] = field(default_factory=dict)
    total: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    rejection_position: int = 0


async def ingest_feed(
    session: AsyncSession,
    *,
    principal: Principal,
    header: FeedHeader,
    rows: Iterable[FeedRow],
    idempotency_key: str | None = None,
    fingerprint: Any = None,
    labels: Mapping[str, str] | None = None,
) -> tuple[OfftakeImport, bool]:
    """Store a feed's good rows and its rejections as one import; return it and whether it is new.

    `fingerprint` identifies the input for the idempotency key (a file's hash); by default the
    rows themselves. `labels` renames columns in rejections (GraphQL field names).
    """
    principal.require(*UPLOAD_ROLES)
    if not CODE_PATTERN.match(header.feed) or len(header.feed) > 40:
        raise ValidationFailed(
            "feed must be 1 to 40 letters, digits, '.', '_', '/' or '-'", field="feed"
        )
    if header.file_name is not None and len(header.file_name) > 255:
        raise ValidationFailed("file name must be at most 255 characters", field="fileName")

    async def create() -> uuid.UUID:
        record = await _ingest(session, principal, header, rows, labels or {})
        return record.id

    payload = fingerprint
    if payload is None and idempotency_key is not None:
        payload = {"header": asdict(header), "rows": [asdict(r) for r in rows]}
    import_id, created = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="recordOfftake",
        payload=payload,
        create=create,
    )
    record = (
        await session.execute(select(OfftakeImport).where(OfftakeImport.id == import_id))
    ).scalar_one()
    return record, created


async def _ingest(
    session: AsyncSession,
    principal: Principal,
    header: FeedHeader,
    rows: Iterable[FeedRow],
    labels: Mapping[str, str],
) -> OfftakeImport:
    tenant = await current_tenant(session)
    assert tenant is not None
    record = OfftakeImport(
        id=uuid.uuid4(),
        tenant_id=tenant.id,
        feed=header.feed,
        source=header.source,
        file_name=header.file_name,
        content_sha256=header.content_sha256,
        uploaded_by=principal.user_id,
        rows_total=0,
        rows_accepted=0,
        rows_duplicate=0,
        rows_rejected=0,
    )
    session.add(record)
    await session.flush()
    run = _Run(
        import_id=record.id,
        tenant_id=tenant.id,
        feed=header.feed,
        currency=tenant.currency,
        today=datetime.now(ZoneInfo(tenant.timezone)).date(),
        labels=labels,
    )
    for chunk in _chunks(rows, CHUNK_ROWS):
        run.total += len(chunk)
        if run.total > MAX_ROWS:
            raise FeedRefused(f"a feed holds at most {MAX_ROWS} rows; split the file", field="file")
        await _ingest_chunk(session, principal, run, chunk)
    if run.total == 0:
        raise FeedRefused("the feed holds no rows", field="rows")
    await session.execute(
        update(OfftakeImport)
        .where(OfftakeImport.id == record.id)
        .values(
            rows_total=run.total,
            rows_accepted=run.accepted,
            rows_duplicate=run.duplicate,
            rows_rejected=run.rejected,
        )
    )
    record.rows_total, record.rows_accepted = run.total, run.accepted
    record.rows_duplicate, record.rows_rejected = run.duplicate, run.rejected
    return record


def _chunks(rows: Iterable[FeedRow], size: int) -> Iterator[list[FeedRow]]:
    chunk: list[FeedRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def _ingest_chunk(
    session: AsyncSession, principal: Principal, run: _Run, chunk: list[FeedRow]
) -> None:
    rejections: list[Rejection] = []
    parsed: list[_Good] = []
    for row in chunk:
        good, problems = _parse(row, run)
        if problems:
            rejections.extend(problems)
        elif good is not None:
            parsed.append(good)
    await _resolve_codes(session, principal, run, parsed)
    to_insert: list[tuple[_Good, uuid.UUID, uuid.UUID]] = []
    for good in parsed:
        retailer_id = run.retailers.get(good.retailer_code)
        product_id = run.products.get(good.sku)
        problems = []
        if retailer_id is None:
            problems.append(
                _reject(
                    run,
                    good.number,
                    "retailer_code",
                    RejectionCode.UNKNOWN_RETAILER,
                    "no retailer with this code that you may report for",
                    good.retailer_code,
                )
            )
        if product_id is None:
            problems.append(
                _reject(run, good.number, "sku", RejectionCode.UNKNOWN_SKU, "no such SKU", good.sku)
            )
        if not problems:
            first = run.first_row_of_key.setdefault(good.key, good.number)
            if first != good.number:
                column = "external_id" if good.external_id else None
                problems.append(
                    _reject(
                        run,
                        good.number,
                        column,
                        RejectionCode.DUPLICATE_IN_FILE,
                        f"row {first} already reports this "
                        + ("row id" if good.external_id else "retailer, SKU and date"),
                        good.external_id,
                    )
                )
        if problems:
            rejections.extend(problems)
        else:
            assert retailer_id is not None and product_id is not None
            to_insert.append((good, retailer_id, product_id))
    rejections.extend(await _insert(session, run, to_insert))
    run.rejected += len({r.row for r in rejections})
    await _store_rejections(session, run, rejections)


def _reject(
    run: _Run,
    number: int,
    column: str | None,
    code: RejectionCode,
    message: str,
    value: Any = None,
) -> Rejection:
    label = run.labels.get(column, column) if column else None
    shown = None if value is None or value == "" else str(value)[:100]
    return Rejection(number, label, code, message, shown)


def _parse(row: FeedRow, run: _Run) -> tuple[_Good | None, list[Rejection]]:
    """Check the form of one row (no database): required, lengths, numbers, dates, currency."""
    n = row.number
    if row.field_count is not None:
        got, expected = row.field_count
        message = f"has {got} fields where the header has {expected}"
        return None, [_reject(run, n, None, RejectionCode.WRONG_FIELD_COUNT, message)]
    problems: list[Rejection] = []
    retailer_code = _clean(row.retailer_code)
    sku = _clean(row.sku)
    external_id = _clean(row.external_id)
    currency = _clean(row.currency)
    if retailer_code is None:
        problems.append(
            _reject(run, n, "retailer_code", RejectionCode.MISSING_VALUE, "is required")
        )
    elif len(retailer_code) > 40:
        problems.append(
            _reject(run, n, "retailer_code", RejectionCode.TOO_LONG, TOO_LONG_40, retailer_code)
        )
    if sku is None:
        problems.append(_reject(run, n, "sku", RejectionCode.MISSING_VALUE, "is required"))
    elif len(sku) > 40:
        problems.append(_reject(run, n, "sku", RejectionCode.TOO_LONG, TOO_LONG_40, sku))
    if external_id is not None and len(external_id) > 80:
        problems.append(
            _reject(
                run,
                n,
                "external_id",
                RejectionCode.TOO_LONG,
                "must be at most 80 characters",
                external_id,
            )
        )
    sold_on = _date(row.date, run, n, problems)
    quantity = _quantity(row.quantity, run, n, problems)
    amount = _value(row.value, run, n, problems)
    if currency is not None:
        if currency != run.currency:
            currency = currency.upper()
        if amount is None and _clean(_text(row.value)) is None:
            problems.append(
                _reject(
                    run,
                    n,
                    "currency",
                    RejectionCode.CURRENCY_WITHOUT_VALUE,
                    "give a value too",
                    currency,
                )
            )
        elif currency != run.currency:
            problems.append(
                _reject(
                    run,
                    n,
                    "currency",
                    RejectionCode.CURRENCY_MISMATCH,
                    f"values are in {run.currency}",
                    currency,
                )
            )
    if problems:
        return None, problems
    assert retailer_code and sku and sold_on and quantity is not None
    key = f"id:{external_id}" if external_id else f"{retailer_code}|{sku}|{sold_on.isoformat()}"
    return (
        _Good(
            number=n,
            key=key,
            retailer_code=retailer_code,
            sku=sku,
            sold_on=sold_on,
            quantity=quantity,
            value=amount,
            currency=run.currency if amount is not None else None,
            external_id=external_id,
        ),
        [],
    )


TOO_LONG_40 = "must be at most 40 characters"


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _date(raw: str | date | None, run: _Run, n: int, problems: list[Rejection]) -> date | None:
    """A valid sale date, or None with a rejection; verdicts are cached per distinct text."""
    cached = run.dates.get(raw) if isinstance(raw, str) else None
    if cached is None:
        cached = _judge_date(raw, run)
        if isinstance(raw, str):
            run.dates[raw] = cached
    if isinstance(cached, date):
        return cached
    code, message, shown = cached
    problems.append(_reject(run, n, "date", code, message, shown))
    return None


def _judge_date(raw: str | date | None, run: _Run) -> date | tuple[RejectionCode, str, str | None]:
    if isinstance(raw, date):
        sold_on = raw
    else:
        text_value = _clean(raw)
        if text_value is None:
            return RejectionCode.MISSING_VALUE, "is required", None
        try:
            sold_on = date.fromisoformat(text_value)
        except ValueError:
            return RejectionCode.INVALID_DATE, "must be a date as YYYY-MM-DD", text_value
    if sold_on > run.today:
        return RejectionCode.DATE_IN_FUTURE, "is after today", sold_on.isoformat()
    if sold_on < run.today - timedelta(days=MAX_AGE_DAYS):
        return RejectionCode.DATE_TOO_OLD, "is more than 5 years ago", sold_on.isoformat()
    return sold_on


def _quantity(raw: str | int | None, run: _Run, n: int, problems: list[Rejection]) -> int | None:
    if isinstance(raw, int):
        quantity = raw
    else:
        text_value = _clean(raw)
        if text_value is None:
            problems.append(_reject(run, n, "quantity", RejectionCode.MISSING_VALUE, "is required"))
            return None
        try:
            quantity = int(text_value)
        except ValueError:
            problems.append(
                _reject(
                    run, n, "quantity", RejectionCode.INVALID_QUANTITY, "must be whole units", raw
                )
            )
            return None
    if not 1 <= quantity <= MAX_QUANTITY:
        problems.append(
            _reject(
                run,
                n,
                "quantity",
                RejectionCode.INVALID_QUANTITY,
                f"must be between 1 and {MAX_QUANTITY}",
                quantity,
            )
        )
        return None
    return quantity


def _value(raw: str | Decimal | None, run: _Run, n: int, problems: list[Rejection]) -> str | None:
    """The amount as canonical decimal text (PostgreSQL casts it), or None with a rejection."""
    if raw is None:
        return None
    if isinstance(raw, Decimal):
        text_value = format(raw, "f") if raw.is_finite() else "NaN"
    else:
        text_value = raw.strip()
        if not text_value:
            return None
    if AMOUNT.match(text_value):
        return text_value
    try:
        value = Decimal(text_value)
    except InvalidOperation:
        reason = "must be a decimal number like 12500.50"
    else:
        if not value.is_finite() or value < 0 or value > MAX_VALUE:
            reason = "must be a positive amount"
        elif value == value.quantize(CENT):  # e.g. 12.500 or 1E+3
            return format(value.quantize(CENT), "f")
        else:
            reason = "at most 2 decimals"
    problems.append(_reject(run, n, "value", RejectionCode.INVALID_VALUE, reason, raw))
    return None


AMOUNT = re.compile(r"^\d{1,16}(\.\d{1,2})?$")
CENT = Decimal("0.01")


async def _resolve_codes(
    session: AsyncSession, principal: Principal, run: _Run, rows: list[_Good]
) -> None:
    """Map the chunk's new retailer codes and SKUs to ids: one query each, scoped."""
    new_retailers = {r.retailer_code for r in rows} - run.retailers.keys()
    if new_retailers:
        found = await session.execute(
            select(Retailer.code, Retailer.id).where(
                Retailer.code.in_(sorted(new_retailers)), retailer_scope(principal)
            )
        )
        known = {code: id_ for code, id_ in found.all()}
        run.retailers.update({c: known.get(c) for c in new_retailers})
    new_products = {r.sku for r in rows} - run.products.keys()
    if new_products:
        found = await session.execute(
            select(Product.sku, Product.id).where(Product.sku.in_(sorted(new_products)))
        )
        known = {code: id_ for code, id_ in found.all()}
        run.products.update({c: known.get(c) for c in new_products})


INSERT_ROWS = text(
    """
    INSERT INTO sellout_line (tenant_id, import_id, feed, row_key, retailer_id, product_id,
                              sold_on, quantity, value, currency, external_id)
    SELECT :tenant_id, :import_id, :feed, k, r, p, d, q, v, c, e
      FROM unnest(CAST(:keys AS varchar[]), CAST(:retailers AS uuid[]),
                  CAST(:products AS uuid[]), CAST(:dates AS date[]), CAST(:quantities AS int[]),
                  CAST(CAST(:values AS text[]) AS numeric[]), CAST(:currencies AS varchar[]),
                  CAST(:externals AS varchar[])) AS t(k, r, p, d, q, v, c, e)
    ON CONFLICT (tenant_id, feed, row_key) DO NOTHING
    RETURNING row_key
    """
)


# The stored rows of a chunk's keys: a join on the unique (tenant_id, feed, row_key) index.
STORED_ROWS = text(
    """
    SELECT s.row_key, s.retailer_id, s.product_id, s.sold_on, s.quantity, s.value
      FROM unnest(CAST(:keys AS varchar[])) AS k(key)
      JOIN sellout_line s
        ON s.tenant_id = jalur_current_tenant() AND s.feed = :feed AND s.row_key = k.key
    """
)


async def _insert(
    session: AsyncSession, run: _Run, rows: list[tuple[_Good, uuid.UUID, uuid.UUID]]
) -> list[Rejection]:
    """Insert the chunk's good rows; sort out the keys that were already stored."""
    if not rows:
        return []
    result = await session.execute(
        INSERT_ROWS,
        {
            "tenant_id": run.tenant_id,
            "import_id": run.import_id,
            "feed": run.feed,
            "keys": [g.key for g, _, _ in rows],
            "retailers": [r for _, r, _ in rows],
            "products": [p for _, _, p in rows],
            "dates": [g.sold_on for g, _, _ in rows],
            "quantities": [g.quantity for g, _, _ in rows],
            "values": [g.value for g, _, _ in rows],
            "currencies": [g.currency for g, _, _ in rows],
            "externals": [g.external_id for g, _, _ in rows],
        },
    )
    inserted = set(result.scalars().all())
    run.accepted += len(inserted)
    stored = [(g, r, p) for g, r, p in rows if g.key not in inserted]
    if not stored:
        return []
    found = await session.execute(
        STORED_ROWS, {"feed": run.feed, "keys": [g.key for g, _, _ in stored]}
    )
    earlier = {
        key: (retailer_id, product_id, sold_on, quantity, value)
        for key, retailer_id, product_id, sold_on, quantity, value in found.all()
    }
    rejections = []
    for good, retailer_id, product_id in stored:
        retailer_was, product_was, date_was, quantity_was, value_was = earlier[good.key]
        if (retailer_was, product_was, date_was, quantity_was, value_was) == (
            retailer_id,
            product_id,
            good.sold_on,
            good.quantity,
            None if good.value is None else Decimal(good.value),
        ):
            run.duplicate += 1
            continue
        rejections.append(
            _reject(
                run,
                good.number,
                "quantity" if quantity_was != good.quantity else None,
                RejectionCode.CONFLICTS_WITH_EARLIER_IMPORT,
                f"an earlier import of feed {run.feed} holds this row with other figures"
                f" ({quantity_was} units{'' if value_was is None else f', value {value_was}'});"
                " it was kept",
                good.quantity,
            )
        )
    return rejections


async def _store_rejections(session: AsyncSession, run: _Run, rejections: list[Rejection]) -> None:
    if not rejections:
        return
    rows = []
    for r in sorted(rejections, key=lambda r: r.row):
        rows.append(
            {
                "tenant_id": run.tenant_id,
                "import_id": run.import_id,
                "position": run.rejection_position,
                "row_number": r.row,
                "column": r.column,
                "code": r.code.value,
                "message": r.message[:300],
                "value": r.value,
            }
        )
        run.rejection_position += 1
    await session.execute(insert(OfftakeRejection), rows)


async def rejections_of(
    session: AsyncSession, import_id: uuid.UUID, *, limit: int, after_position: int = -1
) -> list[OfftakeRejection]:
    """An import's rejections in row order, `limit` of them after a position."""
    stmt = (
        select(OfftakeRejection)
        .where(OfftakeRejection.import_id == import_id, OfftakeRejection.position > after_position)
        .order_by(OfftakeRejection.position)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars().all())


# --- CSV -------------------------------------------------------------------------------------


def csv_rows(lines: Iterable[str]) -> Iterator[FeedRow]:
    """Read a CSV feed (header on row 1) into rows numbered as a spreadsheet shows them.

    The separator is read from the header line: a comma, or a semicolon or tab when the header has
    one of those and no comma (spreadsheets in locales with a decimal comma write semicolons).
    Blank lines are skipped; a row whose field count differs from the header's is rejected whole.
    """
    import csv

    stream = iter(lines)
    first = next(stream, None)
    if first is None:
        raise FeedRefused("the file is empty; give a header row and data rows", field="file")
    delimiter = next((d for d in (",", ";", "\t") if d in first), ",")
    reader = csv.reader(itertools.chain([first], stream), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FeedRefused(
            "the file is empty; give a header row and data rows", field="file"
        ) from None
    except csv.Error as exc:
        raise FeedRefused(f"the header row is not valid CSV: {exc}", field="file") from exc
    positions = _header_positions(header)
    width = len(header)
    indexes = [positions.get(name) for name in COLUMNS]
    record = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FeedRefused(
                f"row {record + 1} is not valid CSV ({exc}); nothing was stored", field="file"
            ) from exc
        record += 1
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        count = len(fields)
        values = [fields[i] if i is not None and i < count else None for i in indexes]
        yield FeedRow(
            record,
            values[0],
            values[1],
            values[2],
            values[3],
            values[4],
            values[5],
            values[6],
            field_count=None if len(fields) == width else (len(fields), width),
        )


def _header_positions(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for i, raw in enumerate(header):
        name = raw.strip().lstrip("\ufeff").lower().replace(" ", "_").replace("-", "_")
        column = ALIASES.get(name)
        if column is None:
            continue
        if column in positions:
            raise FeedRefused(f"column {column!r} appears twice in the header", field="file")
        positions[column] = i
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        raise FeedRefused(
            "the header lacks the column(s) "
            + ", ".join(missing)
            + "; expected retailer_code, sku, date, quantity[, value, currency, external_id]",
            field="file",
            details={"missingColumns": missing},
        )
    return positions
