"""Queries for schemes: lists, their parts in one query per kind, and the active ones on a day."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    Numeric,
    Select,
    String,
    cast,
    exists,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Uuid

from backend.auth.principal import Principal
from backend.catalog.models import Product
from backend.identity.models import Role
from backend.schemes.models import (
    SchemeBundleItem,
    SchemeFlow,
    SchemeProduct,
    SchemeSlab,
    SchemeStatus,
    SchemeTarget,
    TradeScheme,
)
from backend.territories.models import Territory


class SlabRow(NamedTuple):
    """A slab as the parts hold it."""

    threshold: Decimal
    percent: Decimal


@dataclass
class SchemeParts:
    """A scheme's child rows, resolved to what the engine and the API need."""

    slabs: list[SlabRow] = field(default_factory=list)
    product_ids: list[uuid.UUID] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    bundle: list[tuple[uuid.UUID, str, int]] = field(default_factory=list)  # id, SKU, units
    free_sku: str | None = None
    territory_ids: list[uuid.UUID] = field(default_factory=list)
    territory_paths: list[str] = field(default_factory=list)
    distributor_ids: list[uuid.UUID] = field(default_factory=list)
    retailer_ids: list[uuid.UUID] = field(default_factory=list)


def scheme_scope(principal: Principal) -> ColumnElement[bool]:
    """Schemes the principal may see: all of the tenant's for HQ, managers and reps; for a
    distributor, those not limited to other distributors."""
    if principal.role is not Role.DISTRIBUTOR:
        return true()
    targeted = SchemeTarget.scheme_id == TradeScheme.id
    return or_(
        ~exists(select(SchemeTarget.id).where(targeted, SchemeTarget.distributor_id.is_not(None))),
        exists(
            select(SchemeTarget.id).where(
                targeted, SchemeTarget.distributor_id == principal.distributor_id
            )
        ),
    )


def schemes_query(
    principal: Principal, *, flow: SchemeFlow | None, status: SchemeStatus | None
) -> Select[Any]:
    """Visible schemes, optionally of a flow or state."""
    stmt = select(TradeScheme).where(scheme_scope(principal))
    if flow is not None:
        stmt = stmt.where(TradeScheme.flow == flow)
    if status is not None:
        stmt = stmt.where(TradeScheme.status == status)
    return stmt


async def schemes_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[TradeScheme]:
    """Schemes with these ids (any the tenant holds: for services, not for principals)."""
    stmt = select(TradeScheme).where(TradeScheme.id.in_(ids))
    return (await session.execute(stmt)).scalars().all()


async def visible_schemes_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[TradeScheme]:
    """Schemes with these ids that the principal may see."""
    stmt = select(TradeScheme).where(TradeScheme.id.in_(ids), scheme_scope(principal))
    return (await session.execute(stmt)).scalars().all()


