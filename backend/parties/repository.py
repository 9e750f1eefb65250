"""Queries for distributors and retailers, always narrowed to what the principal may see."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.identity.models import Role
from backend.kit.geo import point_element
from backend.parties.models import Channel, Distributor, OutletClass, Retailer


def retailer_scope(principal: Principal) -> ColumnElement[bool]:
    """Retailers the principal may see: its territory subtree, or its own outlets as a distributor."""
    if principal.role is Role.ADMIN:
        return true()
    if principal.role is Role.DISTRIBUTOR:
        if principal.distributor_id is None:
            return false()
        return Retailer.distributor_id == principal.distributor_id
    return principal.territory_condition(Retailer.territory_id)


def distributor_scope(principal: Principal) -> ColumnElement[bool]:
    """Distributors the principal may see: itself, or those placed in or serving its subtree."""
    if principal.role is Role.ADMIN:
        return true()
    if principal.role is Role.DISTRIBUTOR:
        if principal.distributor_id is None:
            return false()
        return Distributor.id == principal.distributor_id
    serves_subtree = exists(
        select(Retailer.id).where(
            Retailer.distributor_id == Distributor.id,
            principal.territory_condition(Retailer.territory_id),
        )
    )
    return or_(principal.territory_condition(Distributor.territory_id), serves_subtree)


async def retailers_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[Retailer]:
    """Visible retailers with these ids."""
    stmt = select(Retailer).where(Retailer.id.in_(ids), retailer_scope(principal))
    return (await session.execute(stmt)).scalars().all()


async def distributors_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[Distributor]:
    """Visible distributors with these ids."""
    stmt = select(Distributor).where(Distributor.id.in_(ids), distributor_scope(principal))
    return (await session.execute(stmt)).scalars().all()


@dataclass(frozen=True)
class RetailerFilter:
    """Narrowing of the retailers list."""

    territory_id: uuid.UUID | None = None
    distributor_id: uuid.UUID | None = None
    channel: Channel | None = None
    outlet_class: OutletClass | None = None
    search: str | None = None
    near: tuple[float, float, float] | None = None  # latitude, longitude, radius in metres


def retailers_query(principal: Principal, flt: RetailerFilter) -> Select[Any]:
    """Visible retailers matching the filter."""
    stmt = select(Retailer).where(retailer_scope(principal))
    if flt.territory_id is not None:
        stmt = stmt.where(Retailer.territory_id == flt.territory_id)
    if flt.distributor_id is not None:
        stmt = stmt.where(Retailer.distributor_id == flt.distributor_id)
    if flt.channel is not None:
        stmt = stmt.where(Retailer.channel == flt.channel)
    if flt.outlet_class is not None:
        stmt = stmt.where(Retailer.outlet_class == flt.outlet_class)
    if flt.search:
        pattern = f"%{flt.search}%"
        stmt = stmt.where(or_(Retailer.name.ilike(pattern), Retailer.code.ilike(pattern)))
    if flt.near is not None:
        lat, lon, radius = flt.near
        stmt = stmt.where(func.ST_DWithin(Retailer.location, point_element(lat, lon), radius))
    return stmt


def distributors_query(principal: Principal, search: str | None) -> Select[Any]:
    """Visible distributors, optionally matching a name or code fragment."""
    stmt = select(Distributor).where(distributor_scope(principal))
    if search:
        pattern = f"%{search}%"
        stmt = stmt.where(or_(Distributor.name.ilike(pattern), Distributor.code.ilike(pattern)))
    return stmt


async def lock_retailer(
    session: AsyncSession, principal: Principal, retailer_id: uuid.UUID
) -> Retailer | None:
    """A visible retailer, locked for update."""
    stmt = (
        select(Retailer)
        .where(Retailer.id == retailer_id, retailer_scope(principal))
        .with_for_update()
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def lock_distributor(
    session: AsyncSession, principal: Principal, distributor_id: uuid.UUID
) -> Distributor | None:
    """A visible distributor, locked for update."""
    stmt = (
        select(Distributor)
        .where(Distributor.id == distributor_id, distributor_scope(principal))
        .with_for_update()
    )
    return (await session.execute(stmt)).scalar_one_or_none()
