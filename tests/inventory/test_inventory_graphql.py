"""Distributor stock over GraphQL: per SKU and batch with expiry, movement history, adjustments and
transfers that are idempotent, scoped to the principal, and change nothing when refused."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.delivery import DeliveredBatch, deliver_invoice, dispatch_invoice
from backend.billing.invoicing import invoice_order
from backend.billing.models import BillingLine
from backend.identity.models import Role, User
from backend.inventory.models import StockMovement
from backend.inventory.service import StockKey, stock_of
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from backend.orders.workflow import approve_order
from tests.factories.identity import make_user, token_for
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.orders import ORDER_DAY, make_order, make_primary_world
from tests.factories.parties import make_distributor
from tests.factories.territories import make_territory
from tests.support.graphql_client import GraphQLClient


async def _movements(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(StockMovement)) or 0)


async def _stocked_world(session: AsyncSession, settings: Settings) -> dict[str, Any]:
    # given goods delivered into distributor A's stock in two batches, and a second distributor B
    world = await make_primary_world(session)
    order = await make_order(session, world, quantity=10)
    await approve_order(session, principal=world.admin, order_id=order.id, today=ORDER_DAY)
    invoice = await invoice_order(
        session, principal=world.admin, order_id=order.id, series="INV", issued_on=ORDER_DAY
    )
    await dispatch_invoice(
        session, principal=world.admin, invoice_id=invoice.id, dispatched_on=ORDER_DAY
    )
    line = (
        await session.execute(select(BillingLine).where(BillingLine.document_id == invoice.id))
    ).scalar_one()
    await deliver_invoice(
        session,
        principal=world.admin,
        invoice_id=invoice.id,
        delivered_on=date(2026, 11, 3),
        batches=[
            DeliveredBatch(line.id, "B1", 6, date(2027, 3, 1)),
            DeliveredBatch(line.id, "B2", 4, date(2027, 1, 15)),
        ],
    )
    other = await make_distributor(
        session, world.tenant, await make_territory(session, world.tenant)
    )
    own = await make_user(
        session, world.tenant, role=Role.DISTRIBUTOR, distributor_id=world.distributor.id
    )
    await session.commit()
    admin = await session.get_one(User, world.admin.user_id)
    return {
        "world": world,
        "invoice": invoice,
        "other": other,
        "a": encode_global_id("Distributor", world.distributor.id),
        "b": encode_global_id("Distributor", other.id),
        "sku": encode_global_id("Product", world.products[0].id),
        "admin": token_for(admin, settings),
        "own": token_for(own, settings),
    }


async def test_stock_lists_batches_first_expiry_first_and_a_distributor_sees_only_its_own(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    w = await _stocked_world(session, settings)
    # when HQ lists A's stock a page at a time
    first = (
        await client.run(
            "DistributorStock", {"first": 1, "distributorId": w["a"]}, token=w["admin"]
        )
    )["data"]["distributorStock"]
    rest = (
        await client.run(
            "DistributorStock",
            {"first": 5, "distributorId": w["a"], "after": first["pageInfo"]["endCursor"]},
            token=w["admin"],
        )
    )["data"]["distributorStock"]
    # then the batch expiring first comes first, with its expiry and quantity
    rows = [e["node"] for e in first["edges"] + rest["edges"]]
    assert [(r["batch"], r["expiresOn"], r["quantity"]) for r in rows] == [
        ("B2", "2027-01-15", 4),
        ("B1", "2027-03-01", 6),
    ]
    assert (first["totalCount"], first["pageInfo"]["hasNextPage"]) == (2, True)
    assert rest["pageInfo"]["hasNextPage"] is False
    assert rows[0]["distributor"]["code"] == w["world"].distributor.code
    # and a batch filter and an expiry horizon narrow the list
    expiring = (
        await client.run(
            "DistributorStock", {"first": 5, "expiringBefore": "2027-02-01"}, token=w["admin"]
        )
    )["data"]["distributorStock"]
    assert [e["node"]["batch"] for e in expiring["edges"]] == ["B2"]
    # when A's own user asks for B's stock, it sees nothing; unfiltered, only its own rows
    others = (
        await client.run("DistributorStock", {"first": 5, "distributorId": w["b"]}, token=w["own"])
    )["data"]["distributorStock"]
    assert others["totalCount"] == 0
    mine = (await client.run("DistributorStock", {"first": 5}, token=w["own"]))["data"][
        "distributorStock"
    ]
    assert mine["totalCount"] == 2
    # and the movement history shows the receipts with the invoice they came from
    history = (
        await client.run("StockMovements", {"first": 10, "distributorId": w["a"]}, token=w["own"])
    )["data"]["stockMovements"]
    assert sorted(
        (e["node"]["kind"], e["node"]["quantity"], e["node"]["document"]["number"])
        for e in history["edges"]
    ) == [("RECEIPT", 4, "INV/2026/00001"), ("RECEIPT", 6, "INV/2026/00001")]


async def test_adjustment_is_idempotent_validated_and_never_negative(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    w = await _stocked_world(session, settings)
    key = StockKey(w["world"].distributor.id, w["world"].products[0].id, "B1")
    adjust: dict[str, Any] = {
        "input": {
            "distributorId": w["a"],
            "productId": w["sku"],
            "batch": "B1",
            "quantity": -2,
            "reason": "breakage in the warehouse",
            "idempotencyKey": "adj-1",
        }
    }
    # when the distributor adjusts B1 by −2 and the phone retries the same request
    done = (await client.run("AdjustDistributorStock", adjust, token=w["own"]))["data"][
        "adjustDistributorStock"
    ]
    again = (await client.run("AdjustDistributorStock", adjust, token=w["own"]))["data"][
        "adjustDistributorStock"
    ]
    # then stock moved once
    assert done["errors"] == [] and again["errors"] == []
    assert [(m["kind"], m["quantity"], m["reason"]) for m in done["movements"]] == [
        ("ADJUSTMENT", -2, "breakage in the warehouse")
    ]
    assert again["movements"][0]["id"] == done["movements"][0]["id"]
    assert [s["quantity"] for s in again["stock"]] == [4]
    assert await stock_of(session, key) == 4
    movements = await _movements(session)

    async def refused(changes: dict[str, Any], token: str) -> list[dict[str, Any]]:
        body = {"input": {**adjust["input"], "idempotencyKey": None, **changes}}
        payload = (await client.run("AdjustDistributorStock", body, token=token))["data"][
            "adjustDistributorStock"
        ]
        assert payload["movements"] == [] and payload["stock"] == []
        return [{"code": e["code"], "field": e["field"]} for e in payload["errors"]]

    # when a request would go below zero, has no reason, names another distributor's stock,
    # gives a batch another expiry, or reuses a key with another input
    assert await refused({"quantity": -5}, w["own"]) == [
        {"code": "INSUFFICIENT_STOCK", "field": "input.quantity"}
    ]
    assert await refused({"reason": "  ", "batch": ""}, w["own"]) == [
        {"code": "INVALID_INPUT", "field": "input.batch"},
        {"code": "INVALID_INPUT", "field": "input.reason"},
    ]
    assert await refused({"distributorId": w["b"]}, w["own"]) == [
        {"code": "FORBIDDEN", "field": "input.distributorId"}
    ]
    assert await refused({"quantity": 1, "expiresOn": "2028-01-01"}, w["admin"]) == [
        {"code": "BATCH_MISMATCH", "field": "input.expiresOn"}
    ]
    assert await refused({"quantity": 0}, w["admin"]) == [
        {"code": "INVALID_INPUT", "field": "input.quantity"}
    ]
    assert await refused({"idempotencyKey": "adj-1", "quantity": -1}, w["own"]) == [
        {"code": "IDEMPOTENCY_KEY_REUSED", "field": "idempotencyKey"}
    ]
    # then nothing changed
    assert await stock_of(session, key) == 4
    assert await _movements(session) == movements
    # and a new batch can be counted in with its expiry
    found = (
        await client.run(
            "AdjustDistributorStock",
            {
                "input": {
                    **adjust["input"],
                    "batch": "B7",
                    "quantity": 3,
                    "reason": "count found a carton",
                    "expiresOn": "2027-05-31",
                    "idempotencyKey": "adj-2",
                }
            },
            token=w["own"],
        )
    )["data"]["adjustDistributorStock"]
    assert [(s["batch"], s["expiresOn"], s["quantity"]) for s in found["stock"]] == [
        ("B7", "2027-05-31", 3)
    ]
    await assert_ledger_invariants(session, w["world"].tenant.id)


async def test_transfer_moves_both_sides_once_and_only_hq_may_transfer(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    w = await _stocked_world(session, settings)
    source = StockKey(w["world"].distributor.id, w["world"].products[0].id, "B1")
    target = StockKey(w["other"].id, w["world"].products[0].id, "B1")
    move: dict[str, Any] = {
        "input": {
            "fromDistributorId": w["a"],
            "toDistributorId": w["b"],
            "productId": w["sku"],
            "batch": "B1",
            "quantity": 5,
            "reason": "rebalance before expiry",
            "idempotencyKey": "tr-1",
        }
    }
    # when HQ transfers 5 units of B1 from A to B, and retries
    done = (await client.run("TransferDistributorStock", move, token=w["admin"]))["data"][
        "transferDistributorStock"
    ]
    again = (await client.run("TransferDistributorStock", move, token=w["admin"]))["data"][
        "transferDistributorStock"
    ]
    # then both sides moved once, sharing the transfer id; the batch keeps its expiry
    assert done["errors"] == [] and again == done
    assert [(m["kind"], m["quantity"]) for m in done["movements"]] == [
        ("TRANSFER_OUT", -5),
        ("TRANSFER_IN", 5),
    ]
    assert len({m["sourceId"] for m in done["movements"]}) == 1
    assert [(s["distributor"]["code"], s["expiresOn"], s["quantity"]) for s in done["stock"]] == [
        (w["world"].distributor.code, "2027-03-01", 1),
        (w["other"].code, "2027-03-01", 5),
    ]
    movements = await _movements(session)
    # when a transfer asks for more than is on hand, or the distributor itself tries one
    over = (
        await client.run(
            "TransferDistributorStock",
            {"input": {**move["input"], "quantity": 2, "idempotencyKey": None}},
            token=w["admin"],
        )
    )["data"]["transferDistributorStock"]
    forbidden = (
        await client.run(
            "TransferDistributorStock",
            {"input": {**move["input"], "idempotencyKey": None}},
            token=w["own"],
        )
    )["data"]["transferDistributorStock"]
    # then it is refused with a code and nothing moved
    assert [e["code"] for e in over["errors"]] == ["INSUFFICIENT_STOCK"]
    assert [e["code"] for e in forbidden["errors"]] == ["FORBIDDEN"]
    assert (await stock_of(session, source), await stock_of(session, target)) == (1, 5)
    assert await _movements(session) == movements
    # and the history filters by kind; the distributor sees only its own side
    outs = (
        await client.run("StockMovements", {"first": 10, "kind": "TRANSFER_OUT"}, token=w["admin"])
    )["data"]["stockMovements"]
    assert [e["node"]["stock"]["distributor"]["code"] for e in outs["edges"]] == [
        w["world"].distributor.code
    ]
    mine = (await client.run("StockMovements", {"first": 10}, token=w["own"]))["data"][
        "stockMovements"
    ]
    assert [e["node"]["kind"] for e in mine["edges"]][-1] == "TRANSFER_OUT"
    assert mine["totalCount"] == 3
    await assert_ledger_invariants(session, w["world"].tenant.id)
