"""QPS settlement: an ended QPS pays each retailer that reached a slab one on-account credit
note, applied to its open invoices oldest first, once per (scheme, retailer)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.claims.models import ClaimType
from backend.identity.models import Role, User
from backend.kit.errors import NotFound, PermissionDenied, ValidationFailed
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from backend.ledger.models import AccountKind, Journal, JournalEntry, LedgerAccount
from backend.schemes.claims import generate_scheme_claims
from backend.schemes.models import SchemeAccrual
from backend.schemes.rules import SchemeKind
from backend.schemes.validation import SlabDraft
from backend.secondary.billing import bill_order
from backend.secondary.models import (
    QpsSettlement,
    SecondaryDocument,
    SecondaryDocumentKind,
    SecondaryNoteAllocation,
)
from backend.secondary.qps import settle_qps
from backend.secondary.schemes import NO_SCHEMES
from backend.secondary.statements import retailer_statement
from tests.factories.identity import make_user, principal_of, token_for
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.schemes import make_scheme
from tests.factories.secondary import SecondaryWorld, desk_order, make_secondary_world, receive
from tests.support.graphql_client import GraphQLClient

D = Decimal
SETTLE_DAY = date(2026, 12, 1)


async def _billed(
    session: AsyncSession, world: SecondaryWorld, retailer: int, units: int, day: date
) -> SecondaryDocument:
    order = await desk_order(session, world, [units, 0], retailer=retailer, day=day)
    return await bill_order(
        session, principal=world.admin, order_id=order.id, issued_on=day, schemes=NO_SCHEMES
    )


async def _qps_world(session: AsyncSession) -> tuple[SecondaryWorld, list[SecondaryDocument]]:
    """r0 buys 4 + 2 units (1,100.00 each, 1,221.00 with PPN) on 2 and 20 Nov; r1 buys 3 units.
    The QPS (November) gives 2% from 5 units and 5% from 10."""
    world = await make_secondary_world(session)
    await receive(session, world, world.products[0], "B1", 100, None)
    invoices = [
        await _billed(session, world, 0, 4, date(2026, 11, 2)),
        await _billed(session, world, 0, 2, date(2026, 11, 20)),
        await _billed(session, world, 1, 3, date(2026, 11, 5)),
    ]
    return world, invoices


async def _scheme(session: AsyncSession, world: SecondaryWorld) -> uuid.UUID:
    scheme = await make_scheme(
        session,
        world.admin,
        "QPS-NOV",
        SchemeKind.QPS,
        slabs=(SlabDraft(D(5), D(2)), SlabDraft(D(10), D(5))),
    )
    return scheme.id


async def test_an_ended_qps_credits_each_retailer_that_reached_a_slab_once(
    session: AsyncSession,
) -> None:
    # given r0 with 6 units (6,600.00 net) on two open invoices and r1 with 3 units
    world, (first, second, other) = await _qps_world(session)
    scheme = await make_scheme(
        session,
        world.admin,
        "QPS-NOV",
        SchemeKind.QPS,
        slabs=(SlabDraft(D(5), D(2)), SlabDraft(D(10), D(5))),
    )
    # when the distributor settles it after November
    result = await settle_qps(
        session, principal=world.desk, scheme_id=scheme.id, on=SETTLE_DAY, series="QP"
    )
    # then r0 alone gets 2% of 6,600.00 = 132.00, r1 (below the first slab) nothing
    assert result.issued == 1
    [row] = result.settlements
    assert (row.retailer_id, row.quantity, row.value, row.percent, row.credit) == (
        world.retailers[0].id,
        6,
        D("6600.00"),
        D("2.0000"),
        D("132.00"),
    )
    note = await session.get_one(SecondaryDocument, row.credit_note_id)
    assert (note.kind, note.corrects_id, note.retailer_id, note.number) == (
        SecondaryDocumentKind.CREDIT_NOTE,
        None,
        world.retailers[0].id,
        "QP202600001",
    )
    assert (note.gross, note.discount, note.net, note.tax, note.total, note.open_amount) == (
        D("132.00"),
        D("0.00"),
        D("132.00"),
        D("0.00"),
        D("132.00"),
        D("0.00"),
    )
    # and it pays r0's oldest invoice; the others are untouched
    allocations = (
        await session.execute(
            select(SecondaryNoteAllocation.document_id, SecondaryNoteAllocation.amount).where(
                SecondaryNoteAllocation.note_id == note.id
            )
        )
    ).all()
    assert [(d, a) for d, a in allocations] == [(first.id, D("132.00"))]
    for invoice in (first, second, other):
        await session.refresh(invoice)
    assert (first.open_amount, second.open_amount, other.open_amount) == (
        D("4752.00"),
        D("2442.00"),
        D("3663.00"),
    )
    # and it posts in the distributor's book: Dr scheme expense, Cr r0's receivable
    legs = (
        await session.execute(
            select(LedgerAccount.kind, LedgerAccount.book_id, JournalEntry.amount)
            .join(JournalEntry, JournalEntry.account_id == LedgerAccount.id)
            .join(Journal, Journal.id == JournalEntry.journal_id)
            .where(Journal.source_id == note.id)
            .order_by(JournalEntry.amount)
        )
    ).all()
    assert [tuple(leg) for leg in legs] == [
        (AccountKind.RECEIVABLE, world.distributor.id, D("-132.00")),
        (AccountKind.SCHEME_EXPENSE, world.distributor.id, D("132.00")),
    ]
    await assert_ledger_invariants(session, world.tenant.id)
    soa = await retailer_statement(
        session,
        principal=world.desk,
        retailer_id=world.retailers[0].id,
        start=date(2026, 11, 1),
        end=SETTLE_DAY,
    )
    assert [(ln.debit, ln.credit) for ln in soa.lines][-1] == (D("0.00"), D("132.00"))
    assert soa.closing == D("7194.00") == sum(soa.ageing, D(0))

    # when it is settled again (another day, no key): nothing new
    again = await settle_qps(
        session, principal=world.admin, scheme_id=scheme.id, on=date(2026, 12, 5), series="QP"
    )
    assert (again.issued, [r.id for r in again.settlements]) == (0, [row.id])
    count = select(func.count()).select_from(QpsSettlement)
    assert await session.scalar(count) == 1
    await assert_ledger_invariants(session, world.tenant.id)

    # and the brand-funded credit accrued once, by its note, and is claimable from the brand
    accruals = (await session.execute(select(SchemeAccrual))).scalars().all()
    assert [(a.credit_note_id, a.invoice_line_id, a.retailer_id, a.amount) for a in accruals] == [
        (note.id, None, world.retailers[0].id, D("132.00"))
    ]
    claim = await generate_scheme_claims(
        session,
        principal=world.desk,
        distributor_id=world.distributor.id,
        period_from=SETTLE_DAY,
        period_to=SETTLE_DAY,
        submitted_on=date(2026, 12, 2),
    )
    assert (claim.claim_type, claim.claimed_amount) == (
        ClaimType.SCHEME_REIMBURSEMENT,
        D("132.00"),
    )


async def test_a_credit_larger_than_what_is_open_stays_on_account(session: AsyncSession) -> None:
    # given r0 bought 10 units (5% slab) on one invoice that is already paid down to 300.00
    world = await make_secondary_world(session)
    await receive(session, world, world.products[0], "B1", 100, None)
    invoice = await _billed(session, world, 0, 10, date(2026, 11, 2))
    from backend.secondary.collections import CollectionDraft, record_collection
    from backend.secondary.models import CollectionMethod

    await record_collection(
        session,
        principal=world.admin,
        idempotency_key=None,
        draft=CollectionDraft(
            world.retailers[0].id, CollectionMethod.CASH, D("11910.00"), date(2026, 11, 10)
        ),
    )
    scheme = await make_scheme(
        session, world.admin, "QPS-10", SchemeKind.QPS, slabs=(SlabDraft(D(10), D(5)),)
    )
    # when settled: 5% of 11,000.00 = 550.00
    result = await settle_qps(session, principal=world.admin, scheme_id=scheme.id, on=SETTLE_DAY)
    note = await session.get_one(SecondaryDocument, result.settlements[0].credit_note_id)
    await session.refresh(invoice)
    # then 300.00 pays the invoice and 250.00 stays on account
    assert (invoice.open_amount, note.total, note.open_amount) == (
        D("0.00"),
        D("550.00"),
        D("250.00"),
    )
    await assert_ledger_invariants(session, world.tenant.id)
    soa = await retailer_statement(
        session,
        principal=world.admin,
        retailer_id=world.retailers[0].id,
        start=date(2026, 11, 1),
        end=SETTLE_DAY,
    )
    assert soa.closing == D("-250.00")
    assert soa.ageing == [D("0.00")] * 4


async def test_qps_settlement_input_is_refused_with_coded_fields(session: AsyncSession) -> None:
    world, _ = await _qps_world(session)
    qps = await make_scheme(
        session, world.admin, "QPS-NOV", SchemeKind.QPS, slabs=(SlabDraft(D(5), D(2)),)
    )
    flat = await make_scheme(session, world.admin, "PCT")
    cases: list[tuple[type[Exception], object, date, str, str]] = [
        (ValidationFailed, qps.id, date(2026, 11, 30), "QP", "input.on"),  # not ended yet
        (ValidationFailed, flat.id, SETTLE_DAY, "QP", "input.schemeId"),  # not a QPS
        (NotFound, world.tenant.id, SETTLE_DAY, "QP", "input.schemeId"),
        (ValidationFailed, qps.id, SETTLE_DAY, "Q-P", "input.series"),
    ]
    for error, scheme_id, on, series, field in cases:
        with pytest.raises(error) as refused:
            async with session.begin_nested():
                await settle_qps(
                    session,
                    principal=world.admin,
                    scheme_id=scheme_id,  # type: ignore[arg-type]
                    on=on,
                    series=series,
                )
        assert getattr(refused.value, "field", None) == field
    rep = principal_of(
        await make_user(
            session, world.tenant, role=Role.REP, territory_id=world.retailers[0].territory_id
        )
    )
    with pytest.raises(PermissionDenied):
        await settle_qps(session, principal=rep, scheme_id=qps.id, on=SETTLE_DAY)
    assert await session.scalar(select(func.count()).select_from(QpsSettlement)) == 0


async def test_settle_qps_over_graphql_with_an_idempotency_key(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world, _ = await _qps_world(session)
    scheme_id = await _scheme(session, world)
    await session.commit()
    token = token_for(await session.get_one(User, world.desk.user_id), settings)
    variables = {
        "input": {
            "schemeId": encode_global_id("Scheme", scheme_id),
            "on": "2026-12-01",
            "series": "QP",
            "idempotencyKey": "qps-nov",
        }
    }
    first = (await client.run("SettleQps", variables, token=token))["data"]["settleQps"]
    assert (first["errors"], first["issued"]) == ([], 1)
    [settled] = first["settlements"]
    assert (settled["retailerId"], settled["credit"], settled["quantity"]) == (
        encode_global_id("Retailer", world.retailers[0].id),
        {"amount": "132.00", "currency": "IDR"},
        6,
    )
    retry = (await client.run("SettleQps", variables, token=token))["data"]["settleQps"]
    assert retry["settlements"] == first["settlements"]
    variables["input"]["on"] = "2026-11-30"
    variables["input"]["idempotencyKey"] = "qps-early"
    early = (await client.run("SettleQps", variables, token=token))["data"]["settleQps"]
    assert (early["issued"], [(e["code"], e["field"]) for e in early["errors"]]) == (
        0,
        [("INVALID_INPUT", "input.on")],
    )
