"""Load the generated demo world into the database, once: a second run finds it and does nothing."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from geoalchemy2.elements import WKTElement
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.demo.activity import plan_activity, visits_by_rep
from backend.demo.day_plans import seed_day_plans
from backend.demo.field_history import seed_field_history
from backend.demo.primary_history import seed_primary_history
from backend.demo.schemes import seed_demo_schemes
from backend.demo.secondary_history import seed_secondary_history
from backend.demo.sellout_history import seed_sellout_history
from backend.demo.stock_counts import derive_demo_offtake, seed_stock_counts
from backend.demo.world import DemoWorld, build_world
from backend.identity.models import Role, User
from backend.identity.repository import tenant_id_for_code
from backend.identity.service import TenantDraft, provision_tenant
from backend.kit.db import insert_batches, new_id, set_tenant
from backend.kit.geo import point_element
from backend.parties.hours import to_json
from backend.parties.models import Distributor, Retailer
from backend.territories.models import Territory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeedResult:
    """What the seed did."""

    tenant_id: uuid.UUID
    created: bool
    plans_built: int
    counts: dict[str, int]


async def seed_demo(
    session: AsyncSession, *, seed: int = 7, build_plans: bool = True
) -> SeedResult:
    """Create the demo tenant and its data unless it exists; plan today for reps without a plan."""
    world = build_world(seed)
    existing = await tenant_id_for_code(session, world.tenant.code)
    if existing is not None:
        await set_tenant(session, existing)
        await seed_demo_schemes(session, existing)
        await seed_sellout_history(session, existing, world, seed=seed)
        if await seed_stock_counts(session, seed=seed):
            await derive_demo_offtake(session, existing)
        plans = await seed_day_plans(session) if build_plans else 0
        return SeedResult(
            tenant_id=existing, created=False, plans_built=plans, counts=await _counts(session)
        )
    t = world.tenant
    tenant = await provision_tenant(
        session,
        TenantDraft(
            code=t.code,
            name=t.name,
            country=t.country,
            currency=t.currency,
            timezone=t.timezone,
            tax_regime=t.tax_regime,
        ),
    )
    territory_ids = await _territories(session, tenant.id, world)
    distributor_ids = await _distributors(session, tenant.id, world, territory_ids)
    await _retailers(session, tenant.id, world, territory_ids, distributor_ids)
    await _products(session, tenant.id, world)
    await _users(session, tenant.id, world, territory_ids, distributor_ids)
    # visits and secondary bills are planned together: a productive visit's order is billed
    activity = plan_activity(world, seed=seed)
    await seed_field_history(session, world, visits_by_rep(activity))
    await session.flush()
    await seed_primary_history(session, tenant.id, world, seed=seed)
    await seed_secondary_history(session, tenant.id, world, activity.bills, seed=seed)
    await seed_demo_schemes(session, tenant.id)
    await seed_sellout_history(session, tenant.id, world, seed=seed)
    await seed_stock_counts(session, seed=seed)
    await derive_demo_offtake(session, tenant.id)
    plans = await seed_day_plans(session) if build_plans else 0
    return SeedResult(
        tenant_id=tenant.id, created=True, plans_built=plans, counts=await _counts(session)
    )


async def _territories(
    session: AsyncSession, tenant_id: uuid.UUID, world: DemoWorld
) -> dict[str, uuid.UUID]:
    ids: dict[str, uuid.UUID] = {}
    paths: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    for node in world.territories:
        node_id = new_id()
        parent_path = paths[node.parent_code] if node.parent_code else "/"
        ids[node.code] = node_id
        paths[node.code] = f"{parent_path}{node_id}/"
        rows.append(
            {
                "id": node_id,
                "tenant_id": tenant_id,
                "code": node.code,
                "name": node.name,
                "level": node.level,
                "parent_id": ids[node.parent_code] if node.parent_code else None,
                "path": paths[node.code],
                "boundary": _multipolygon(node.boundary_wkt),
            }
        )
    await session.execute(insert(Territory), rows)
    return ids


def _multipolygon(wkt: str) -> WKTElement:
    from shapely import wkt as shapely_wkt
    from shapely.geometry import MultiPolygon, Polygon

    geom = shapely_wkt.loads(wkt)
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    return WKTElement(geom.wkt, srid=4326)


async def _distributors(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    world: DemoWorld,
    territory_ids: dict[str, uuid.UUID],
) -> dict[str, uuid.UUID]:
    ids = {d.code: new_id() for d in world.distributors}
    rows = [
        {
            "id": ids[d.code],
            "tenant_id": tenant_id,
            "code": d.code,
            "name": d.name,
            "tier": d.tier,
            "territory_id": territory_ids[d.territory_code],
            "address": d.address,
            "location": point_element(d.lat, d.lon),
            "credit_limit": d.credit_limit,
            "currency": world.tenant.currency,
            "credit_days": d.credit_days,
            "tax_id": d.tax_id,
            "phone": d.phone,
            "is_active": True,
        }
        for d in world.distributors
    ]
    await session.execute(insert(Distributor), rows)
    return ids


async def _retailers(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    world: DemoWorld,
    territory_ids: dict[str, uuid.UUID],
    distributor_ids: dict[str, uuid.UUID],
) -> None:
    rows = [
        {
            "id": new_id(),
            "tenant_id": tenant_id,
            "code": r.code,
            "name": r.name,
            "owner_name": r.owner_name,
            "address": r.address,
            "phone": r.phone,
            "channel": r.channel,
            "outlet_class": r.outlet_class,
            "location": point_element(r.lat, r.lon),
            "opening_hours": to_json(
                {day: list(windows) for day, windows in r.opening_hours.items()}
            ),
            "distributor_id": distributor_ids[r.distributor_code],
            "territory_id": territory_ids[r.territory_code],
            "tax_id": r.tax_id,
            "is_active": True,
        }
        for r in world.retailers
    ]
    await insert_batches(session, Retailer, rows)


async def _products(session: AsyncSession, tenant_id: uuid.UUID, world: DemoWorld) -> None:
    rows = [
        {
            "id": new_id(),
            "tenant_id": tenant_id,
            "sku": p.sku,
            "name": p.name,
            "brand": p.brand,
            "category": p.category,
            "unit": p.unit,
            "case_size": p.case_size,
            "tax_class": p.tax_class,
            "must_sell": p.must_sell,
            "is_active": True,
        }
        for p in world.products
    ]
    await session.execute(insert(Product), rows)


async def _users(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    world: DemoWorld,
    territory_ids: dict[str, uuid.UUID],
    distributor_ids: dict[str, uuid.UUID],
) -> None:
    rows: list[dict[str, Any]] = [
        _user(tenant_id, world.admin.username, world.admin.name, Role.ADMIN)
    ]
    rows += [
        _user(
            tenant_id,
            m.username,
            m.name,
            Role.MANAGER,
            territory_id=territory_ids[m.territory_code],
        )
        for m in world.managers
    ]
    rows += [
        _user(tenant_id, r.username, r.name, Role.REP, territory_id=territory_ids[r.territory_code])
        for r in world.reps
    ]
    rows += [
        _user(
            tenant_id, d.username, d.name, Role.DISTRIBUTOR, distributor_id=distributor_ids[d.code]
        )
        for d in world.distributors
    ]
    await session.execute(insert(User), rows)


def _user(
    tenant_id: uuid.UUID,
    username: str,
    name: str,
    role: Role,
    *,
    territory_id: uuid.UUID | None = None,
    distributor_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "tenant_id": tenant_id,
        "username": username,
        "display_name": name,
        "role": role,
        "territory_id": territory_id,
        "distributor_id": distributor_id,
        "is_active": True,
    }


async def _counts(session: AsyncSession) -> dict[str, int]:
    from sqlalchemy import func

    counts = {}
    for name, model in (
        ("territories", Territory),
        ("distributors", Distributor),
        ("retailers", Retailer),
        ("products", Product),
        ("users", User),
    ):
        counts[name] = int(
            (await session.execute(select(func.count()).select_from(model))).scalar_one()
        )
    return counts


async def demo_users(session: AsyncSession) -> dict[Role, User]:
    """One user of each role from the seeded demo tenant (the first by username)."""
    found: dict[Role, User] = {}
    rows = (await session.execute(select(User).order_by(User.username))).scalars()
    for user in rows:
        found.setdefault(user.role, user)
    return found
