"""Tenants (brand companies) and the people who sign in to them."""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import Boolean, CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from backend.kit.db import Base, TimestampMixin, str_enum, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_fk, tenant_key


class Role(enum.StrEnum):
    """What a principal may do: brand HQ, a territory manager, a field rep, a distributor."""

    ADMIN = "ADMIN"
    MANAGER = "MANAGER"
    REP = "REP"
    DISTRIBUTOR = "DISTRIBUTOR"


class Tenant(TimestampMixin, Base):
    """A brand company; every other row belongs to exactly one."""

    __tablename__ = "tenant"

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    tax_regime: Mapped[str] = mapped_column(String(20), nullable=False)


class User(TenantOwned, TimestampMixin, Base):
    """A person who signs in: their role and the territory or distributor they act for."""

    __tablename__ = "app_user"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "username"),
        tenant_fk("territory_id", "territory"),
        tenant_fk("distributor_id", "distributor"),
        CheckConstraint(
            "(role NOT IN ('MANAGER', 'REP') OR territory_id IS NOT NULL)"
            " AND (role <> 'DISTRIBUTOR' OR distributor_id IS NOT NULL)",
            name="scope_matches_role",
        ),
        Index(None, "tenant_id", "territory_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    username: Mapped[str] = mapped_column(String(80), nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role", 20), nullable=False)
    territory_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    distributor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
