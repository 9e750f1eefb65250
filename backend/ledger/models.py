"""The double-entry ledger: accounts with cached balances, journals and their entries, and
the counters that number documents.

Entries are signed: a debit is positive, a credit negative; every journal sums to zero (a
deferred constraint trigger checks it at commit). The app role may only insert journals and
entries; a correction is a reversing journal. Account balances are maintained by a trigger on
entry insert, in the same transaction, so they can never disagree with the entries.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from backend.kit.db import Base, TimestampMixin, str_enum, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_fk, tenant_key


class AccountKind(enum.StrEnum):
    """What an account holds."""

    RECEIVABLE = "RECEIVABLE"
    REVENUE = "REVENUE"
    TAX_PAYABLE = "TAX_PAYABLE"
    SCHEME_EXPENSE = "SCHEME_EXPENSE"
    CLAIMS_EXPENSE = "CLAIMS_EXPENSE"
    SALES_RETURNS = "SALES_RETURNS"
    CASH = "CASH"
    BANK = "BANK"
    CHEQUES_IN_HAND = "CHEQUES_IN_HAND"
    # Where a document's round-off goes (GST: total rounded to the rupee), so journals balance.
    ROUND_OFF = "ROUND_OFF"


class LedgerAccount(TenantOwned, TimestampMixin, Base):
    """An account, per party where the kind is per party (receivable), with its cached balance."""

    __tablename__ = "ledger_account"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "key"),
        tenant_fk("party_id", "distributor"),
        tenant_fk("book_id", "distributor"),
        tenant_fk("retailer_id", "retailer"),
        CheckConstraint("retailer_id IS NULL OR book_id IS NOT NULL", name="retailer_in_a_book"),
        CheckConstraint("party_id IS NULL OR book_id IS NULL", name="distributor_in_brand_book"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    key: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[AccountKind] = mapped_column(
        str_enum(AccountKind, "account_kind", 20), nullable=False
    )
    party_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    # Secondary sales: the distributor whose books hold the account, and the retailer of a
    # receivable there. None = the brand's own book.
    book_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    retailer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    balance: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False, default=Decimal(0))


class Journal(TenantOwned, Base):
    """One posting of one source document (or the reversal of a posting)."""

    __tablename__ = "journal"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "source_type", "source_id", "purpose"),
        tenant_fk("reverses_id", "journal"),
        UniqueConstraint("tenant_id", "reverses_id"),
        Index(None, "tenant_id", "party_id", "posted_on"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    source_type: Mapped[str] = mapped_column(String(30), nullable=False)
    source_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    party_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    posted_on: Mapped[date] = mapped_column(Date, nullable=False)
    memo: Mapped[str] = mapped_column(String(200), nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class JournalEntry(TenantOwned, Base):
    """One signed amount on one account (debit > 0, credit < 0)."""

    __tablename__ = "journal_entry"
    __table_args__ = (
        tenant_key(),
        tenant_fk("journal_id", "journal"),
        tenant_fk("account_id", "ledger_account"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        Index(None, "tenant_id", "journal_id"),
        Index(None, "tenant_id", "account_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    journal_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)


class DocumentSeries(TenantOwned, Base):
    """The counter of one numbering series in one fiscal year, locked by whoever takes a number.

    `owner_id` is the distributor whose own series it is (secondary invoices); None = the brand's.
    """

    __tablename__ = "document_series"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint(
            "tenant_id", "owner_id", "series", "fiscal_year", postgresql_nulls_not_distinct=True
        ),
        tenant_fk("owner_id", "distributor"),
        CheckConstraint("last_number >= 0", name="last_number_not_negative"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    series: Mapped[str] = mapped_column(String(8), nullable=False)
    fiscal_year: Mapped[int] = mapped_column(Integer, nullable=False)
    last_number: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
