"""The primary flow over GraphQL: place, approve, invoice, pay, statement; lists and refusals."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.identity.models import User
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from backend.schemes.models import SchemeFlow
from backend.schemes.rules import SchemeKind
from tests.factories.claims import make_invoice
from tests.factories.identity import token_for
from tests.factories.orders import make_primary_world
from tests.factories.schemes import make_scheme
from tests.support.graphql_client import GraphQLClient


async def test_order_to_statement_over_graphql(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    # given a distributor with a 1,000.00 SKU and an admin's token
    world = await make_primary_world(session)
    await session.commit()
    token = token_for(await session.get_one(User, world.admin.user_id), settings)
    distributor = encode_global_id("Distributor", world.distributor.id)
    product = encode_global_id("Product", world.products[0].id)
    # when an order is placed (and submitted), twice with one idempotency key
    place: dict[str, Any] = {
        "input": {
            "distributorId": distributor,
            "orderDate": "2026-11-02",
            "lines": [{"productId": product, "quantity": 3}],
            "idempotencyKey": "po-1",
        }
    }
    first = (await client.run("PlacePrimaryOrder", place, token=token))["data"]["placePrimaryOrder"]
    again = (await client.run("PlacePrimaryOrder", place, token=token))["data"]["placePrimaryOrder"]
    order = first["order"]
    assert first["errors"] == [] and again["order"]["id"] == order["id"]
    assert (order["status"], order["total"]) == (
        "SUBMITTED",
        {"amount": "3330.00", "currency": "IDR"},
    )
    # and approved, then invoiced
    approved = (
        await client.run(
            "ApprovePrimaryOrder",
            {"input": {"orderId": order["id"]}},
            token=token,
        )
    )["data"]["approvePrimaryOrder"]
    assert [h["toStatus"] for h in approved["order"]["history"]] == [
        "DRAFT",
        "SUBMITTED",
        "APPROVED",
    ]
    invoiced = (
        await client.run(
            "InvoicePrimaryOrder",
            {"input": {"orderId": order["id"], "series": "INV", "issuedOn": "2026-11-02"}},
            token=token,
        )
    )["data"]["invoicePrimaryOrder"]
    doc = invoiced["document"]
    assert (doc["number"], doc["tax"]["amount"], doc["lines"][0]["taxLabel"]) == (
        "INV/2026/00001",
        "330.00",
        "PPN 12%",
    )
    assert doc["distributor"]["code"] == world.distributor.code
    # and paid in part
    paid = (
        await client.run(
            "RecordPayment",
            {
                "input": {
                    "distributorId": distributor,
                    "method": "BANK_TRANSFER",
                    "amount": "1000.00",
                    "receivedOn": "2026-11-10",
                    "reference": "TRF-1",
                }
            },
            token=token,
        )
    )["data"]["recordPayment"]
    assert paid["payment"]["unallocated"]["amount"] == "0.00"
    # then the statement shows both postings
    soa = (
        await client.run(
            "StatementOfAccount",
            {"distributorId": distributor, "from": "2026-11-01", "to": "2026-11-30"},
            token=token,
        )
    )["data"]["statementOfAccount"]
    assert [ln["balance"]["amount"] for ln in soa["lines"]] == ["3330.00", "2330.00"]
    assert soa["ageing"]["days0To30"]["amount"] == "2330.00"
    # and lists are keyset connections
    orders = (await client.run("PrimaryOrders", {"first": 10}, token=token))["data"][
        "primaryOrders"
    ]
    assert orders["totalCount"] == 1 and orders["edges"][0]["node"]["lines"] == [{"quantity": 3}]
    docs = (await client.run("BillingDocuments", {"first": 10}, token=token))["data"][
        "billingDocuments"
    ]
    assert [e["node"]["number"] for e in docs["edges"]] == ["INV/2026/00001"]


async def test_invoicing_a_draft_is_a_coded_payload_error(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world = await make_primary_world(session)
    await session.commit()
    token = token_for(await session.get_one(User, world.admin.user_id), settings)
    place = {
        "input": {
            "distributorId": encode_global_id("Distributor", world.distributor.id),
            "orderDate": "2026-11-02",
            "submit": False,
            "lines": [
                {"productId": encode_global_id("Product", world.products[0].id), "quantity": 1}
            ],
        }
    }
    order = (await client.run("PlacePrimaryOrder", place, token=token))["data"][
        "placePrimaryOrder"
    ]["order"]
    refused = (
        await client.run(
            "InvoicePrimaryOrder",
            {"input": {"orderId": order["id"], "series": "INV", "issuedOn": "2026-11-02"}},
            token=token,
        )
    )["data"]["invoicePrimaryOrder"]
    assert refused == {
        "document": None,
        "errors": [
            {
                "code": "INVALID_TRANSITION",
                "field": "input.orderId",
                "message": "cannot invoice an order that is DRAFT",
            }
        ],
    }
    docs = (await client.run("BillingDocuments", {"first": 10}, token=token))["data"][
        "billingDocuments"
    ]
    assert docs["totalCount"] == 0


async def test_order_states_over_graphql_record_who_and_why_and_refusals_change_nothing(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    # given a draft order
    world = await make_primary_world(session)
    await session.commit()
    token = token_for(await session.get_one(User, world.admin.user_id), settings)
    actor = encode_global_id("User", world.admin.user_id)
    place = {
        "input": {
            "distributorId": encode_global_id("Distributor", world.distributor.id),
            "orderDate": "2026-11-02",
            "submit": False,
            "lines": [
                {"productId": encode_global_id("Product", world.products[0].id), "quantity": 2}
            ],
        }
    }
    order = (await client.run("PlacePrimaryOrder", place, token=token))["data"][
        "placePrimaryOrder"
    ]["order"]

    async def act(operation: str, **extra: Any) -> dict[str, Any]:
        name = operation[0].lower() + operation[1:]
        body = {"input": {"orderId": order["id"], **extra}}
        payload: dict[str, Any] = (await client.run(operation, body, token=token))["data"][name]
        return payload

    # when it is submitted, then rejected without a reason
    submitted = await act("SubmitPrimaryOrder", reason="weekly order")
    assert submitted["order"]["status"] == "SUBMITTED"
    no_reason = await act("RejectPrimaryOrder")
    assert [(e["code"], e["field"]) for e in no_reason["errors"]] == [
        ("INVALID_INPUT", "input.reason")
    ]
    # and with one
    rejected = await act(
        "RejectPrimaryOrder", reason="duplicate of last week's", idempotencyKey="r1"
    )
    retried = await act(
        "RejectPrimaryOrder", reason="duplicate of last week's", idempotencyKey="r1"
    )
    assert retried == rejected
    history = rejected["order"]["history"]
    assert [(h["fromStatus"], h["toStatus"], h["reason"], h["actorId"]) for h in history] == [
        (None, "DRAFT", "placed", actor),
        ("DRAFT", "SUBMITTED", "weekly order", actor),
        ("SUBMITTED", "REJECTED", "duplicate of last week's", actor),
    ]
    assert all(h["at"] for h in history)
    # then a rejected order cannot be approved; reopened it is a draft, cancelled it stays so
    refused = await act("ApprovePrimaryOrder")
    assert [e["code"] for e in refused["errors"]] == ["INVALID_TRANSITION"]
    assert (await act("ReopenPrimaryOrder", reason="customer confirmed"))["order"]["status"] == (
        "DRAFT"
    )
    cancelled = await act("CancelPrimaryOrder", reason="not needed")
    assert cancelled["order"]["status"] == "CANCELLED"
    again = await act("CancelPrimaryOrder", reason="twice")
    assert [e["code"] for e in again["errors"]] == ["INVALID_TRANSITION"]
    listed = (await client.run("PrimaryOrders", {"first": 5}, token=token))["data"]["primaryOrders"]
    assert listed["totalCount"] == 1
    after = (await act("ReopenPrimaryOrder", reason="x", idempotencyKey="o-1"))["order"]
    assert len(after["history"]) == 6


async def test_cancelling_an_invoiced_order_over_graphql_credits_its_invoice(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world = await make_primary_world(session)
    invoice, _ = await make_invoice(session, world, quantity=2)
    await session.commit()
    token = token_for(await session.get_one(User, world.admin.user_id), settings)
    assert invoice.order_id is not None
    body = {
        "input": {
            "orderId": encode_global_id("PrimaryOrder", invoice.order_id),
            "reason": "branch closed",
            "creditNoteSeries": "CX",
            "idempotencyKey": "cancel-1",
        }
    }
    done = (await client.run("CancelPrimaryOrder", body, token=token))["data"]["cancelPrimaryOrder"]
    again = (await client.run("CancelPrimaryOrder", body, token=token))["data"][
        "cancelPrimaryOrder"
    ]
    assert done == again and done["errors"] == []
    last = done["order"]["history"][-1]
    assert (done["order"]["status"], last["toStatus"], last["details"]) == (
        "CANCELLED",
        "CANCELLED",
        {"creditNotes": ["CX/2026/00001"]},
    )
    docs = (await client.run("BillingDocuments", {"first": 5}, token=token))["data"][
        "billingDocuments"
    ]
    assert [(e["node"]["kind"], e["node"]["total"]["amount"]) for e in docs["edges"]] == [
        ("CREDIT_NOTE", "2220.00"),
        ("INVOICE", "2220.00"),
    ]


async def test_primary_schemes_over_graphql(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    # given a 1,000.00 SKU under a PRIMARY 10% and a PRIMARY buy 10 get 2 for the distributor
    world = await make_primary_world(session)
    await make_scheme(session, world.admin, "P10", flow=SchemeFlow.PRIMARY)
    await make_scheme(
        session,
        world.admin,
        "B10G2",
        SchemeKind.BUY_X_GET_Y,
        flow=SchemeFlow.PRIMARY,
        buy_quantity=10,
        free_quantity=2,
    )
    await make_scheme(session, world.admin, "SEC", flow=SchemeFlow.SECONDARY)
    await session.commit()
    token = token_for(await session.get_one(User, world.admin.user_id), settings)
    distributor = encode_global_id("Distributor", world.distributor.id)
    product = encode_global_id("Product", world.products[0].id)
    # when the distributor asks which schemes apply today and quotes a draft of 8 units
    found = (
        await client.run(
            "SchemesForDistributor", {"distributorId": distributor, "on": "2026-11-02"}, token=token
        )
    )["data"]["schemesForDistributor"]
    quote = (
        await client.run(
            "QuotePrimaryCart",
            {
                "input": {
                    "distributorId": distributor,
                    "on": "2026-11-02",
                    "lines": [{"productId": product, "quantity": 8}],
                }
            },
            token=token,
        )
    )["data"]["quotePrimaryCart"]
    # then only the PRIMARY schemes apply, priced at the distributor price, and the cart is 2
    # units from its free goods
    assert sorted(s["code"] for s in found) == ["B10G2", "P10"]
    assert (quote["gross"]["amount"], quote["discount"]["amount"]) == ("8000.00", "800.00")
    assert [(n["schemeCode"], n["missingQuantity"]) for n in quote["nudges"]] == [("B10G2", 2)]
    # when 10 units are ordered and invoiced
    placed = (
        await client.run(
            "PlacePrimaryOrder",
            {
                "input": {
                    "distributorId": distributor,
                    "orderDate": "2026-11-02",
                    "lines": [{"productId": product, "quantity": 10}],
                }
            },
            token=token,
        )
    )["data"]["placePrimaryOrder"]["order"]
    await client.run("ApprovePrimaryOrder", {"input": {"orderId": placed["id"]}}, token=token)
    doc = (
        await client.run(
            "InvoicePrimaryOrder",
            {"input": {"orderId": placed["id"], "series": "INV", "issuedOn": "2026-11-02"}},
            token=token,
        )
    )["data"]["invoicePrimaryOrder"]["document"]
    # then order and invoice lines show the discount, the free line and the schemes applied
    assert [
        (ln["quantity"], ln["discount"]["amount"], ln["isFree"], [s["code"] for s in ln["schemes"]])
        for ln in placed["lines"]
    ] == [(10, "1000.00", False, ["B10G2", "P10"]), (2, "0.00", True, ["B10G2"])]
    assert placed["total"]["amount"] == "9990.00"
    assert [
        (ln["quantity"], ln["discount"]["amount"], ln["net"]["amount"], ln["isFree"])
        for ln in doc["lines"]
    ] == [(10, "1000.00", "9000.00", False), (2, "0.00", "0.00", True)]
    assert doc["lines"][1]["schemes"][0]["kind"] == "FREE_GOODS"
    assert (doc["discount"]["amount"], doc["total"]["amount"]) == ("1000.00", "9990.00")
