"""Scheme claims: accruals per invoice line, one claim per period never twice, the claim workflow."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.models import BillingDocument, DocumentKind
from backend.claims.models import ClaimStatus, ClaimType
from backend.claims.service import decide_claim, settle_claim, start_review
from backend.identity.models import Role, User
from backend.kit.errors import NotFound, PermissionDenied, ValidationFailed
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from backend.schemes.claims import (
    AppliedSchemeLine,
    NothingToClaim,
    accrual_drafts,
    accruals_of,
    generate_scheme_claims,
    record_scheme_accruals,
)
from backend.schemes.models import SchemeAccrual, SchemeFlow
from backend.schemes.rules import SchemeKind
from tests.factories.identity import make_user, principal_of, token_for
from tests.factories.schemes import SchemeWorld, make_scheme, make_scheme_world
from tests.support.graphql_client import GraphQLClient

D = Decimal
L1, L2, L3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def applied(
    w: SchemeWorld, code: str, line: uuid.UUID, day: int, discount: str, free: str = "0"
) -> AppliedSchemeLine:
    return AppliedSchemeLine(
        scheme_code=code,
        invoice_line_id=line,
        distributor_id=w.distributors[0].id,
        on=date(2026, 11, day),
        discount=D(discount),
        free_quantity=1 if D(free) else 0,
        free_value=D(free),
        retailer_id=w.retailers[0].id,
        reference=f"SI/{day:02d}",
    )


async def accrual_count(session: AsyncSession) -> int:
    stmt = select(func.count()).select_from(SchemeAccrual)
    return int((await session.execute(stmt)).scalar_one())


def test_drafts_merge_per_scheme_and_line_and_drop_empty_ones() -> None:
    d, day = uuid.uuid4(), date(2026, 11, 3)
    lines = [
        AppliedSchemeLine("S", L1, d, day, D("10.00")),
        AppliedSchemeLine("S", L1, d, day, D(0), free_quantity=2, free_value=D("5.50")),
        AppliedSchemeLine("T", L1, d, day, D(0)),
        AppliedSchemeLine("S", L2, d, day, D("1.25")),
    ]
    drafts = accrual_drafts(lines)
    assert [(x.scheme_code, x.invoice_line_id, x.amount, x.free_quantity) for x in drafts] == [
        ("S", L1, D("15.50"), 2),
        ("S", L2, D("1.25"), 0),
    ]
    with pytest.raises(ValidationFailed) as caught:
        accrual_drafts([AppliedSchemeLine("S", L1, d, day, D("0.001"))])
    assert caught.value.field == "lines[0].discount"


async def test_secondary_benefits_accrue_once_per_line(session: AsyncSession) -> None:
    w = await make_scheme_world(session)
    await make_scheme(session, w.admin, "SEC")
    await make_scheme(session, w.admin, "PRI", flow=SchemeFlow.PRIMARY)
    lines = [
        applied(w, "SEC", L1, 3, "120.00"),
        applied(w, "SEC", L2, 4, "0", free="55.00"),
        applied(w, "PRI", L3, 4, "99.00"),  # the brand's own price: nothing to claim
    ]
    assert await record_scheme_accruals(session, lines=lines) == 2
    # the same invoice lines reported again add nothing
    assert await record_scheme_accruals(session, lines=lines) == 0
    assert await accrual_count(session) == 2
    with pytest.raises(NotFound):
        await record_scheme_accruals(session, lines=[applied(w, "NOPE", L1, 3, "1.00")])


async def test_a_period_is_claimed_once_and_decided_per_accrual(session: AsyncSession) -> None:
    # given accruals on 3, 10 and 20 November, and one of another distributor
    w = await make_scheme_world(session)
    await make_scheme(session, w.admin, "SEC", kind=SchemeKind.FLAT_DISCOUNT, amount=D("10.00"))
    other = AppliedSchemeLine("SEC", uuid.uuid4(), w.distributors[1].id, date(2026, 11, 5), D(7))
    await record_scheme_accruals(
        session,
        lines=[
            applied(w, "SEC", L1, 3, "120.00"),
            applied(w, "SEC", L2, 10, "30.00", free="55.00"),
            applied(w, "SEC", L3, 20, "400.00"),
            other,
        ],
    )
    d0 = w.distributors[0].id
    seller = principal_of(
        await make_user(session, w.tenant, role=Role.DISTRIBUTOR, distributor_id=d0)
    )

    # when the distributor claims 1–15 November
    claim = await generate_scheme_claims(
        session,
        principal=seller,
        distributor_id=d0,
        period_from=date(2026, 11, 1),
        period_to=date(2026, 11, 15),
        submitted_on=date(2026, 11, 16),
    )

    # then the claim holds exactly its two accruals, and the period cannot be claimed again
    assert (claim.claim_type, claim.status, claim.claimed_amount, claim.currency) == (
        ClaimType.SCHEME_REIMBURSEMENT,
        ClaimStatus.SUBMITTED,
        D("205.00"),
        "IDR",
    )
    evidence = (await accruals_of(session, [claim.id]))[claim.id]
    assert [(a.invoice_line_id, a.amount) for a in evidence] == [
        (L1, D("120.00")),
        (L2, D("85.00")),
    ]
    with pytest.raises(NothingToClaim):
        await generate_scheme_claims(
            session,
            principal=w.admin,
            distributor_id=d0,
            period_from=date(2026, 11, 1),
            period_to=date(2026, 11, 15),
            submitted_on=date(2026, 11, 16),
        )
    with pytest.raises(PermissionDenied):
        await generate_scheme_claims(
            session,
            principal=seller,
            distributor_id=w.distributors[1].id,
            period_from=date(2026, 11, 1),
            period_to=date(2026, 11, 30),
            submitted_on=date(2026, 11, 30),
        )

    # when HQ reviews it and approves the first accrual only
    await start_review(session, principal=w.admin, claim_id=claim.id)
    decided = await decide_claim(
        session,
        principal=w.admin,
        claim_id=claim.id,
        approved={evidence[0].id: 1, evidence[1].id: 0},
        decided_on=date(2026, 11, 20),
        reason="free goods not evidenced",
    )
    # then it is partly approved for exactly that accrual
    assert (decided.status, decided.approved_amount) == (ClaimStatus.PARTLY_APPROVED, D("120.00"))
    assert [a.approved for a in evidence] == [True, False]
    # and settling it issues one on-account credit note of the approved amount; the distributor
    # has no open invoices, so all of it stays on account
    settled = await settle_claim(
        session, principal=w.admin, claim_id=claim.id, series="CN", on=date(2026, 11, 21)
    )
    assert settled.status is ClaimStatus.SETTLED
    [note] = (
        await session.execute(select(BillingDocument).where(BillingDocument.claim_id == claim.id))
    ).scalars()
    assert (note.kind, note.corrects_id, note.total, note.open_amount) == (
        DocumentKind.CREDIT_NOTE,
        None,
        D("120.00"),
        D("120.00"),
    )


async def test_generate_and_decide_over_graphql(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    w = await make_scheme_world(session)
    await make_scheme(session, w.admin, "SEC")
    await record_scheme_accruals(
        session, lines=[applied(w, "SEC", L1, 3, "120.00"), applied(w, "SEC", L2, 4, "80.00")]
    )
    await session.commit()
    token = token_for(await session.get_one(User, w.admin.user_id), settings)
    generate = {
        "input": {
            "distributorId": encode_global_id("Distributor", w.distributors[0].id),
            "periodFrom": "2026-11-01",
            "periodTo": "2026-11-30",
            "submittedOn": "2026-12-01",
            "idempotencyKey": "sc-nov",
        }
    }
    made = (await client.run("GenerateSchemeClaim", generate, token=token))["data"][
        "generateSchemeClaim"
    ]
    claim = made["claim"]
    assert (claim["claimType"], claim["claimed"]["amount"]) == ("SCHEME_REIMBURSEMENT", "200.00")
    assert [
        (a["schemeCode"], a["amount"]["amount"], a["reference"]) for a in claim["schemeAccruals"]
    ] == [
        ("SEC", "120.00", "SI/03"),
        ("SEC", "80.00", "SI/04"),
    ]
    # a retry returns the same claim; a new request finds nothing left
    again = (await client.run("GenerateSchemeClaim", generate, token=token))["data"][
        "generateSchemeClaim"
    ]
    assert again["claim"]["id"] == claim["id"]
    generate["input"]["idempotencyKey"] = "sc-nov-2"
    empty = (await client.run("GenerateSchemeClaim", generate, token=token))["data"][
        "generateSchemeClaim"
    ]
    assert (empty["claim"], empty["errors"][0]["code"]) == (None, "NOTHING_TO_CLAIM")
    decided = await client.run(
        "DecideSchemeClaim",
        {
            "input": {
                "claimId": claim["id"],
                "on": "2026-12-02",
                "approvals": [
                    {"lineId": a["accrualId"], "approvedQuantity": 1}
                    for a in claim["schemeAccruals"]
                ],
            }
        },
        token=token,
    )
    result = decided["data"]["decideClaim"]["claim"]
    assert (result["status"], result["approved"]["amount"]) == ("APPROVED", "200.00")
    assert [a["approved"] for a in result["schemeAccruals"]] == [True, True]
    # settling it over GraphQL issues one on-account note; a retry with the key returns it
    settle = {"input": {"claimId": claim["id"], "on": "2026-12-03", "idempotencyKey": "st-1"}}
    first = (await client.run("SettleClaim", settle, token=token))["data"]["settleClaim"]
    assert (first["errors"], first["claim"]["status"]) == ([], "SETTLED")
    assert len(first["claim"]["creditNoteIds"]) == 1
    retry = (await client.run("SettleClaim", settle, token=token))["data"]["settleClaim"]
    assert retry["claim"]["creditNoteIds"] == first["claim"]["creditNoteIds"]
    settle["input"]["idempotencyKey"] = "st-2"
    refused = (await client.run("SettleClaim", settle, token=token))["data"]["settleClaim"]
    assert (refused["claim"], [(e["code"], e["field"]) for e in refused["errors"]]) == (
        None,
        [("INVALID_CLAIM_STATE", "input.claimId")],
    )
