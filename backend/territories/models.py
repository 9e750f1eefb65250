"""The sales hierarchy: country › region › area › territory, each with a polygon."""

from __future__ import annotations

import enum
import uuid
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from backend.kit.db import Base, TimestampMixin, str_enum, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_fk, tenant_key


class TerritoryLevel(enum.StrEnum):
    """A node's level; each level's parent is the one before it."""

    COUNTRY = "COUNTRY"
    REGION = "REGION"
    AREA = "AREA"
    TERRITORY = "TERRITORY"


LEVEL_ORDER = list(TerritoryLevel)


class Territory(TenantOwned, TimestampMixin, Base):
    """A node of the hierarchy; `path` lists its ancestors' ids so a subtree is a prefix match."""

    __tablename__ = "territory"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "code"),
        tenant_fk("parent_id", "territory"),
        Index(
            "ix_territory_tenant_id_path",
            "tenant_id",
            "path",
            postgresql_ops={"path": "text_pattern_ops"},
        ),
        Index("ix_territory_boundary", "boundary", postgresql_using="gist"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    level: Mapped[TerritoryLevel] = mapped_column(
        str_enum(TerritoryLevel, "level", 20),
        nullable=False,
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    path: Mapped[str] = mapped_column(String(400), nullable=False)
    # Polygons are large: loaded only when asked for (see `boundaries_geojson`).
    boundary: Mapped[Any | None] = mapped_column(
        Geography("MULTIPOLYGON", srid=4326, spatial_index=False),
        nullable=True,
        deferred=True,
        deferred_raiseload=True,
    )
