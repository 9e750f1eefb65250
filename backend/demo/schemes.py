"""Demo schemes: a few active schemes of several kinds on the demo catalogue, created once.

They are defined through the scheme service (so they pass the same checks as the API) and
activated; a second run finds their codes and leaves them alone. Validity covers the demo's
"today" (2026-11-25).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.catalog.models import Product
from backend.identity.models import Role, User
from backend.schemes.models import SchemeFlow, TradeScheme
from backend.schemes.rules import Combination, SchemeKind
from backend.schemes.service import activate_scheme, create_scheme
from backend.schemes.validation import BundleDraft, SchemeDraft, SlabDraft

DEMO_TODAY = date(2026, 11, 25)
FROM, TO = date(2026, 11, 1), date(2026, 12, 31)
D = Decimal


async def seed_demo_schemes(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    """Create and activate the demo schemes that do not exist yet; return how many were made."""
    admin = (
        (await session.execute(select(User).where(User.role == Role.ADMIN).order_by(User.username)))
        .scalars()
        .first()
    )
    products = list((await session.execute(select(Product).order_by(Product.sku))).scalars())
    if admin is None or len(products) < 2:
        return 0
    principal = Principal(tenant_id, admin.id, admin.username, Role.ADMIN)
    existing = set((await session.execute(select(TradeScheme.code))).scalars())
    made = 0
    for draft in _drafts(products):
        if draft.code in existing:
            continue
        row = await create_scheme(session, principal=principal, draft=draft, idempotency_key=None)
        await activate_scheme(session, principal=principal, scheme_id=row.id, today=DEMO_TODAY)
        made += 1
    return made


def _drafts(products: list[Product]) -> list[SchemeDraft]:
    flagship = next((p for p in products if p.must_sell), products[0])
    other = next((p for p in products if p.category != flagship.category), products[1])
    brand, category = flagship.brand, flagship.category

    def secondary(code: str, name: str, kind: SchemeKind, **kw: Any) -> SchemeDraft:
        base = SchemeDraft(code, name, SchemeFlow.SECONDARY, kind, valid_from=FROM, valid_to=TO)
        return replace(base, **kw)

    return [
        secondary(
            "DEMO-BRAND-5",
            f"{brand}: 5% off",
            SchemeKind.PERCENT_DISCOUNT,
            percent=D(5),
            brands=(brand,),
            budget=D("250000000.00"),
        ),
        secondary(
            "DEMO-QTY-SLAB",
            f"{category}: 2/4/6% by cartons",
            SchemeKind.QUANTITY_SLABS,
            categories=(category,),
            slabs=(SlabDraft(D(24), D(2)), SlabDraft(D(48), D(4)), SlabDraft(D(96), D(6))),
            combination=Combination.BEST_OF,
        ),
        secondary(
            "DEMO-GT-VALUE",
            "General trade A/B: 1.5% from Rp 500,000, 3% from Rp 1,000,000",
            SchemeKind.VALUE_SLABS,
            channels=("GT",),
            outlet_classes=("A", "B"),
            slabs=(SlabDraft(D("500000.00"), D("1.5")), SlabDraft(D("1000000.00"), D(3))),
            combination=Combination.BEST_OF,
            priority=90,
        ),
        secondary(
            "DEMO-12-PLUS-1",
            f"Buy 12 {flagship.name}, get 1 free",
            SchemeKind.BUY_X_GET_Y,
            product_ids=(flagship.id,),
            buy_quantity=12,
            free_quantity=1,
            budget=D("50000000.00"),
        ),
        secondary(
            "DEMO-COMBO",
            f"6 {flagship.name} + 6 {other.name}: Rp 5,000 off",
            SchemeKind.COMBO,
            amount=D("5000.00"),
            bundle=(BundleDraft(flagship.id, 6), BundleDraft(other.id, 6)),
        ),
        secondary(
            "DEMO-MT-FLAT",
            f"Modern trade: Rp 500 off each {other.name}",
            SchemeKind.FLAT_DISCOUNT,
            amount=D("500.00"),
            product_ids=(other.id,),
            channels=("MT",),
        ),
        SchemeDraft(
            code="DEMO-Q4-QPS",
            name="Q4 quantity purchase scheme",
            flow=SchemeFlow.SECONDARY,
            kind=SchemeKind.QPS,
            valid_from=date(2026, 10, 1),
            valid_to=TO,
            slabs=(SlabDraft(D(500), D(1)), SlabDraft(D(1000), D(2))),
        ),
        SchemeDraft(
            code="DEMO-PRIMARY-VOLUME",
            name="Distributor volume slabs",
            flow=SchemeFlow.PRIMARY,
            kind=SchemeKind.VALUE_SLABS,
            valid_from=FROM,
            valid_to=TO,
            slabs=(SlabDraft(D("50000000.00"), D(1)), SlabDraft(D("100000000.00"), D(2))),
        ),
    ]
