"""GraphQL of tertiary offtake: sell-out imports, derived offtake, and offtake reports."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import strawberry
from sqlalchemy import ColumnElement, func, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from backend.api.context import Context
from backend.api.loaders import register_node
from backend.api.mutations import run_mutation
from backend.api.types import (
    Connection,
    Money,
    Node,
    UserError,
    build_connection,
    check_page_size,
    decode_cursor,
)
from backend.auth.principal import Principal
from backend.catalog.models import Product
from backend.identity.models import Role
from backend.identity.repository import current_tenant
from backend.kit.errors import ValidationFailed
from backend.kit.ids import decode_typed_id, encode_global_id
from backend.offtake import derive, reports
from backend.offtake.errors import RejectionCode
from backend.offtake.ingest import FeedHeader, FeedRow, ingest_feed
from backend.offtake.models import (
    DerivedOfftake,
    ImportSource,
    OfftakeFlag,
    OfftakeImport,
    OfftakeRejection,
)
from backend.parties.models import Channel, Retailer
from backend.parties.repository import retailer_scope

N = TypeVar("N")
MAX_API_ROWS = 10_000
IDEMPOTENCY = "Client-generated key: a retry with it returns the first result."
API_LABELS = {
    "retailer_code": "retailerCode",
    "sku": "sku",
    "date": "date",
    "quantity": "quantity",
    "value": "value",
    "currency": "currency",
    "external_id": "externalId",
}

strawberry.enum(ImportSource, description="How a sell-out feed arrived: CSV upload or API.")
strawberry.enum(OfftakeFlag, description="Why a derived offtake figure is implausible.")
strawberry.enum(RejectionCode, description="Why a sell-out feed row was not kept.")
strawberry.enum(
    reports.Dimension, name="OfftakeDimension", description="What report rows are about."
)
strawberry.enum(reports.Period, name="OfftakePeriod", description="Time buckets of a report.")
strawberry.enum(
    reports.Source, name="OfftakeSource", description="Where offtake figures come from."
)

First = Annotated[int, strawberry.argument(description="Page size, 1 to 100.")]
After = Annotated[str | None, strawberry.argument(description="Cursor to start after.")]


# --- paging on several sort columns ------------------------------------------------------------


async def _tuple_page(
    context: Context,
    stmt: Any,
    *,
    columns: Sequence[Any],
    parsers: Sequence[Callable[[str], Any]],
    key: Callable[[Any], Sequence[Any]],
    first: int,
    after: str | None,
    to_node: Callable[[Any], N],
    descending: bool = False,
    scalars: bool = True,
) -> Connection[N]:
    """A keyset page ordered by several columns (all ascending or all descending)."""
    check_page_size(first, maximum=context.settings.graphql.max_page_size)
    page = stmt.order_by(*[c.desc() if descending else c for c in columns]).limit(first + 1)
    if after is not None:
        parts = decode_cursor(after).split("|")
        try:
            values = [parse(p) for parse, p in zip(parsers, parts, strict=True)]
        except ValueError as exc:
            raise ValidationFailed("not a valid cursor", field="after") from exc
        position = tuple_(*columns)
        page = page.where(position < tuple_(*values) if descending else position > tuple_(*values))
    result = await context.session.execute(page)
    rows = list(result.scalars().all() if scalars else result.all())

    async def count() -> int:
        total = await context.session.execute(
            select(func.count()).select_from(stmt.order_by(None).subquery())
        )
        return int(total.scalar_one())

    return build_connection(
        rows,
        first=first,
        had_cursor=after is not None,
        key=lambda row: "|".join(str(v) for v in key(row)),
        to_node=to_node,
        count=count,
    )


def _opt_id(value: strawberry.ID | None, type_name: str, field: str) -> uuid.UUID | None:
    return None if value is None else decode_typed_id(value, type_name, field=field)


# --- imports ---------------------------------------------------------------------------------


@strawberry.type(description="A problem with one row of a sell-out feed (the row was not kept).")
class OfftakeRejectionType:
    row: int = strawberry.field(
        description="Row number: the CSV line as a spreadsheet shows it (header = 1), or the"
        " position in `rows` from 1."
    )
    column: str | None = strawberry.field(description="The column at fault; null: the whole row.")
    code: RejectionCode = strawberry.field(description="Machine-readable reason.")
    message: str = strawberry.field(description="A sentence for a person.")
    value: str | None = strawberry.field(description="The value given (first 100 characters).")


def _rejection(row: OfftakeRejection) -> OfftakeRejectionType:
    return OfftakeRejectionType(
        row=row.row_number,
        column=row.column,
        code=RejectionCode(row.code),
        message=row.message,
        value=row.value,
    )


@strawberry.type(
    name="OfftakeImport",
    description="One upload of a sell-out feed: who, when, which file, and what became of its"
    " rows (accepted + duplicate + rejected = total).",
)
class OfftakeImportNode(Node):
    feed: str = strawberry.field(description="The feed (e.g. a chain's daily sell-out).")
    source: ImportSource = strawberry.field(description="CSV upload or API.")
    file_name: str | None = strawberry.field(description="The uploaded file's name.")
    content_sha256: str | None = strawberry.field(description="SHA-256 of the uploaded file.")
    uploaded_at: datetime = strawberry.field(description="When it was uploaded.")
    uploaded_by: strawberry.ID = strawberry.field(description="The user who uploaded it.")
    rows_total: int = strawberry.field(description="Data rows in the feed.")
    rows_accepted: int = strawberry.field(description="Rows stored by this import.")
    rows_duplicate: int = strawberry.field(
        description="Rows already stored by an earlier import with the same figures (not"
        " counted again)."
    )
    rows_rejected: int = strawberry.field(description="Rows not kept; see `rejections`.")
    row_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The rejected rows' problems, in row order.")
    async def rejections(
        self, info: strawberry.Info[Context, None], first: First, after: After = None
    ) -> Connection[OfftakeRejectionType]:
        stmt = select(OfftakeRejection).where(OfftakeRejection.import_id == self.row_id)
        return await _tuple_page(
            info.context,
            stmt,
            columns=[OfftakeRejection.position],
            parsers=[int],
            key=lambda r: [r.position],
            first=first,
            after=after,
            to_node=_rejection,
        )


def import_node(row: OfftakeImport) -> OfftakeImportNode:
    """Map an import row."""
    return OfftakeImportNode(
        id=strawberry.ID(encode_global_id("OfftakeImport", row.id)),
        feed=row.feed,
        source=row.source,
        file_name=row.file_name,
        content_sha256=row.content_sha256,
        uploaded_at=row.created_at,
        uploaded_by=strawberry.ID(encode_global_id("User", row.uploaded_by)),
        rows_total=row.rows_total,
        rows_accepted=row.rows_accepted,
        rows_duplicate=row.rows_duplicate,
        rows_rejected=row.rows_rejected,
        row_id=row.id,
    )


def import_scope(principal: Principal) -> ColumnElement[bool]:
    """Imports the principal may see: every one for ADMIN, else its own uploads."""
    if principal.role is Role.ADMIN:
        return true()
    return OfftakeImport.uploaded_by == principal.user_id


async def imports_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[OfftakeImport]:
    """Visible imports with these ids."""
    stmt = select(OfftakeImport).where(OfftakeImport.id.in_(ids), import_scope(principal))
    return (await session.execute(stmt)).scalars().all()


register_node("OfftakeImport", imports_by_ids, import_node)


@strawberry.input(description="One row of a sell-out feed.")
class OfftakeRowInput:
    retailer_code: str = strawberry.field(description="The retailer's code.")
    sku: str = strawberry.field(description="The SKU code.")
    sold_on: date = strawberry.field(
        name="date", description="The day the units were sold to consumers."
    )
    quantity: int = strawberry.field(description="Units sold, 1 or more.")
    value: Decimal | None = strawberry.field(
        default=None, description="Sales value (2 decimals at most), optional."
    )
    currency: str | None = strawberry.field(
        default=None, description="Currency of the value; the tenant's when omitted."
    )
    external_id: str | None = strawberry.field(
        default=None,
        description="The feed's own row id; when given it is the row's key in the feed, else"
        " retailer, SKU and date are.",
    )


@strawberry.input(description="A sell-out feed sent as data instead of a file.")
class RecordOfftakeInput:
    feed: str = strawberry.field(description="Feed name: the rows' keys are unique within it.")
    rows: list[OfftakeRowInput] = strawberry.field(description="1 to 10,000 rows.")
    file_name: str | None = strawberry.field(default=None, description="Name to keep on record.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.type(description="Result of recording a sell-out feed.")
class OfftakeImportPayload:
    offtake_import: OfftakeImportNode | None = strawberry.field(
        name="import", description="The import with its counts; rejected rows under rejections."
    )
    replayed: bool = strawberry.field(
        description="True when the idempotency key returned an earlier import."
    )
    errors: list[UserError] = strawberry.field(
        description="Why nothing was stored (the feed as a whole); empty on success."
    )


# --- derived ---------------------------------------------------------------------------------


@strawberry.type(
    name="DerivedOfftake",
    description="Units a retailer sold between two consecutive stock counts of a SKU: opening"
    " count + purchases − returns − closing count.",
)
class DerivedOfftakeType:
    retailer_id: strawberry.ID = strawberry.field(description="The retailer.")
    retailer_code: str = strawberry.field(description="The retailer's code.")
    product_id: strawberry.ID = strawberry.field(description="The SKU.")
    sku: str = strawberry.field(description="The SKU code.")
    period_start: date = strawberry.field(description="Date of the opening count.")
    period_end: date = strawberry.field(description="Date of the closing count.")
    opening_count: int = strawberry.field(description="Units counted at the opening visit.")
    purchased: int = strawberry.field(description="Units invoiced between the two counts.")
    returned: int = strawberry.field(
        description="Units returned to the distributor between the two counts (credit notes)."
    )
    closing_count: int = strawberry.field(description="Units counted at the closing visit.")
    quantity: int = strawberry.field(description="Derived offtake (may be negative if flagged).")
    usual_daily: Decimal | None = strawberry.field(
        description="The pair's usual units a day before this interval, when known."
    )
    plausible: bool = strawberry.field(description="False: flagged and left out of reports.")
    flag: OfftakeFlag | None = strawberry.field(description="Why it is implausible.")
    reason: str | None = strawberry.field(description="The flag in a sentence with the figures.")
    opening_visit_id: strawberry.ID = strawberry.field(description="The opening visit.")
    closing_visit_id: strawberry.ID = strawberry.field(description="The closing visit.")


def _derived(row: Any) -> DerivedOfftakeType:
    d: DerivedOfftake = row[0]
    return DerivedOfftakeType(
        retailer_id=strawberry.ID(encode_global_id("Retailer", d.retailer_id)),
        retailer_code=row[1],
        product_id=strawberry.ID(encode_global_id("Product", d.product_id)),
        sku=row[2],
        period_start=d.period_start,
        period_end=d.period_end,
        opening_count=d.opening_count,
        purchased=d.purchased,
        returned=d.returned,
        closing_count=d.closing_count,
        quantity=d.quantity,
        usual_daily=d.usual_daily,
        plausible=d.plausible,
        flag=d.flag,
        reason=d.reason,
        opening_visit_id=strawberry.ID(encode_global_id("Visit", d.opening_visit_id)),
        closing_visit_id=strawberry.ID(encode_global_id("Visit", d.closing_visit_id)),
    )


@strawberry.input(description="Which stock-count intervals to derive offtake for.")
class DeriveOfftakeInput:
    start: date = strawberry.field(name="from", description="First closing-count date.")
    end: date = strawberry.field(name="to", description="Last closing-count date (≤ 366 days).")
    retailer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this retailer (else every retailer you may see)."
    )


@strawberry.type(description="What a derivation stored.")
class DeriveOfftakePayload:
    intervals: int = strawberry.field(description="Intervals between counts derived.")
    flagged: int = strawberry.field(description="Of which flagged as implausible.")
    retailers: int = strawberry.field(description="Retailers with at least one interval.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


# --- reports ---------------------------------------------------------------------------------


@strawberry.type(description="Offtake of one dimension member in one period bucket.")
class OfftakeReportRow:
    period_start: date = strawberry.field(
        description="First day of the bucket (Monday for weeks; the report's start for WHOLE)."
    )
    key: str = strawberry.field(
        description="The member: a global id (SKU, retailer, territory, distributor) or the"
        " channel."
    )
    code: str = strawberry.field(description="The member's code (SKU, retailer code, channel…).")
    name: str = strawberry.field(description="The member's name.")
    quantity: int = strawberry.field(description="Units: sell-out plus derived.")
    sell_out_quantity: int = strawberry.field(description="Units from sell-out feeds.")
    sell_out_value: Money = strawberry.field(description="Value of sell-out rows that had one.")
    derived_quantity: int = strawberry.field(
        description="Units derived from stock counts (plausible intervals, for retailer/SKU"
        " pairs without sell-out in the period)."
    )
    flagged_derived: int = strawberry.field(
        description="Derived intervals left out as implausible."
    )


NODE_KIND = {
    "SKU": "Product",
    "RETAILER": "Retailer",
    "TERRITORY": "Territory",
    "DISTRIBUTOR": "Distributor",
}


def _report_row(row: reports.ReportRow, currency: str) -> OfftakeReportRow:
    kind = NODE_KIND.get(row.kind)
    key = encode_global_id(kind, uuid.UUID(row.key)) if kind and row.key else row.key
    return OfftakeReportRow(
        period_start=row.period_start,
        key=key,
        code=row.code,
        name=row.name,
        quantity=row.quantity,
        sell_out_quantity=row.sell_out_quantity,
        sell_out_value=Money(amount=row.sell_out_value, currency=currency),
        derived_quantity=row.derived_quantity,
        flagged_derived=row.flagged_derived,
    )


@strawberry.type(description="An offtake report: its rows page by page, and its totals.")
class OfftakeReport:
    query: strawberry.Private[reports.ReportQuery]
    currency: strawberry.Private[str]

    @strawberry.field(description="Rows ordered by period, then member code.")
    async def rows(
        self, info: strawberry.Info[Context, None], first: First, after: After = None
    ) -> Connection[OfftakeReportRow]:
        context = info.context
        principal = await context.principal()
        check_page_size(first, maximum=context.settings.graphql.max_page_size)
        cursor = None
        if after is not None:
            bucket, _, key = decode_cursor(after).partition("|")
            try:
                cursor = (date.fromisoformat(bucket), key)
            except ValueError as exc:
                raise ValidationFailed("not a valid cursor", field="after") from exc
        rows = await reports.report_page(
            context.session, principal, self.query, first=first, after=cursor
        )

        async def count() -> int:
            return await reports.report_count(context.session, principal, self.query)

        return build_connection(
            rows,
            first=first,
            had_cursor=after is not None,
            key=lambda r: f"{r.period_start.isoformat()}|{r.code}",
            to_node=lambda r: _report_row(r, self.currency),
            count=count,
        )

    @strawberry.field(description="Sums over all rows of the report.")
    async def totals(self, info: strawberry.Info[Context, None]) -> OfftakeReportRow:
        principal = await info.context.principal()
        total = await reports.report_totals(info.context.session, principal, self.query)
        return _report_row(total, self.currency)


@strawberry.type
class OfftakeQuery:
    @strawberry.field(description="Sell-out imports you may see, newest first.")
    async def offtake_imports(
        self, info: strawberry.Info[Context, None], first: First, after: After = None
    ) -> Connection[OfftakeImportNode]:
        principal = await info.context.principal()
        stmt = select(OfftakeImport).where(import_scope(principal))
        return await _tuple_page(
            info.context,
            stmt,
            columns=[OfftakeImport.created_at, OfftakeImport.id],
            parsers=[datetime.fromisoformat, uuid.UUID],
            key=lambda r: [r.created_at.isoformat(), r.id],
            first=first,
            after=after,
            to_node=import_node,
            descending=True,
        )

    @strawberry.field(
        description="Offtake derived from stock counts at retailers you may see, by closing date."
    )
    async def derived_offtake(
        self,
        info: strawberry.Info[Context, None],
        start: Annotated[date, strawberry.argument(name="from", description="First closing date.")],
        end: Annotated[date, strawberry.argument(name="to", description="Last closing date.")],
        first: First,
        after: After = None,
        retailer_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this retailer.")
        ] = None,
        product_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this SKU.")
        ] = None,
        flagged_only: Annotated[
            bool, strawberry.argument(description="Only implausible intervals (to review).")
        ] = False,
    ) -> Connection[DerivedOfftakeType]:
        principal = await info.context.principal()
        stmt = (
            select(DerivedOfftake, Retailer.code, Product.sku)
            .join(Retailer, Retailer.id == DerivedOfftake.retailer_id)
            .join(Product, Product.id == DerivedOfftake.product_id)
            .where(
                retailer_scope(principal),
                DerivedOfftake.period_end >= start,
                DerivedOfftake.period_end <= end,
            )
        )
        rid = _opt_id(retailer_id, "Retailer", "retailerId")
        pid = _opt_id(product_id, "Product", "productId")
        if rid is not None:
            stmt = stmt.where(DerivedOfftake.retailer_id == rid)
        if pid is not None:
            stmt = stmt.where(DerivedOfftake.product_id == pid)
        if flagged_only:
            stmt = stmt.where(DerivedOfftake.plausible.is_(False))
        return await _tuple_page(
            info.context,
            stmt,
            columns=[
                DerivedOfftake.period_end,
                DerivedOfftake.retailer_id,
                DerivedOfftake.product_id,
                DerivedOfftake.closing_visit_id,
            ],
            parsers=[date.fromisoformat, uuid.UUID, uuid.UUID, uuid.UUID],
            key=lambda r: [
                r[0].period_end.isoformat(),
                r[0].retailer_id,
                r[0].product_id,
                r[0].closing_visit_id,
            ],
            first=first,
            after=after,
            to_node=_derived,
            scalars=False,
        )

    @strawberry.field(
        description="Offtake (tertiary sales) of retailers you may see, from sell-out feeds and"
        " stock counts, grouped by a dimension and period."
    )
    async def offtake_report(
        self,
        info: strawberry.Info[Context, None],
        dimension: Annotated[
            reports.Dimension, strawberry.argument(description="What rows are about.")
        ],
        period: Annotated[reports.Period, strawberry.argument(description="Time buckets.")],
        start: Annotated[date, strawberry.argument(name="from", description="First day.")],
        end: Annotated[date, strawberry.argument(name="to", description="Last day.")],
        sources: Annotated[
            list[reports.Source] | None,
            strawberry.argument(description="Sources to include (default: both)."),
        ] = None,
        territory_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only this territory's subtree; TERRITORY rows roll up to its"
                " direct children."
            ),
        ] = None,
        channel: Annotated[
            Channel | None, strawberry.argument(description="Only this channel.")
        ] = None,
        distributor_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this distributor's.")
        ] = None,
        retailer_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this retailer.")
        ] = None,
        product_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this SKU.")
        ] = None,
    ) -> OfftakeReport:
        await info.context.principal()
        query = reports.ReportQuery(
            dimension=dimension,
            period=period,
            start=start,
            end=end,
            sources=frozenset(sources) if sources is not None else frozenset(reports.Source),
            territory_id=_opt_id(territory_id, "Territory", "territoryId"),
            channel=channel,
            distributor_id=_opt_id(distributor_id, "Distributor", "distributorId"),
            retailer_id=_opt_id(retailer_id, "Retailer", "retailerId"),
            product_id=_opt_id(product_id, "Product", "productId"),
        )
        reports.check_query(query)
        tenant = await current_tenant(info.context.session)
        assert tenant is not None
        return OfftakeReport(query=query, currency=tenant.currency)


@strawberry.type
class OfftakeMutation:
    @strawberry.mutation(
        description="Record a sell-out feed as data: bad rows are reported with row number,"
        " column and reason, good rows kept; rows already stored are not counted twice."
    )
    async def record_offtake(
        self, info: strawberry.Info[Context, None], input: RecordOfftakeInput
    ) -> OfftakeImportPayload:
        replayed = False

        async def work(principal: Principal) -> OfftakeImport:
            nonlocal replayed
            if not 1 <= len(input.rows) <= MAX_API_ROWS:
                raise ValidationFailed(
                    f"give 1 to {MAX_API_ROWS} rows (upload a CSV for more)", field="input.rows"
                )
            rows = [
                FeedRow(
                    number=i + 1,
                    retailer_code=r.retailer_code,
                    sku=r.sku,
                    date=r.sold_on,
                    quantity=r.quantity,
                    value=r.value,
                    currency=r.currency,
                    external_id=r.external_id,
                )
                for i, r in enumerate(input.rows)
            ]
            record, created = await ingest_feed(
                info.context.session,
                principal=principal,
                header=FeedHeader(
                    feed=input.feed, source=ImportSource.API, file_name=input.file_name
                ),
                rows=rows,
                idempotency_key=input.idempotency_key,
                labels=API_LABELS,
            )
            replayed = not created
            return record

        record, errors = await run_mutation(info.context, work)
        return OfftakeImportPayload(
            offtake_import=import_node(record) if record else None,
            replayed=replayed,
            errors=errors,
        )

    @strawberry.mutation(
        description="Derive offtake from stock counts whose closing count falls in the period"
        " (reruns replace earlier figures); implausible intervals are flagged."
    )
    async def derive_offtake(
        self, info: strawberry.Info[Context, None], input: DeriveOfftakeInput
    ) -> DeriveOfftakePayload:
        async def work(principal: Principal) -> derive.DeriveSummary:
            principal.require(Role.ADMIN, Role.MANAGER)
            return await derive.derive_offtake(
                info.context.session,
                tenant_id=principal.tenant_id,
                start=input.start,
                end=input.end,
                scope=retailer_scope(principal),
                retailer_id=_opt_id(input.retailer_id, "Retailer", "input.retailerId"),
            )

        summary, errors = await run_mutation(info.context, work)
        return DeriveOfftakePayload(
            intervals=summary.intervals if summary else 0,
            flagged=summary.flagged if summary else 0,
            retailers=summary.retailers if summary else 0,
            errors=errors,
        )
