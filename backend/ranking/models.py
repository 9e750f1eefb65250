"""The ranking registry (trained models, one active per tenant) and the retailer scores it writes.

Artefacts live in the registry row itself (`artefact`, bytea), not in a folder: the bytes commit
in the same transaction as the row and its activation (never a row without its file, nor a file
without its row), every worker on every machine reads them without a shared volume, they are
backed up and restored with the database, and row-level security keeps one tenant's model from
another. A model is a few hundred kilobytes to a few megabytes, read once per scoring run.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Boolean, Uuid

from backend.kit.db import Base, TimestampMixin, str_enum, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_fk, tenant_key


class RankingKind(enum.StrEnum):
    """What production serves: a fitted model, or the baseline it fell back to."""

    MODEL = "MODEL"
    BASELINE = "BASELINE"


class RankingModel(TenantOwned, TimestampMixin, Base):
    """One training run: its card (window, metrics, selection, libraries, data hash) and artefact.

    At most one row per tenant is active (a partial unique index); activating a new one and
    deactivating the old happen in one transaction.
    """

    __tablename__ = "ranking_model"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "version"),
        Index(
            "uq_ranking_model_one_active",
            "tenant_id",
            unique=True,
            postgresql_where=text("is_active"),
        ),
        CheckConstraint("NOT is_active OR activated_at IS NOT NULL", name="active_has_date"),
        CheckConstraint("trained_from <= trained_to", name="window_in_order"),
        CheckConstraint("horizon_days > 0", name="horizon_positive"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    version: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[RankingKind] = mapped_column(
        str_enum(RankingKind, "ranking_kind", 10), nullable=False
    )
    selected: Mapped[str] = mapped_column(String(40), nullable=False)
    selection_message: Mapped[str] = mapped_column(Text, nullable=False)
    trained_from: Mapped[date] = mapped_column(Date, nullable=False)
    trained_to: Mapped[date] = mapped_column(Date, nullable=False)
    horizon_days: Mapped[int] = mapped_column(Integer, nullable=False)
    retailer_count: Mapped[int] = mapped_column(Integer, nullable=False)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    libraries: Mapped[dict[str, str]] = mapped_column(JSONB, nullable=False)
    data_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    card: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    artefact: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    artefact_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    training_job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class RetailerScore(TenantOwned, Base):
    """A retailer's expected purchase value over the horizon from `as_of`, its rank and reasons.

    One scoring run writes every retailer of the tenant for one `as_of` (replacing that date's
    rows at once); `rank` is 1 for the outlet to visit first within its `portfolio` (the rep's
    portfolio, else the distributor's, else the whole tenant, as `ml` groups them).
    """

    __tablename__ = "retailer_score"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "as_of", "retailer_id"),
        tenant_fk("retailer_id", "retailer"),
        tenant_fk("model_id", "ranking_model"),
        Index(None, "tenant_id", "model_id", "as_of"),
        CheckConstraint("expected_value >= 0", name="expected_value_not_negative"),
        CheckConstraint("horizon_days > 0", name="horizon_positive"),
        CheckConstraint("rank >= 1 AND rank <= portfolio_size", name="rank_in_portfolio"),
    )

    as_of: Mapped[date] = mapped_column(Date, nullable=False)
    retailer_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    model_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    expected_value: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    horizon_days: Mapped[int] = mapped_column(Integer, nullable=False)
    reasons: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    portfolio: Mapped[str] = mapped_column(String(80), nullable=False)
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    portfolio_size: Mapped[int] = mapped_column(Integer, nullable=False)
    scored_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=text("now()")
    )
