"""Goals managers set for a territory, a rep or a distributor, and their cascades."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from backend.kit.db import Base, TimestampMixin, str_enum, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_fk, tenant_key


class GoalMetric(enum.StrEnum):
    """What a goal measures (names as in the domain glossary)."""

    SECONDARY_VALUE = "SECONDARY_VALUE"
    SKU_VOLUME = "SKU_VOLUME"
    BRAND_VOLUME = "BRAND_VOLUME"
    CATEGORY_VOLUME = "CATEGORY_VOLUME"
    PRODUCTIVE_CALLS = "PRODUCTIVE_CALLS"
    CALLS = "CALLS"
    ECO = "ECO"
    NEW_OUTLETS = "NEW_OUTLETS"
    MUST_SELL_DISTRIBUTION = "MUST_SELL_DISTRIBUTION"
    PRIMARY_VALUE = "PRIMARY_VALUE"


class GoalOwner(enum.StrEnum):
    """Whose goal it is."""

    TERRITORY = "TERRITORY"
    REP = "REP"
    DISTRIBUTOR = "DISTRIBUTOR"


# Metrics that name a SKU, brand or category.
SUBJECT_METRICS = frozenset(
    {GoalMetric.SKU_VOLUME, GoalMetric.BRAND_VOLUME, GoalMetric.CATEGORY_VOLUME}
)


class Goal(TenantOwned, TimestampMixin, Base):
    """A target for one metric over a period; a cascaded rep goal points at its territory goal."""

    __tablename__ = "goal"
    __table_args__ = (
        tenant_key(),
        tenant_fk("territory_id", "territory"),
        tenant_fk("rep_id", "rep"),
        tenant_fk("distributor_id", "distributor"),
        tenant_fk("parent_id", "goal"),
        tenant_fk("set_by_id", "app_user"),
        CheckConstraint(
            "(owner = 'TERRITORY') = (territory_id IS NOT NULL)"
            " AND (owner = 'REP') = (rep_id IS NOT NULL)"
            " AND (owner = 'DISTRIBUTOR') = (distributor_id IS NOT NULL)",
            name="owner_matches_column",
        ),
        CheckConstraint("period_end >= period_start", name="period_in_order"),
        CheckConstraint("target > 0", name="target_positive"),
        CheckConstraint("share IS NULL OR (share > 0 AND share <= 1)", name="share_in_range"),
        Index(None, "tenant_id", "period_start", "period_end"),
        UniqueConstraint("tenant_id", "parent_id", "rep_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    owner: Mapped[GoalOwner] = mapped_column(str_enum(GoalOwner, "owner", 12), nullable=False)
    territory_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    rep_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    distributor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    metric: Mapped[GoalMetric] = mapped_column(str_enum(GoalMetric, "metric", 24), nullable=False)
    subject: Mapped[str | None] = mapped_column(String(100), nullable=True)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    target: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    share: Mapped[Decimal | None] = mapped_column(Numeric(7, 6), nullable=True)
    set_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
