"""Builders for secondary sales: a distributor with retailers, priced SKUs in dated batches."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.catalog.models import Product
from backend.field.models import Rep
from backend.field.visit_models import GeofenceResult, Visit
from backend.identity.models import Role, Tenant
from backend.inventory.models import MovementKind
from backend.inventory.service import StockKey, move_stock
from backend.kit.db import new_id
from backend.kit.geo import point_element
from backend.orders.models import CreditAction
from backend.parties.models import Distributor, Retailer
from backend.secondary.models import (
    OrderSource,
    RetailerCredit,
    SecondaryDocument,
    SecondaryDocumentKind,
    SecondaryLine,
    SecondaryOrder,
    SecondaryOrderStatus,
    SecondarySettings,
    ShortfallPolicy,
)
from backend.secondary.ordering import (
    SecondaryLineDraft,
    SecondaryOrderDraft,
    place_secondary_order,
)
from backend.territories.models import Territory
from tests.factories.field import make_rep
from tests.factories.identity import make_user, principal_of
from tests.factories.orders import make_primary_world
from tests.factories.parties import make_retailer
from tests.factories.territories import make_territory

SALE_DAY = date(2026, 11, 2)


@dataclass
class SecondaryWorld:
    """A tenant (ID PPN) with an admin, a distributor (and its user), two retailers and SKUs."""

    tenant: Tenant
    admin: Principal
    desk: Principal
    distributor: Distributor
    retailers: list[Retailer]
    products: list[Product]


async def make_secondary_world(
    session: AsyncSession,
    *,
    prices: tuple[Decimal, ...] = (Decimal("1000.00"), Decimal("2000.00")),
    shortfall: ShortfallPolicy = ShortfallPolicy.REFUSE,
    credit_action: CreditAction = CreditAction.HOLD,
    return_window_days: int = 30,
    number_format: str = "{series}{fy}{n:05d}",
) -> SecondaryWorld:
    """Retailer prices are the distributor prices + 10% (1100.00 and 2200.00 by default)."""
    primary = await make_primary_world(session, prices=prices)
    territory = await make_territory(session, primary.tenant)
    retailers = [
        await make_retailer(session, primary.tenant, territory, primary.distributor)
        for _ in range(2)
    ]
    session.add(
        SecondarySettings(
            tenant_id=primary.tenant.id,
            credit_action=credit_action,
            shortfall=shortfall,
            return_window_days=return_window_days,
            number_format=number_format,
        )
    )
    user = await make_user(
        session, primary.tenant, role=Role.DISTRIBUTOR, distributor_id=primary.distributor.id
    )
    await session.flush()
    return SecondaryWorld(
        primary.tenant,
        primary.admin,
        principal_of(user),
        primary.distributor,
        retailers,
        primary.products,
    )


async def receive(
    session: AsyncSession,
    world: SecondaryWorld,
    product: Product,
    batch: str,
    quantity: int,
    expires_on: date | None,
) -> None:
    """Put units of a batch into the distributor's stock."""
    await move_stock(
        session,
        tenant_id=world.tenant.id,
        key=StockKey(world.distributor.id, product.id, batch),
        kind=MovementKind.RECEIPT,
        quantity=quantity,
        reason="delivery",
        expires_on=expires_on,
    )


async def give_credit(
    session: AsyncSession, world: SecondaryWorld, retailer: Retailer, limit: str, days: int = 14
) -> None:
    """Put a retailer under credit control."""
    session.add(
        RetailerCredit(
            tenant_id=world.tenant.id,
            retailer_id=retailer.id,
            credit_limit=Decimal(limit),
            credit_days=days,
        )
    )
    await session.flush()


async def desk_order(
    session: AsyncSession,
    world: SecondaryWorld,
    quantities: list[int],
    *,
    retailer: int = 0,
    day: date = SALE_DAY,
) -> SecondaryOrder:
    """A desk order of `quantities[i]` units of product i (0 = skip)."""
    draft = SecondaryOrderDraft(
        world.retailers[retailer].id,
        [SecondaryLineDraft(p.id, q) for p, q in zip(world.products, quantities, strict=True) if q],
        day,
    )
    return await place_secondary_order(
        session, principal=world.desk, draft=draft, idempotency_key=None
    )


async def make_field_rep(session: AsyncSession, world: SecondaryWorld) -> tuple[Rep, Principal]:
    """A rep (and its principal) working the territory of the world's retailers."""
    territory = await session.get_one(Territory, world.retailers[0].territory_id)
    user = await make_user(session, world.tenant, role=Role.REP, territory_id=territory.id)
    rep = await make_rep(session, world.tenant, user)
    return rep, principal_of(user, territory_path=territory.path)


async def make_visit(session: AsyncSession, rep: Rep, retailer: Retailer, at: datetime) -> Visit:
    """A checked-in visit of `rep` at `retailer`."""
    visit = Visit(
        id=new_id(),
        tenant_id=rep.tenant_id,
        rep_id=rep.id,
        retailer_id=retailer.id,
        visit_date=at.date(),
        checked_in_at=at,
        check_in_location=point_element(-6.2, 106.85),
        check_in_accuracy_m=5.0,
        distance_m=3.0,
        geofence=GeofenceResult.INSIDE,
        outside_opening_hours=False,
        photo_refs=[],
    )
    session.add(visit)
    await session.flush()
    return visit


