"""Rules for the territory hierarchy."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.identity.models import Role
from backend.kit.constraints import register_unique
from backend.kit.db import new_id
from backend.kit.errors import NotFound, ValidationFailed
from backend.kit.geo import multipolygon_from_geojson
from backend.kit.idempotency import run_once
from backend.kit.validation import Checks
from backend.territories.models import LEVEL_ORDER, Territory, TerritoryLevel
from backend.territories.repository import get_territory

register_unique(
    "uq_territory_tenant_id_code", "input.code", "a territory with this code already exists"
)


@dataclass(frozen=True)
class TerritoryDraft:
    """A territory to create."""

    code: str
    name: str
    level: TerritoryLevel
    parent_id: uuid.UUID | None
    boundary: dict[str, Any] | None


async def create_territory(
    session: AsyncSession,
    *,
    principal: Principal,
    draft: TerritoryDraft,
    idempotency_key: str | None,
) -> Territory:
    """Create a node under its parent (a COUNTRY has none); its level follows the parent's."""
    principal.require(Role.ADMIN)

    async def create() -> uuid.UUID:
        checks = Checks()
        checks.code("input.code", draft.code)
        checks.text("input.name", draft.name, max_length=200)
        parent = await _parent_for(session, draft, checks)
        boundary = _boundary(draft.boundary, checks)
        checks.raise_if_any()
        territory_id = new_id()
        parent_path = parent.path if parent else "/"
        session.add(
            Territory(
                id=territory_id,
                tenant_id=principal.tenant_id,
                code=draft.code,
                name=draft.name.strip(),
                level=draft.level,
                parent_id=parent.id if parent else None,
                path=f"{parent_path}{territory_id}/",
                boundary=boundary,
            )
        )
        await session.flush()
        return territory_id

    territory_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="createTerritory",
        payload=asdict(draft),
        create=create,
    )
    return await _must_get(session, territory_id)


async def update_territory(
    session: AsyncSession,
    *,
    principal: Principal,
    territory_id: uuid.UUID,
    name: str | None,
    boundary: dict[str, Any] | None,
) -> Territory:
    """Rename a node or replace its boundary (moving a node is not supported)."""
    principal.require(Role.ADMIN)
    territory = await _must_get(session, territory_id)
    checks = Checks()
    if name is not None:
        checks.text("input.name", name, max_length=200)
    new_boundary = _boundary(boundary, checks) if boundary is not None else None
    checks.raise_if_any()
    if name is not None:
        territory.name = name.strip()
    if new_boundary is not None:
        territory.boundary = new_boundary
    await session.flush()
    return territory


async def _parent_for(
    session: AsyncSession, draft: TerritoryDraft, checks: Checks
) -> Territory | None:
    expected_index = LEVEL_ORDER.index(draft.level) - 1
    if draft.parent_id is None:
        if expected_index >= 0:
            checks.fail("input.parentId", f"a {draft.level.value} needs a parent")
        return None
    parent = await get_territory(session, draft.parent_id)
    if parent is None:
        checks.add(NotFound("no such territory", field="input.parentId"))
        return None
    if expected_index < 0 or parent.level is not LEVEL_ORDER[expected_index]:
        checks.fail(
            "input.parentId", f"a {draft.level.value} cannot sit under a {parent.level.value}"
        )
    return parent


def _boundary(value: dict[str, Any] | None, checks: Checks) -> Any:
    if value is None:
        return None
    try:
        return multipolygon_from_geojson(value, field="input.boundary")
    except ValidationFailed as exc:
        checks.add(exc)
        return None


async def _must_get(session: AsyncSession, territory_id: uuid.UUID) -> Territory:
    territory = await get_territory(session, territory_id)
    if territory is None:
        raise NotFound("no such territory", field="input.id")
    return territory
