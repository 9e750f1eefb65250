"""Queries for territories. Territories are the tenant's shared reference data: every principal
of the tenant may read them; only ADMIN changes them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.territories.models import Territory, TerritoryLevel


async def territories_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[Territory]:
    """Territories with these ids (tenant-wide reference data)."""
    return (await session.execute(select(Territory).where(Territory.id.in_(ids)))).scalars().all()


def territories_query(*, parent_id: uuid.UUID | None, level: TerritoryLevel | None) -> Select[Any]:
    """Territories filtered by parent and level."""
    stmt = select(Territory)
    if parent_id is not None:
        stmt = stmt.where(Territory.parent_id == parent_id)
    if level is not None:
        stmt = stmt.where(Territory.level == level)
    return stmt


async def get_territory(session: AsyncSession, territory_id: uuid.UUID) -> Territory | None:
    """One territory by id, locked for update."""
    stmt = select(Territory).where(Territory.id == territory_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def boundaries_geojson(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[Any]:
    """Each territory's boundary as GeoJSON text, rendered by PostGIS (rows of id, geojson)."""
    stmt = select(Territory.id, func.ST_AsGeoJSON(Territory.boundary).label("geojson")).where(
        Territory.id.in_(ids)
    )
    return (await session.execute(stmt)).all()
