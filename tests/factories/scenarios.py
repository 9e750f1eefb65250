"""Whole small worlds for cross-cutting tests: a tenant with every kind of row and principal."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.identity.models import Role, Tenant, User
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from backend.parties.models import Distributor, Retailer
from tests.factories.catalog import make_product
from tests.factories.identity import make_tenant, make_user, token_for
from tests.factories.parties import make_distributor, make_retailer
from tests.factories.territories import Hierarchy, make_hierarchy


@dataclass(frozen=True)
class TenantWorld:
    """A tenant with a hierarchy, two distributors, four retailers, a product and one user per role.

    The manager runs area 0 (territories 0 and 1); the rep works territory 0; distributor 0
    serves the retailers of area 0, distributor 1 those of area 1.
    """

    tenant: Tenant
    hierarchy: Hierarchy
    distributors: tuple[Distributor, Distributor]
    retailers: tuple[Retailer, Retailer, Retailer, Retailer]
    product: Product
    users: dict[Role, User]
    tokens: dict[Role, str]

    def global_ids(self) -> dict[str, str]:
        """A global id of every kind of object in this world."""
        return {
            "Retailer": encode_global_id("Retailer", self.retailers[0].id),
            "Distributor": encode_global_id("Distributor", self.distributors[0].id),
            "Territory": encode_global_id("Territory", self.hierarchy.territories[0].id),
            "Product": encode_global_id("Product", self.product.id),
            "User": encode_global_id("User", self.users[Role.ADMIN].id),
        }


async def make_tenant_world(session: AsyncSession, settings: Settings) -> TenantWorld:
    """Build one complete tenant (the session ends scoped to it)."""
    tenant = await make_tenant(session)
    hierarchy = await make_hierarchy(session, tenant)
    d0 = await make_distributor(session, tenant, hierarchy.areas[0])
    d1 = await make_distributor(session, tenant, hierarchy.areas[1])
    retailers = [
        await make_retailer(session, tenant, territory, d0 if n < 2 else d1)
        for n, territory in enumerate(hierarchy.territories)
    ]
    product = await make_product(session, tenant)
    users = {
        Role.ADMIN: await make_user(session, tenant, role=Role.ADMIN),
        Role.MANAGER: await make_user(
            session, tenant, role=Role.MANAGER, territory_id=hierarchy.areas[0].id
        ),
        Role.REP: await make_user(
            session, tenant, role=Role.REP, territory_id=hierarchy.territories[0].id
        ),
        Role.DISTRIBUTOR: await make_user(
            session, tenant, role=Role.DISTRIBUTOR, distributor_id=d0.id
        ),
    }
    return TenantWorld(
        tenant=tenant,
        hierarchy=hierarchy,
        distributors=(d0, d1),
        retailers=(retailers[0], retailers[1], retailers[2], retailers[3]),
        product=product,
        users=users,
        tokens={role: token_for(user, settings) for role, user in users.items()},
    )
