"""Builders for the territory hierarchy."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from itertools import count

from geoalchemy2.elements import WKTElement
from sqlalchemy.ext.asyncio import AsyncSession

from backend.identity.models import Tenant
from backend.kit.db import new_id
from backend.territories.models import Territory, TerritoryLevel

_seq = count(1)
SQUARE = "MULTIPOLYGON(((106.80 -6.25, 106.90 -6.25, 106.90 -6.15, 106.80 -6.15, 106.80 -6.25)))"


async def make_territory(
    session: AsyncSession,
    tenant: Tenant,
    *,
    level: TerritoryLevel = TerritoryLevel.TERRITORY,
    parent: Territory | None = None,
    code: str | None = None,
    boundary_wkt: str | None = SQUARE,
) -> Territory:
    """Add a node under `parent` (None: a root)."""
    node_id = new_id()
    territory = Territory(
        id=node_id,
        tenant_id=tenant.id,
        code=code or f"TR-{next(_seq)}",
        name="Test territory",
        level=level,
        parent_id=parent.id if parent else None,
        path=f"{parent.path if parent else '/'}{node_id}/",
        boundary=WKTElement(boundary_wkt, srid=4326) if boundary_wkt else None,
    )
    session.add(territory)
    await session.flush()
    return territory


@dataclass(frozen=True)
class Hierarchy:
    """COUNTRY › REGION › two AREAs › two TERRITORYs each."""

    country: Territory
    region: Territory
    areas: tuple[Territory, Territory]
    territories: tuple[Territory, Territory, Territory, Territory]

    def ids(self) -> list[uuid.UUID]:
        """All node ids."""
        return [
            self.country.id,
            self.region.id,
            *(a.id for a in self.areas),
            *(t.id for t in self.territories),
        ]


async def make_hierarchy(session: AsyncSession, tenant: Tenant) -> Hierarchy:
    """A small complete hierarchy."""
    country = await make_territory(session, tenant, level=TerritoryLevel.COUNTRY)
    region = await make_territory(session, tenant, level=TerritoryLevel.REGION, parent=country)
    area_a = await make_territory(session, tenant, level=TerritoryLevel.AREA, parent=region)
    area_b = await make_territory(session, tenant, level=TerritoryLevel.AREA, parent=region)
    leaves = [
        await make_territory(session, tenant, level=TerritoryLevel.TERRITORY, parent=area)
        for area in (area_a, area_a, area_b, area_b)
    ]
    return Hierarchy(
        country, region, (area_a, area_b), (leaves[0], leaves[1], leaves[2], leaves[3])
    )
