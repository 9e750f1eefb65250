"""Scheme claims settled by one on-account credit note: applied to open invoices oldest first,
the rest on account; statements, ageing and ledger invariants stay true."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.invoicing import invoice_order
from backend.billing.models import (
    BillingDocument,
    BillingLine,
    DocumentKind,
    NoteAllocation,
    NoteReason,
)
from backend.billing.statements import statement_of_account
from backend.claims.errors import ClaimStateError
from backend.claims.models import Claim, ClaimStatus
from backend.claims.service import decide_claim, settle_claim, start_review
from backend.kit.errors import ValidationFailed
from backend.ledger.models import AccountKind, Journal, JournalEntry, LedgerAccount
from backend.orders.workflow import approve_order
from backend.schemes.claims import (
    AppliedSchemeLine,
    accruals_of,
    generate_scheme_claims,
    record_scheme_accruals,
)
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.orders import PrimaryWorld, make_order, make_primary_world
from tests.factories.schemes import make_scheme

D = Decimal
SEP_1, NOV_1 = date(2026, 9, 1), date(2026, 11, 1)


async def _world_with_invoices(
    session: AsyncSession,
) -> tuple[PrimaryWorld, BillingDocument, BillingDocument]:
    """Invoices of 1,110.00 on 1 Sep and 2,220.00 on 1 Nov, both open (3,330.00)."""
    world = await make_primary_world(session)
    invoices = []
    for day, qty in ((SEP_1, 1), (NOV_1, 2)):
        order = await make_order(session, world, quantity=qty, day=day)
        await approve_order(
            session,
            principal=world.admin,
            order_id=order.id,
            today=day,
            override_credit=True,
            reason="agreed with finance",
        )
        invoices.append(
            await invoice_order(
                session, principal=world.admin, order_id=order.id, series="INV", issued_on=day
            )
        )
    return world, invoices[0], invoices[1]


async def _decided_claim(
    session: AsyncSession, world: PrimaryWorld, amounts: list[str], approve: list[int]
) -> Claim:
    """A scheme claim of accruals of `amounts` (3, 4, ... Nov), decided 20 Nov per `approve`."""
    await make_scheme(session, world.admin, "SEC")
    await record_scheme_accruals(
        session,
        lines=[
            AppliedSchemeLine(
                "SEC", uuid.uuid4(), world.distributor.id, date(2026, 11, 3 + i), D(amount)
            )
            for i, amount in enumerate(amounts)
        ],
    )
    claim = await generate_scheme_claims(
        session,
        principal=world.admin,
        distributor_id=world.distributor.id,
        period_from=NOV_1,
        period_to=date(2026, 11, 15),
        submitted_on=date(2026, 11, 16),
    )
    await start_review(session, principal=world.admin, claim_id=claim.id)
    evidence = (await accruals_of(session, [claim.id]))[claim.id]
    return await decide_claim(
        session,
        principal=world.admin,
        claim_id=claim.id,
        approved={a.id: v for a, v in zip(evidence, approve, strict=True)},
        decided_on=date(2026, 11, 20),
        reason="" if all(approve) else "one not evidenced",
    )


async def _notes_of(session: AsyncSession, claim_id: uuid.UUID) -> list[BillingDocument]:
    stmt = select(BillingDocument).where(BillingDocument.claim_id == claim_id)
    return list((await session.execute(stmt)).scalars())


async def _allocations(session: AsyncSession, note_id: uuid.UUID) -> list[tuple[uuid.UUID, D]]:
    stmt = (
        select(NoteAllocation.document_id, NoteAllocation.amount)
        .where(NoteAllocation.note_id == note_id)
        .order_by(NoteAllocation.amount.desc())
    )
    return [(d, a) for d, a in (await session.execute(stmt)).all()]


async def test_a_scheme_claim_is_settled_by_one_on_account_note_oldest_invoice_first(
    session: AsyncSession,
) -> None:
    # given 3,330.00 open (Sep 1,110.00, Nov 2,220.00) and a claim approved for 1,200.00
    world, sep, nov = await _world_with_invoices(session)
    claim = await _decided_claim(session, world, ["1000.00", "200.00"], [1, 1])
    assert (claim.status, claim.approved_amount) == (ClaimStatus.APPROVED, D("1200.00"))

    # when it is settled on 21 Nov
    settled = await settle_claim(
        session,
        principal=world.admin,
        claim_id=claim.id,
        series="CN",
        on=date(2026, 11, 21),
        idempotency_key="settle-sc-1",
    )

    # then one numbered on-account credit note of 1,200.00 without lines or tax settles it
    assert (settled.status, settled.settled_on) == (ClaimStatus.SETTLED, date(2026, 11, 21))
    [note] = await _notes_of(session, claim.id)
    assert (note.kind, note.corrects_id, note.reason) == (
        DocumentKind.CREDIT_NOTE,
        None,
        NoteReason.SCHEME_REIMBURSEMENT,
    )
    assert (note.net, note.tax, note.round_off, note.total, note.open_amount) == (
        D("1200.00"),
        D("0.00"),
        D("0.00"),
        D("1200.00"),
        D("0.00"),
    )
    assert (note.series, note.sequence, note.number) == ("CN", 1, "CN/2026/00001")
    lines = await session.scalar(
        select(func.count()).select_from(BillingLine).where(BillingLine.document_id == note.id)
    )
    assert lines == 0
    # and it pays the September invoice whole, then 90.00 of November's
    assert await _allocations(session, note.id) == [(sep.id, D("1110.00")), (nov.id, D("90.00"))]
    await session.refresh(sep)
    await session.refresh(nov)
    assert (sep.open_amount, nov.open_amount) == (D("0.00"), D("2130.00"))
    # and it posts Dr scheme expense, Cr the distributor's receivable
    legs = (
        await session.execute(
            select(LedgerAccount.kind, JournalEntry.amount)
            .join(JournalEntry, JournalEntry.account_id == LedgerAccount.id)
            .join(Journal, Journal.id == JournalEntry.journal_id)
            .where(Journal.source_id == note.id)
            .order_by(JournalEntry.amount)
        )
    ).all()
    assert [(k, a) for k, a in legs if a != 0] == [
        (AccountKind.RECEIVABLE, D("-1200.00")),
        (AccountKind.SCHEME_EXPENSE, D("1200.00")),
    ]
    await assert_ledger_invariants(session, world.tenant.id)
    # and the November statement shows the credit, the closing balance and the ageing
    soa = await statement_of_account(
        session,
        principal=world.admin,
        distributor_id=world.distributor.id,
        start=NOV_1,
        end=date(2026, 11, 30),
    )
    assert soa.opening == D("1110.00")
    assert [(ln.debit, ln.credit, ln.balance) for ln in soa.lines] == [
        (D("2220.00"), D("0.00"), D("3330.00")),
        (D("0.00"), D("1200.00"), D("2130.00")),
    ]
    assert soa.lines[-1].memo == f"CREDIT_NOTE {note.number}"
    assert soa.closing == D("2130.00")
    assert soa.ageing == [D("2130.00"), D("0.00"), D("0.00"), D("0.00")]
    # and before the note's date the September invoice was still open and aged
    before = await statement_of_account(
        session,
        principal=world.admin,
        distributor_id=world.distributor.id,
        start=NOV_1,
        end=date(2026, 11, 20),
    )
    assert before.ageing == [D("2220.00"), D("0.00"), D("1110.00"), D("0.00")]

    # when settled again with the same key: the same claim and still one note
    again = await settle_claim(
        session,
        principal=world.admin,
        claim_id=claim.id,
        series="CN",
        on=date(2026, 11, 21),
        idempotency_key="settle-sc-1",
    )
    assert again.id == claim.id and again.status is ClaimStatus.SETTLED
    assert [n.id for n in await _notes_of(session, claim.id)] == [note.id]
    # and a new request on a settled claim is refused with a code
    with pytest.raises(ClaimStateError) as refused:
        await settle_claim(
            session, principal=world.admin, claim_id=claim.id, series="CN", on=date(2026, 11, 22)
        )
    assert (refused.value.code, refused.value.field) == ("INVALID_CLAIM_STATE", "input.claimId")
    await assert_ledger_invariants(session, world.tenant.id)


async def test_a_note_larger_than_what_is_open_leaves_the_rest_on_account(
    session: AsyncSession,
) -> None:
    # given 3,330.00 open and a claim partly approved for 3,500.00 (500.00 rejected)
    world, sep, nov = await _world_with_invoices(session)
    claim = await _decided_claim(session, world, ["3000.00", "500.00", "500.00"], [1, 1, 0])
    assert (claim.status, claim.approved_amount) == (ClaimStatus.PARTLY_APPROVED, D("3500.00"))
    # when it is settled
    await settle_claim(
        session, principal=world.admin, claim_id=claim.id, series="CN", on=date(2026, 11, 21)
    )
    # then both invoices are paid and 170.00 stays on the note, on account
    [note] = await _notes_of(session, claim.id)
    assert (note.total, note.open_amount) == (D("3500.00"), D("170.00"))
    assert await _allocations(session, note.id) == [(nov.id, D("2220.00")), (sep.id, D("1110.00"))]
    await assert_ledger_invariants(session, world.tenant.id)
    soa = await statement_of_account(
        session,
        principal=world.admin,
        distributor_id=world.distributor.id,
        start=NOV_1,
        end=date(2026, 11, 30),
    )
    assert soa.closing == D("-170.00")
    assert soa.ageing == [D("0.00")] * 4
    assert soa.overdue_percent is None
    # and the next invoice (25 Nov, 1,110.00) is paid first from the credit on account
    order = await make_order(session, world, quantity=1, day=date(2026, 11, 25))
    await approve_order(session, principal=world.admin, order_id=order.id, today=date(2026, 11, 25))
    later = await invoice_order(
        session,
        principal=world.admin,
        order_id=order.id,
        series="INV",
        issued_on=date(2026, 11, 25),
    )
    await session.refresh(note)
    assert (later.open_amount, note.open_amount) == (D("940.00"), D("0.00"))
    assert (await _allocations(session, note.id))[-1] == (later.id, D("170.00"))
    await assert_ledger_invariants(session, world.tenant.id)
    soa = await statement_of_account(
        session,
        principal=world.admin,
        distributor_id=world.distributor.id,
        start=NOV_1,
        end=date(2026, 11, 30),
    )
    assert soa.closing == D("940.00")
    assert soa.ageing == [D("940.00"), D("0.00"), D("0.00"), D("0.00")]


async def test_settlement_input_is_checked_before_anything_is_written(
    session: AsyncSession,
) -> None:
    world, _, _ = await _world_with_invoices(session)
    claim = await _decided_claim(session, world, ["100.00"], [1])
    documents = await session.scalar(select(func.count()).select_from(BillingDocument))
    for series, on, field in (
        ("CN", date(2026, 11, 19), "input.on"),  # before the decision
        ("C-N", date(2026, 11, 21), "input.series"),
        ("", date(2026, 11, 21), "input.series"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            async with session.begin_nested():
                await settle_claim(
                    session, principal=world.admin, claim_id=claim.id, series=series, on=on
                )
        assert (refused.value.code, refused.value.field) == ("INVALID_INPUT", field)
    assert await session.scalar(select(func.count()).select_from(BillingDocument)) == documents
    assert (await session.get_one(Claim, claim.id)).status is ClaimStatus.APPROVED


async def test_the_database_refuses_lines_on_an_on_account_note(session: AsyncSession) -> None:
    world, _, _ = await _world_with_invoices(session)
    claim = await _decided_claim(session, world, ["100.00"], [1])
    await settle_claim(
        session, principal=world.admin, claim_id=claim.id, series="CN", on=date(2026, 11, 21)
    )
    [note] = await _notes_of(session, claim.id)
    with pytest.raises(IntegrityError, match="an on-account credit note has no lines"):
        async with session.begin_nested():
            session.add(
                BillingLine(
                    id=uuid.uuid4(),
                    tenant_id=world.tenant.id,
                    document_id=note.id,
                    line_no=1,
                    product_id=world.products[0].id,
                    quantity=1,
                    unit_price=D("1.00"),
                    net=D("1.00"),
                    tax_label="none",
                    tax=D("0.00"),
                )
            )
            await session.flush()
    # and a debit note must still correct an invoice
    with pytest.raises(IntegrityError, match="note_corrects_or_on_account"):
        async with session.begin_nested():
            note_row = await session.get_one(BillingDocument, note.id)
            note_row.kind = DocumentKind.DEBIT_NOTE
            await session.flush()
