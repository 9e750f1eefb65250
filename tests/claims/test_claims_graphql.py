"""Claims and distributor KPIs over GraphQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backend.identity.models import User
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from tests.factories.claims import make_invoice
from tests.factories.identity import token_for
from tests.factories.orders import make_primary_world
from tests.support.graphql_client import GraphQLClient


async def test_claim_workflow_and_kpis_over_graphql(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    # given an invoice of 10 units
    world = await make_primary_world(session)
    _, lines = await make_invoice(session, world, quantity=10)
    await session.commit()
    token = token_for(await session.get_one(User, world.admin.user_id), settings)
    distributor = encode_global_id("Distributor", world.distributor.id)

    def claim_of(qty: int) -> dict[str, object]:
        return {
            "input": {
                "distributorId": distributor,
                "claimType": "EXPIRY",
                "submittedOn": "2026-11-10",
                "evidence": ["s3://e/1.pdf"],
                "lines": [
                    {
                        "billingLineId": encode_global_id("BillingLine", lines[0].id),
                        "batch": "B7",
                        "quantity": qty,
                        "unitAmount": "500.00",
                    }
                ],
            }
        }

    # when 11 units are claimed, it is refused; 4 are accepted
    over = (await client.run("SubmitClaim", claim_of(11), token=token))["data"]["submitClaim"]
    assert over["claim"] is None and over["errors"][0]["code"] == "OVER_CLAIMED"
    made = (await client.run("SubmitClaim", claim_of(4), token=token))["data"]["submitClaim"][
        "claim"
    ]
    assert (made["status"], made["claimed"]["amount"]) == ("SUBMITTED", "2000.00")
    # and it is approved in full, then settled
    decided = await client.run(
        "DecideClaim",
        {
            "input": {
                "claimId": made["id"],
                "on": "2026-11-11",
                "approvals": [{"lineId": made["lines"][0]["lineId"], "approvedQuantity": 4}],
            }
        },
        token=token,
    )
    assert decided["data"]["decideClaim"]["claim"]["status"] == "APPROVED"
    settled = (
        await client.run(
            "SettleClaim", {"input": {"claimId": made["id"], "on": "2026-11-12"}}, token=token
        )
    )["data"]["settleClaim"]["claim"]
    assert (settled["status"], settled["ageDays"]) == ("SETTLED", 2)
    # then the KPIs show the claims ratio against 10,000.00 of sales less the 2,000.00 credit note
    kpi = (
        await client.run(
            "DistributorPerformance",
            {"distributorId": distributor, "from": "2026-11-01", "to": "2026-11-30"},
            token=token,
        )
    )["data"]["distributorPerformance"]
    assert kpi["primarySales"] == {"amount": "8000.00", "currency": "IDR"}
    assert kpi["claimsRatio"] == "0.2500"


async def test_claim_steps_are_idempotent_and_claims_are_listed_and_aged(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world = await make_primary_world(session)
    _, lines = await make_invoice(session, world, quantity=10)
    await session.commit()
    token = token_for(await session.get_one(User, world.admin.user_id), settings)
    distributor = encode_global_id("Distributor", world.distributor.id)
    made = []
    for day, qty in (("2026-08-01", 1), ("2026-10-20", 2), ("2026-11-10", 3)):
        body = {
            "input": {
                "distributorId": distributor,
                "claimType": "DAMAGE",
                "submittedOn": day,
                "lines": [
                    {
                        "billingLineId": encode_global_id("BillingLine", lines[0].id),
                        "batch": "B1",
                        "quantity": qty,
                        "unitAmount": "100.00",
                    }
                ],
            }
        }
        made.append((await client.run("SubmitClaim", body, token=token))["data"]["submitClaim"])
    review = {
        "input": {"claimId": made[0]["claim"]["id"], "on": "2026-11-12", "idempotencyKey": "rv"}
    }
    # when a review is started and retried with its key
    first = (await client.run("ReviewClaim", review, token=token))["data"]["reviewClaim"]
    again = (await client.run("ReviewClaim", review, token=token))["data"]["reviewClaim"]
    plain = {"input": {**review["input"], "idempotencyKey": None}}
    refused = (await client.run("ReviewClaim", plain, token=token))["data"]["reviewClaim"]
    # then it moved once; without the key a second review is a coded refusal
    assert first == again and first["claim"]["status"] == "UNDER_REVIEW"
    assert [e["code"] for e in refused["errors"]] == ["INVALID_CLAIM_STATE"]
    # when one is rejected (settling it is refused), the lists filter by state and ageing buckets
    decide = {
        "input": {"claimId": made[1]["claim"]["id"], "on": "2026-11-12", "reason": "no photos"}
    }
    rejected = (await client.run("DecideClaim", decide, token=token))["data"]["decideClaim"]
    assert (rejected["claim"]["status"], rejected["claim"]["decisionReason"]) == (
        "REJECTED",
        "no photos",
    )
    settle = {"input": {"claimId": made[1]["claim"]["id"], "on": "2026-11-13"}}
    unsettled = (await client.run("SettleClaim", settle, token=token))["data"]["settleClaim"]
    assert [e["code"] for e in unsettled["errors"]] == ["INVALID_CLAIM_STATE"]
    reviewing = (
        await client.run(
            "Claims",
            {"first": 10, "distributorId": distributor, "status": "UNDER_REVIEW"},
            token=token,
        )
    )["data"]["claims"]
    assert [e["node"]["id"] for e in reviewing["edges"]] == [made[0]["claim"]["id"]]
    ageing = (await client.run("ClaimAgeing", {"asOf": "2026-11-20"}, token=token))["data"][
        "claimAgeing"
    ]
    # open claims: 111 days (under review) and 10 days (submitted); the rejected one is closed
    assert ageing == {"days0To30": 1, "days31To60": 0, "days61To90": 0, "daysOver90": 1}
