"""Billing over GraphQL: GST taxes per line and per rate on invoices and notes, idempotent
dispatch and delivery into stock, and a retried cheque bounce that reverses once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.models import BillingDocument
from backend.catalog.models import TaxClass
from backend.identity.models import User
from backend.inventory.service import StockKey, stock_of
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from backend.ledger.models import Journal, LedgerAccount
from backend.orders.models import PrimarySettings
from backend.orders.placing import LineDraft, OrderDraft, place_order
from backend.orders.workflow import approve_order
from tests.factories.claims import make_invoice
from tests.factories.identity import token_for
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.orders import ORDER_DAY, make_primary_world
from tests.support.graphql_client import GraphQLClient

D = Decimal


def _taxes(rows: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return [(r["name"], r["ratePercent"], r["base"]["amount"], r["amount"]["amount"]) for r in rows]


async def _balance(session: AsyncSession, key: str) -> Decimal:
    value = await session.scalar(
        select(LedgerAccount.balance)
        .where(LedgerAccount.key == key)
        .execution_options(populate_existing=True)
    )
    return Decimal(value or 0)


async def test_gst_invoice_and_credit_note_show_tax_per_line_and_per_rate(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    # given an Indian tenant at home in KA, SKUs at 18% and 5%, an order placed from MH
    world = await make_primary_world(session, prices=(D("1000.00"), D("333.33")))
    world.tenant.tax_regime = "IN_GST"
    primary = await session.get_one(PrimarySettings, world.tenant.id)
    primary.home_state, primary.fiscal_year_start_month = "KA", 4
    world.products[0].tax_class, world.products[1].tax_class = TaxClass.GST_18, TaxClass.GST_5
    await session.flush()
    order = await place_order(
        session,
        principal=world.admin,
        idempotency_key=None,
        draft=OrderDraft(
            world.distributor.id,
            [LineDraft(p.id, 3) for p in world.products],
            ORDER_DAY,
            place_of_supply="MH",
            submit=True,
        ),
    )
    await approve_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    await session.commit()
    token = token_for(await session.get_one(User, world.admin.user_id), settings)
    # when it is invoiced
    invoiced = (
        await client.run(
            "InvoicePrimaryOrder",
            {
                "input": {
                    "orderId": encode_global_id("PrimaryOrder", order.id),
                    "series": "GST",
                    "issuedOn": "2026-11-02",
                }
            },
            token=token,
        )
    )["data"]["invoicePrimaryOrder"]["document"]
    # then each line carries IGST (another state), rounded per line, summed per rate
    assert [_taxes(line["taxes"]) for line in invoiced["lines"]] == [
        [("IGST", "18", "3000.00", "540.00")],
        [("IGST", "5", "999.99", "50.00")],
    ]
    assert _taxes(invoiced["taxSummary"]) == [
        ("IGST", "5", "999.99", "50.00"),
        ("IGST", "18", "3000.00", "540.00"),
    ]
    # and the total 4,589.99 is rounded to the rupee with an explicit round-off of +0.01
    assert (
        invoiced["number"],
        invoiced["tax"]["amount"],
        invoiced["roundOff"]["amount"],
        invoiced["total"]["amount"],
    ) == ("GST/2627/00001", "590.00", "0.01", "4590.00")
    # when a return of one unit is credited
    note = (
        await client.run(
            "IssueNote",
            {
                "input": {
                    "kind": "CREDIT_NOTE",
                    "correctsId": invoiced["id"],
                    "reason": "RETURN",
                    "series": "CN",
                    "issuedOn": "2026-11-05",
                    "lines": [
                        {
                            "productId": encode_global_id("Product", world.products[0].id),
                            "quantity": 1,
                            "unitPrice": "1000.00",
                        }
                    ],
                    "idempotencyKey": "cn-1",
                }
            },
            token=token,
        )
    )["data"]["issueNote"]["document"]
    # then the note is taxed like the invoice it corrects (IGST), references it, and reduces it
    assert _taxes(note["taxSummary"]) == [("IGST", "18", "1000.00", "180.00")]
    assert (note["number"], note["roundOff"]["amount"], note["total"]["amount"]) == (
        "CN/2627/00001",
        "0.00",
        "1180.00",
    )
    assert note["reason"] == "RETURN"
    assert note["corrects"] == {
        "id": invoiced["id"],
        "number": "GST/2627/00001",
        "openAmount": {"amount": "3410.00"},
    }
    assert await _balance(session, "ROUND_OFF") == D("-0.01")
    await assert_ledger_invariants(session, world.tenant.id)


async def test_dispatch_and_delivery_are_idempotent_and_deliver_into_stock(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world = await make_primary_world(session)
    invoice, lines = await make_invoice(session, world, quantity=10)
    await session.commit()
    token = token_for(await session.get_one(User, world.admin.user_id), settings)
    invoice_id = encode_global_id("BillingDocument", invoice.id)
    dispatch = {"input": {"invoiceId": invoice_id, "on": "2026-11-03", "idempotencyKey": "d-1"}}
    # when the dispatch is sent twice with one key
    first = (await client.run("DispatchInvoice", dispatch, token=token))["data"]["dispatchInvoice"]
    again = (await client.run("DispatchInvoice", dispatch, token=token))["data"]["dispatchInvoice"]
    # then it is recorded once and the order is dispatched
    assert first == again
    assert (first["document"]["dispatchedOn"], first["document"]["order"]["status"]) == (
        "2026-11-03",
        "DISPATCHED",
    )
    deliver: dict[str, Any] = {
        "input": {
            "invoiceId": invoice_id,
            "on": "2026-11-02",
            "batches": [
                {
                    "lineId": encode_global_id("BillingLine", lines[0].id),
                    "batch": "B1",
                    "quantity": 8,
                    "expiresOn": "2027-06-30",
                }
            ],
        }
    }
    key = StockKey(world.distributor.id, world.products[0].id, "B1")
    # when delivery is dated before dispatch, it is refused and nothing enters stock
    early = (await client.run("DeliverInvoice", deliver, token=token))["data"]["deliverInvoice"]
    assert early == {
        "document": None,
        "errors": [
            {
                "code": "INVALID_INPUT",
                "field": "input.on",
                "message": "cannot deliver before the dispatch date",
            }
        ],
    }
    assert await stock_of(session, key) == 0
    # when 8 of 10 units arrive, and the request is retried with its key
    deliver["input"] |= {"on": "2026-11-04", "idempotencyKey": "dl-1"}
    done = (await client.run("DeliverInvoice", deliver, token=token))["data"]["deliverInvoice"]
    retried = (await client.run("DeliverInvoice", deliver, token=token))["data"]["deliverInvoice"]
    # then stock received them once and the order shows what was delivered
    assert done == retried and done["errors"] == []
    assert done["document"]["order"] == {
        "status": "DELIVERED",
        "lines": [{"quantity": 10, "invoicedQuantity": 10, "deliveredQuantity": 8}],
    }
    assert await stock_of(session, key) == 8
    # when 3 delivered units are returned from batch B1
    returned = (
        await client.run(
            "IssueNote",
            {
                "input": {
                    "kind": "CREDIT_NOTE",
                    "correctsId": invoice_id,
                    "reason": "RETURN",
                    "series": "CN",
                    "issuedOn": "2026-11-06",
                    "lines": [
                        {
                            "productId": encode_global_id("Product", world.products[0].id),
                            "quantity": 3,
                            "unitPrice": "1000.00",
                            "batch": "B1",
                        }
                    ],
                }
            },
            token=token,
        )
    )["data"]["issueNote"]
    # then they leave the distributor's stock with a RETURN movement pointing at the note
    assert (returned["errors"], returned["document"]["total"]["amount"]) == ([], "3330.00")
    assert await stock_of(session, key) == 5
    moves = (await client.run("StockMovements", {"first": 5, "kind": "RETURN"}, token=token))[
        "data"
    ]["stockMovements"]["edges"]
    assert [(m["node"]["quantity"], m["node"]["document"]["kind"]) for m in moves] == [
        (-3, "CREDIT_NOTE")
    ]
    await assert_ledger_invariants(session, world.tenant.id)


async def test_a_retried_bounce_reverses_the_cheque_once(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    # given an invoice of 11,100.00 part-paid by a 5,000.00 cheque
    world = await make_primary_world(session)
    invoice, _ = await make_invoice(session, world, quantity=10)
    await session.commit()
    token = token_for(await session.get_one(User, world.admin.user_id), settings)
    paid = (
        await client.run(
            "RecordPayment",
            {
                "input": {
                    "distributorId": encode_global_id("Distributor", world.distributor.id),
                    "method": "CHEQUE",
                    "amount": "5000.00",
                    "receivedOn": "2026-11-04",
                    "reference": "CHQ-77",
                }
            },
            token=token,
        )
    )["data"]["recordPayment"]["payment"]
    bounce = {
        "input": {
            "paymentId": paid["id"],
            "bouncedOn": "2026-11-06",
            "reason": "insufficient funds",
            "idempotencyKey": "bounce-1",
        }
    }

    async def reversals() -> int:
        stmt = select(func.count()).select_from(Journal).where(Journal.purpose == "REVERSAL")
        return int(await session.scalar(stmt) or 0)

    # when the bounce is sent, and retried with the same key
    first = (await client.run("BounceCheque", bounce, token=token))["data"]["bounceCheque"]
    again = (await client.run("BounceCheque", bounce, token=token))["data"]["bounceCheque"]
    # then the cheque is bounced once: one reversal, the invoice owes its whole total again
    assert first == again
    assert (first["payment"]["status"], first["errors"]) == ("BOUNCED", [])
    assert await reversals() == 1
    receivable = f"RECEIVABLE:{world.distributor.id}"
    assert await _balance(session, receivable) == D("11100.00")
    assert await _balance(session, "CHEQUES_IN_HAND") == D("0.00")
    doc = await session.scalar(
        select(BillingDocument.open_amount)
        .where(BillingDocument.id == invoice.id)
        .execution_options(populate_existing=True)
    )
    assert doc == D("11100.00")
    # when it is bounced again without the key, or with the key and another input
    plain = {"input": {**bounce["input"], "idempotencyKey": None}}
    twice = (await client.run("BounceCheque", plain, token=token))["data"]["bounceCheque"]
    reused = {"input": {**bounce["input"], "reason": "signature differs"}}
    conflict = (await client.run("BounceCheque", reused, token=token))["data"]["bounceCheque"]
    # then both are refused with a code and nothing more is reversed
    assert [e["code"] for e in twice["errors"]] == ["INVALID_DOCUMENT_STATE"]
    assert [e["code"] for e in conflict["errors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    assert await reversals() == 1
    assert await _balance(session, receivable) == D("11100.00")
    listed = (await client.run("Payments", {"first": 5}, token=token))["data"]["payments"]
    assert [
        (e["node"]["reference"], e["node"]["status"], e["node"]["bouncedOn"])
        for e in listed["edges"]
    ] == [("CHQ-77", "BOUNCED", "2026-11-06")]
    node = (await client.run("Node", {"id": paid["id"]}, token=token))["data"]["node"]
    assert node == {
        "__typename": "Payment",
        "id": paid["id"],
        "reference": "CHQ-77",
        "status": "BOUNCED",
    }
    await assert_ledger_invariants(session, world.tenant.id)