async def lock_scheme(session: AsyncSession, scheme_id: uuid.UUID) -> TradeScheme | None:
    """A scheme, locked for update."""
    stmt = select(TradeScheme).where(TradeScheme.id == scheme_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def schemes_by_codes(session: AsyncSession, codes: Sequence[str]) -> dict[str, TradeScheme]:
    """Schemes with these codes, by code."""
    stmt = select(TradeScheme).where(TradeScheme.code.in_(codes))
    return {s.code: s for s in (await session.execute(stmt)).scalars()}


def active_on(flow: SchemeFlow, on: date) -> Select[Any]:
    """ACTIVE schemes of a flow whose validity covers `on` and whose budget is not used up."""
    return select(TradeScheme).where(
        TradeScheme.flow == flow,
        TradeScheme.status == SchemeStatus.ACTIVE,
        TradeScheme.valid_from <= on,
        TradeScheme.valid_to >= on,
        TradeScheme.budget.is_(None) | (TradeScheme.consumed < TradeScheme.budget),
    )


def open_to_retailer(retailer_id: uuid.UUID) -> Any:
    """Condition: the scheme has no explicit retailer list, or the list names this retailer."""
    listed = SchemeTarget.scheme_id == TradeScheme.id
    return or_(
        ~exists(select(SchemeTarget.id).where(listed, SchemeTarget.retailer_id.is_not(None))),
        exists(select(SchemeTarget.id).where(listed, SchemeTarget.retailer_id == retailer_id)),
    )


async def load_parts(
    session: AsyncSession,
    schemes: Sequence[TradeScheme],
    *,
    only_retailer: uuid.UUID | None = None,
) -> dict[uuid.UUID, SchemeParts]:
    """Every scheme's parts in one query; `only_retailer` loads just that retailer's targets.

    With `only_retailer`, the caller must already have dropped schemes whose explicit list
    leaves the retailer out (`open_to_retailer`): the parts then show either no list or a list
    holding only that retailer, which is all the engine needs to decide.
    """
    ids = [s.id for s in schemes]
    parts = {i: SchemeParts() for i in ids}
    if not ids:
        return parts
    rows = list((await session.execute(_parts_query(ids, only_retailer))).all())
    rows.sort(key=lambda r: (r.part, r.position or 0, r.label or "", str(r.ref)))
    for r in rows:
        part = parts[r.scheme_id]
        if r.part == "slab":
            part.slabs.append(SlabRow(r.threshold, r.percent))
        elif r.part == "product":
            part.product_ids.append(r.ref)
            part.skus.append(r.label)
        elif r.part == "bundle":
            part.bundle.append((r.ref, r.label, r.units))
        elif r.part == "free":
            part.free_sku = r.label
        elif r.part == "territory":
            part.territory_ids.append(r.party)
            part.territory_paths.append(r.label)
        elif r.part == "distributor":
            part.distributor_ids.append(r.party)
        else:
            part.retailer_ids.append(r.party)
    return parts


def _parts_query(ids: list[uuid.UUID], only_retailer: uuid.UUID | None) -> Any:
    """Slabs, scoped SKUs, bundle, free SKU and targets as one UNION ALL of uniform rows."""

    def row(part: str, scheme_id: Any, **values: Any) -> list[Any]:
        typed: dict[str, Any] = {
            "position": Integer(),
            "ref": Uuid(),
            "label": String(),
            "units": Integer(),
            "threshold": Numeric(18, 2),
            "percent": Numeric(7, 4),
            "party": Uuid(),
        }
        return [
            literal(part, String()).label("part"),
            scheme_id.label("scheme_id"),
            *(
                (values[name] if name in values else cast(null(), kind)).label(name)
                for name, kind in typed.items()
            ),
        ]

    retailers: ColumnElement[bool] = SchemeTarget.retailer_id.is_not(None)
    if only_retailer is not None:
        retailers = SchemeTarget.retailer_id == only_retailer
    return union_all(
        select(
            *row(
                "slab",
                SchemeSlab.scheme_id,
                position=SchemeSlab.position,
                threshold=SchemeSlab.threshold,
                percent=SchemeSlab.percent,
            )
        ).where(SchemeSlab.scheme_id.in_(ids)),
        select(*row("product", SchemeProduct.scheme_id, ref=Product.id, label=Product.sku))
        .join(Product, Product.id == SchemeProduct.product_id)
        .where(SchemeProduct.scheme_id.in_(ids)),
        select(
            *row(
                "bundle",
                SchemeBundleItem.scheme_id,
                ref=Product.id,
                label=Product.sku,
                units=SchemeBundleItem.units,
            )
        )
        .join(Product, Product.id == SchemeBundleItem.product_id)
        .where(SchemeBundleItem.scheme_id.in_(ids)),
        select(*row("free", TradeScheme.id, ref=Product.id, label=Product.sku))
        .join(Product, Product.id == TradeScheme.free_product_id)
        .where(TradeScheme.id.in_(ids)),
        select(
            *row(
                "territory",
                SchemeTarget.scheme_id,
                ref=SchemeTarget.id,
                label=Territory.path,
                party=SchemeTarget.territory_id,
            )
        )
        .join(Territory, Territory.id == SchemeTarget.territory_id)
        .where(SchemeTarget.scheme_id.in_(ids)),
        select(
            *row(
                "distributor",
                SchemeTarget.scheme_id,
                ref=SchemeTarget.id,
                party=SchemeTarget.distributor_id,
            )
        ).where(SchemeTarget.scheme_id.in_(ids), SchemeTarget.distributor_id.is_not(None)),
        select(
            *row(
                "retailer",
                SchemeTarget.scheme_id,
                ref=SchemeTarget.id,
                party=SchemeTarget.retailer_id,
            )
        ).where(SchemeTarget.scheme_id.in_(ids), retailers),
    )