async def add_invoice(
    session: AsyncSession,
    retailer: Retailer,
    on: date,
    lines: list[tuple[Product, int, Decimal]],
    *,
    captured_order_id: uuid.UUID | None = None,
    free: list[tuple[Product, int]] | None = None,
    due_days: int = 14,
    open_amount: Decimal | None = None,
    kind: SecondaryDocumentKind = SecondaryDocumentKind.INVOICE,
    corrects: SecondaryDocument | None = None,
) -> SecondaryDocument:
    """A posted-looking secondary document of `(product, units, unit price)` lines, written as
    rows (no stock, tax or ledger): for readers of purchase history. With `captured_order_id`
    the invoice bills a VISIT secondary order made from that captured order. Tax is 11%."""
    tenant_id = retailer.tenant_id
    order_id = None
    if captured_order_id is not None:
        order_id = new_id()
        session.add(
            SecondaryOrder(
                id=order_id,
                tenant_id=tenant_id,
                distributor_id=retailer.distributor_id,
                retailer_id=retailer.id,
                source=OrderSource.VISIT,
                captured_order_id=captured_order_id,
                status=SecondaryOrderStatus.BILLED,
                order_date=on,
                currency="IDR",
                total=sum((q * p for _, q, p in lines), Decimal(0)),
            )
        )
        await session.flush()
    sequence = 1 + int(
        await session.scalar(
            select(func.count()).where(SecondaryDocument.distributor_id == retailer.distributor_id)
        )
        or 0
    )
    rows = [
        (product, quantity, price, price * quantity, False) for product, quantity, price in lines
    ]
    rows += [(product, quantity, Decimal(0), Decimal(0), True) for product, quantity in free or []]
    net = sum((row[3] for row in rows), Decimal(0))
    tax = (net * Decimal("0.11")).quantize(Decimal("0.01"))
    doc = SecondaryDocument(
        id=new_id(),
        tenant_id=tenant_id,
        kind=kind,
        number=f"T{sequence:06d}",
        series="T",
        fiscal_year=on.year,
        sequence=sequence,
        distributor_id=retailer.distributor_id,
        retailer_id=retailer.id,
        order_id=order_id,
        corrects_id=None if corrects is None else corrects.id,
        currency="IDR",
        issued_on=on,
        due_on=on + timedelta(days=due_days),
        gross=net,
        discount=Decimal(0),
        net=net,
        tax=tax,
        round_off=Decimal(0),
        total=net + tax,
        open_amount=net + tax if open_amount is None else open_amount,
    )
    session.add(doc)
    await session.flush()
    session.add_all(
        SecondaryLine(
            id=new_id(),
            tenant_id=tenant_id,
            document_id=doc.id,
            line_no=n,
            product_id=product.id,
            quantity=quantity,
            unit_price=price,
            gross=value,
            discount=Decimal(0),
            net=value,
            tax_label="PPN 11%",
            tax=(value * Decimal("0.11")).quantize(Decimal("0.01")),
            is_free=is_free,
        )
        for n, (product, quantity, price, value, is_free) in enumerate(rows, start=1)
    )
    await session.flush()
    return doc


async def add_credit_note(
    session: AsyncSession,
    invoice: SecondaryDocument,
    retailer: Retailer,
    on: date,
    lines: list[tuple[Product, int, Decimal]],
) -> SecondaryDocument:
    """A credit note correcting `invoice` for returned `(product, units, unit price)` lines."""
    return await add_invoice(
        session,
        retailer,
        on,
        lines,
        due_days=0,
        open_amount=Decimal(0),
        kind=SecondaryDocumentKind.CREDIT_NOTE,
        corrects=invoice,
    )


async def add_invoices_in_bulk(
    session: AsyncSession,
    invoices: list[tuple[Retailer, date, list[tuple[Product, int, Decimal]]]],
) -> None:
    """Many desk-billed invoices of `(retailer, day, [(product, units, unit price)])`, inserted
    in chunks (untaxed, paid): purchase history for readers that need months of it."""
    documents: list[dict[str, object]] = []
    lines: list[dict[str, object]] = []
    sequences: dict[uuid.UUID, int] = {}
    for retailer, on, items in invoices:
        sequence = sequences[retailer.distributor_id] = (
            sequences.get(retailer.distributor_id, 0) + 1
        )
        doc_id = new_id()
        net = sum((q * p for _, q, p in items), Decimal(0))
        documents.append(
            {
                "id": doc_id,
                "tenant_id": retailer.tenant_id,
                "kind": SecondaryDocumentKind.INVOICE,
                "number": f"B{sequence:07d}",
                "series": "B",
                "fiscal_year": on.year,
                "sequence": sequence,
                "distributor_id": retailer.distributor_id,
                "retailer_id": retailer.id,
                "currency": "IDR",
                "issued_on": on,
                "due_on": on,
                "gross": net,
                "discount": Decimal(0),
                "net": net,
                "tax": Decimal(0),
                "total": net,
                "open_amount": Decimal(0),
            }
        )
        lines += [
            {
                "id": new_id(),
                "tenant_id": retailer.tenant_id,
                "document_id": doc_id,
                "line_no": n,
                "product_id": product.id,
                "quantity": quantity,
                "unit_price": price,
                "gross": price * quantity,
                "discount": Decimal(0),
                "net": price * quantity,
                "tax_label": "none",
                "tax": Decimal(0),
                "is_free": False,
            }
            for n, (product, quantity, price) in enumerate(items, start=1)
        ]
    for model, rows in ((SecondaryDocument, documents), (SecondaryLine, lines)):
        for begin in range(0, len(rows), 1000):
            await session.execute(insert(model), rows[begin : begin + 1000])
