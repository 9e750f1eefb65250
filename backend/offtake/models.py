"""Tertiary offtake: sell-out feed imports and their rows, and offtake derived from stock counts."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Identity,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from backend.kit.db import Base, TimestampMixin, str_enum, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_fk, tenant_key


class ImportSource(enum.StrEnum):
    """How a sell-out feed arrived: a CSV file upload or the bulk GraphQL mutation."""

    CSV = "CSV"
    API = "API"


class OfftakeFlag(enum.StrEnum):
    """Why a derived offtake figure is implausible (and left out of reports)."""

    NEGATIVE = "NEGATIVE"
    COUNT_UP_WITHOUT_PURCHASE = "COUNT_UP_WITHOUT_PURCHASE"
    ABOVE_USUAL = "ABOVE_USUAL"


class OfftakeImport(TenantOwned, TimestampMixin, Base):
    """One upload of a sell-out feed: who sent it, when, which file, and what became of its rows."""

    __tablename__ = "offtake_import"
    __table_args__ = (
        tenant_key(),
        tenant_fk("uploaded_by", "app_user"),
        CheckConstraint(
            "rows_total = rows_accepted + rows_duplicate + rows_rejected", name="rows_add_up"
        ),
        Index(None, "tenant_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    feed: Mapped[str] = mapped_column(String(40), nullable=False)
    source: Mapped[ImportSource] = mapped_column(
        str_enum(ImportSource, "import_source", 8), nullable=False
    )
    file_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    content_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    uploaded_by: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    rows_total: Mapped[int] = mapped_column(Integer, nullable=False)
    rows_accepted: Mapped[int] = mapped_column(Integer, nullable=False)
    rows_duplicate: Mapped[int] = mapped_column(Integer, nullable=False)
    rows_rejected: Mapped[int] = mapped_column(Integer, nullable=False)


class OfftakeRejection(TenantOwned, Base):
    """A problem with one row of an import: the row number, the column, a code and a sentence."""

    __tablename__ = "offtake_rejection"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "import_id", "position"),
        tenant_fk("import_id", "offtake_import", ondelete="CASCADE"),
    )

    import_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    row_number: Mapped[int] = mapped_column(Integer, nullable=False)
    column: Mapped[str | None] = mapped_column(String(40), nullable=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    message: Mapped[str] = mapped_column(String(300), nullable=False)
    value: Mapped[str | None] = mapped_column(String(100), nullable=True)


class SellOutLine(TenantOwned, Base):
    """Units of a SKU a retailer sold to consumers on a day, as its sell-out feed reported them.

    `row_key` is the row's natural key within its feed (the feed's own row id when it sends one,
    else retailer, SKU and date), so a re-sent file adds nothing twice.
    """

    __tablename__ = "sellout_line"
    __table_args__ = (
        UniqueConstraint("tenant_id", "feed", "row_key"),
        tenant_fk("import_id", "offtake_import"),
        tenant_fk("retailer_id", "retailer"),
        tenant_fk("product_id", "product"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("value IS NULL OR value >= 0", name="value_not_negative"),
        CheckConstraint("(value IS NULL) = (currency IS NULL)", name="value_has_currency"),
        Index(None, "tenant_id", "sold_on"),
        Index(None, "tenant_id", "retailer_id", "product_id", "sold_on"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    import_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    feed: Mapped[str] = mapped_column(String(40), nullable=False)
    row_key: Mapped[str] = mapped_column(String(160), nullable=False)
    retailer_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    sold_on: Mapped[date] = mapped_column(Date, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    value: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(80), nullable=True)


class DerivedOfftake(TenantOwned, TimestampMixin, Base):
    """Offtake of a SKU at a retailer between two consecutive stock counts.

    quantity = opening count + units invoiced between the counts (`purchased`) − units returned
    to the distributor between them (`returned`, credit notes of sales returns) − closing count.
    An implausible figure keeps its flag and reason and is left out of reports instead of being
    used silently.
    """

    __tablename__ = "derived_offtake"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "retailer_id", "product_id", "closing_visit_id"),
        tenant_fk("retailer_id", "retailer"),
        tenant_fk("product_id", "product"),
        tenant_fk("opening_visit_id", "visit"),
        tenant_fk("closing_visit_id", "visit"),
        CheckConstraint("opening_count >= 0 AND closing_count >= 0", name="counts_not_negative"),
        CheckConstraint("purchased >= 0", name="purchased_not_negative"),
        CheckConstraint("returned >= 0", name="returned_not_negative"),
        CheckConstraint(
            "quantity = opening_count + purchased - returned - closing_count", name="arithmetic"
        ),
        CheckConstraint("period_start <= period_end", name="period_in_order"),
        CheckConstraint("plausible = (flag IS NULL)", name="flag_iff_implausible"),
        Index(None, "tenant_id", "period_end"),
    )

    retailer_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    opening_visit_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    closing_visit_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    opening_count: Mapped[int] = mapped_column(Integer, nullable=False)
    purchased: Mapped[int] = mapped_column(Integer, nullable=False)
    returned: Mapped[int] = mapped_column(Integer, nullable=False)
    closing_count: Mapped[int] = mapped_column(Integer, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    usual_daily: Mapped[Decimal | None] = mapped_column(Numeric(12, 3), nullable=True)
    plausible: Mapped[bool] = mapped_column(Boolean, nullable=False)
    flag: Mapped[OfftakeFlag | None] = mapped_column(
        str_enum(OfftakeFlag, "offtake_flag", 28), nullable=True
    )
    reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
