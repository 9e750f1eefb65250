"""The secondary flow through the API, as the distributor's desk runs it: settings and credit,
a desk order, billing from stock, a collection retried by a phone, a return, the lists and the
retailer's statement; refusals come back as payload errors and change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backend.identity.models import User
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from backend.ledger.models import JournalEntry
from backend.secondary.billing import bill_order
from backend.secondary.models import SecondaryDocument
from backend.secondary.schemes import NO_SCHEMES
from tests.factories.identity import token_for
from tests.factories.secondary import SALE_DAY, desk_order, make_secondary_world, receive
from tests.support.graphql_client import GraphQLClient


@contextmanager
def count_statements(connection: AsyncConnection) -> Iterator[list[str]]:
    """Record the SQL statements sent on the test's connection."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", record)


def _gid(kind: str, value: Any) -> str:
    return encode_global_id(kind, value)


async def test_the_desk_bills_collects_and_takes_a_return(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world = await make_secondary_world(session)
    p0, p1 = world.products
    await receive(session, world, p0, "SOON", 3, date(2026, 12, 1))
    await receive(session, world, p0, "LATE", 20, date(2027, 6, 1))
    await session.commit()
    admin = token_for(await session.get_one(User, world.admin.user_id), settings)
    desk = token_for(await session.get_one(User, world.desk.user_id), settings)
    retailer = _gid("Retailer", world.retailers[0].id)

    configured = await client.run(
        "ConfigureSecondary", {"input": {"shortfall": "SPLIT"}}, token=admin
    )
    assert configured["data"]["configureSecondary"]["settings"]["shortfall"] == "SPLIT"
    credit = await client.run(
        "SetRetailerCredit",
        {"input": {"retailerId": retailer, "creditLimit": "100000.00", "creditDays": 7}},
        token=desk,
    )
    assert credit["data"]["setRetailerCredit"]["credit"] == {
        "creditLimit": "100000.00",
        "creditDays": 7,
    }
    # a desk order of 5 units of SKU 0 and 2 of SKU 1 (no SKU 1 in stock: split)
    placed = (
        await client.run(
            "PlaceSecondaryOrder",
            {
                "input": {
                    "retailerId": retailer,
                    "orderDate": "2026-11-02",
                    "lines": [
                        {"productId": _gid("Product", p0.id), "quantity": 5},
                        {"productId": _gid("Product", p1.id), "quantity": 2},
                    ],
                }
            },
            token=desk,
        )
    )["data"]["placeSecondaryOrder"]
    assert placed["errors"] == []
    order = placed["order"]
    assert (order["status"], order["source"], order["total"]["amount"]) == (
        "OPEN",
        "DESK",
        "10989.00",
    )
    billed = (
        await client.run(
            "BillSecondaryOrder",
            {"input": {"orderId": order["id"], "issuedOn": "2026-11-02"}},
            token=desk,
        )
    )["data"]["billSecondaryOrder"]
    assert billed["errors"] == []
    doc = billed["document"]
    assert (doc["number"], doc["dueOn"], doc["total"]["amount"]) == (
        "SI202600001",
        "2026-11-09",
        "6105.00",
    )
    assert doc["order"]["status"] == "PARTLY_BILLED"
    [line] = doc["lines"]
    assert line["batches"] == [
        {"batch": "SOON", "expiresOn": "2026-12-01", "quantity": 3},
        {"batch": "LATE", "expiresOn": "2027-06-01", "quantity": 2},
    ]

    # billing again with nothing in stock for the backorder: a payload error, nothing changed
    async def documents() -> int:
        return int(await session.scalar(select(func.count()).select_from(SecondaryDocument)) or 0)

    before = (
        await documents(),
        await session.scalar(select(func.count()).select_from(JournalEntry)),
    )
    again = (
        await client.run(
            "BillSecondaryOrder",
            {"input": {"orderId": order["id"], "issuedOn": "2026-11-02"}},
            token=desk,
        )
    )["data"]["billSecondaryOrder"]
    assert again["document"] is None
    assert again["errors"][0]["code"] == "NOTHING_TO_BILL"
    after = (
        await documents(),
        await session.scalar(select(func.count()).select_from(JournalEntry)),
    )
    assert after == before
    # a phone sends the same collection twice: one collection
    collection_input = {
        "input": {
            "retailerId": retailer,
            "method": "CASH",
            "amount": "5000.00",
            "receivedOn": "2026-11-04",
            "idempotencyKey": "phone-a-1",
        }
    }
    first = (await client.run("RecordRetailerCollection", collection_input, token=desk))["data"]
    second = (await client.run("RecordRetailerCollection", collection_input, token=desk))["data"]
    assert first == second
    assert first["recordRetailerCollection"]["collection"]["unallocated"]["amount"] == "0.00"
    # a return of 1 unit of SOON as the wrong item
    returned = (
        await client.run(
            "RecordSalesReturn",
            {
                "input": {
                    "invoiceId": doc["id"],
                    "reason": "WRONG_ITEM",
                    "returnedOn": "2026-11-05",
                    "lines": [{"lineId": line["lineId"], "batch": "SOON", "quantity": 1}],
                }
            },
            token=desk,
        )
    )["data"]["recordSalesReturn"]
    assert returned["errors"] == []
    assert (returned["document"]["number"], returned["document"]["total"]["amount"]) == (
        "SR202600001",
        "1221.00",
    )
    # an over-return is refused with the line's path
    over = (
        await client.run(
            "RecordSalesReturn",
            {
                "input": {
                    "invoiceId": doc["id"],
                    "reason": "DAMAGED",
                    "returnedOn": "2026-11-05",
                    "lines": [{"lineId": line["lineId"], "batch": "SOON", "quantity": 3}],
                }
            },
            token=desk,
        )
    )["data"]["recordSalesReturn"]
    assert [(e["code"], e["field"]) for e in over["errors"]] == [
        ("RETURN_NOT_ALLOWED", "input.lines[0].quantity")
    ]
    # the lists and the statement
    orders = (await client.run("SecondaryOrders", {"first": 10}, token=desk))["data"]
    assert orders["secondaryOrders"]["totalCount"] == 1
    docs = (await client.run("SecondaryDocuments", {"first": 1}, token=desk))["data"]
    page = docs["secondaryDocuments"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"] is True
    assert page["edges"][0]["node"]["number"] == "SI202600001"
    rest = (
        await client.run(
            "SecondaryDocuments",
            {"first": 5, "after": page["pageInfo"]["endCursor"]},
            token=desk,
        )
    )["data"]["secondaryDocuments"]
    assert [e["node"]["number"] for e in rest["edges"]] == ["SR202600001"]
    soa = (
        await client.run(
            "RetailerStatement",
            {"retailerId": retailer, "from": "2026-11-01", "to": "2026-11-30"},
            token=desk,
        )
    )["data"]["retailerStatement"]
    assert [ln["memo"] for ln in soa["lines"]] == [
        "INVOICE SI202600001",
        "collection CASH",
        "CREDIT_NOTE SR202600001",
    ]
    # 6,105.00 − 5,000.00 − 1,221.00: 116.00 in the retailer's favour
    assert soa["closingBalance"]["amount"] == "-116.00"
    assert soa["lines"][0]["sourceId"] == doc["id"]


async def test_document_pages_take_the_same_statements_whatever_their_size(
    session: AsyncSession, client: GraphQLClient, settings: Settings, connection: AsyncConnection
) -> None:
    # given six invoices with lines, batches and schemes to resolve
    world = await make_secondary_world(session)
    await receive(session, world, world.products[0], "B1", 100, None)
    await receive(session, world, world.products[1], "B1", 100, None)
    for n in range(6):
        order = await desk_order(session, world, [1 + n, 2], retailer=n % 2)
        await bill_order(
            session, principal=world.desk, order_id=order.id, issued_on=SALE_DAY, schemes=NO_SCHEMES
        )
    await session.commit()
    token = token_for(await session.get_one(User, world.desk.user_id), settings)
    counts = {}
    for first in (2, 6):
        with count_statements(connection) as statements:
            body = await client.run("SecondaryDocuments", {"first": first}, token=token)
        assert len(body["data"]["secondaryDocuments"]["edges"]) == first
        counts[first] = len([s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))])
    # then relation fields go through DataLoaders: the count does not grow with the page
    assert counts[2] == counts[6]
