"""Sell-out feeds: the CSV upload and the recordOfftake mutation — row errors, idempotency, scope."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.identity.models import Role
from backend.kit.db import set_tenant
from backend.kit.settings import Settings
from backend.offtake.models import OfftakeImport, SellOutLine
from tests.factories.catalog import make_product
from tests.factories.scenarios import TenantWorld, make_tenant_world
from tests.support.graphql_client import GraphQLClient


async def upload(
    client: GraphQLClient,
    body: bytes | str,
    token: str | None,
    *,
    feed: str = "ALFA-DAILY",
    file_name: str = "week47.csv",
    key: str | None = None,
    content_type: str = "text/csv",
) -> httpx.Response:
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    return await client.http.post(
        "/offtake/upload",
        params={"feed": feed, "fileName": file_name},
        content=body.encode() if isinstance(body, str) else body,
        headers=headers,
    )


async def stored(session: AsyncSession, tenant_id: Any) -> tuple[int, int]:
    """(rows, units) of sell-out stored for the tenant."""
    await set_tenant(session, tenant_id)
    count, units = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(SellOutLine.quantity), 0))
        )
    ).one()
    return int(count), int(units)


def mixed_file(world: TenantWorld, sku2: str) -> str:
    r0, r1 = world.retailers[0].code, world.retailers[1].code
    sku = world.product.sku
    return "\n".join(
        [
            "Retailer Code,SKU,Date,Quantity,Value,Currency,External ID,Store Name",
            f"{r0},{sku},2026-11-02,12,30000.00,IDR,,Alfa 1",  # row 2 ok
            f"{r0},{sku2},2026-11-02,5,,,,Alfa 1",  # row 3 ok (no value)
            f"{r1},{sku},02/11/2026,4,,,,Alfa 2",  # row 4 bad date
            f"NOPE-1,{sku},2026-11-02,4,,,,?",  # row 5 unknown retailer
            f"{r1},NO-SKU,2026-11-02,-3,,,,Alfa 2",  # row 6 bad quantity (and unknown SKU later)
            f"{r1},{sku},2026-11-03,7,12.345,IDR,,Alfa 2",  # row 7 value with 3 decimals
            f"{r1},{sku},2026-11-04,7,100.00,USD,,Alfa 2",  # row 8 currency mismatch
            f"{r1},{sku},2026-11-05,7",  # row 9 wrong field count
            "",  # a blank line is skipped (row 10)
            f"{r0},{sku},2026-11-02,99,,,,Alfa 1",  # row 11 same key as row 2
            f"{r1},{sku},2099-01-01,1,,,,Alfa 2",  # row 12 in the future
            f"{r1},{sku},2026-11-06,3,9000,,L-77,Alfa 2",  # row 13 ok, external id, currency implied
        ]
    )


async def test_a_mixed_file_keeps_good_rows_and_reports_bad_ones_by_row_and_column(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world = await make_tenant_world(session, settings)
    sku2 = (await make_product(session, world.tenant, sku="SKU-OFT-2")).sku
    response = await upload(client, mixed_file(world, sku2), world.tokens[Role.ADMIN])
    assert response.status_code == 201, response.text
    body = response.json()
    assert {k: body["import"][k] for k in ("feed", "fileName", "source")} == {
        "feed": "ALFA-DAILY",
        "fileName": "week47.csv",
        "source": "CSV",
    }
    counts = [
        body["import"][k] for k in ("rowsTotal", "rowsAccepted", "rowsDuplicate", "rowsRejected")
    ]
    assert counts == [11, 3, 0, 8]
    assert body["replayed"] is False and body["rejectionsTruncated"] is False
    got = [(r["row"], r["column"], r["code"]) for r in body["rejections"]]
    assert got == [
        (4, "date", "INVALID_DATE"),
        (5, "retailer_code", "UNKNOWN_RETAILER"),
        (6, "quantity", "INVALID_QUANTITY"),
        (7, "value", "INVALID_VALUE"),
        (8, "currency", "CURRENCY_MISMATCH"),
        (9, None, "WRONG_FIELD_COUNT"),
        (11, None, "DUPLICATE_IN_FILE"),
        (12, "date", "DATE_IN_FUTURE"),
    ]
    assert body["rejections"][0]["value"] == "02/11/2026"
    assert body["rejections"][6]["message"] == "row 2 already reports this retailer, SKU and date"
    assert await stored(session, world.tenant.id) == (3, 12 + 5 + 3)
    values = (
        await session.execute(
            select(SellOutLine.external_id, SellOutLine.value, SellOutLine.currency).order_by(
                SellOutLine.quantity
            )
        )
    ).all()
    assert [(e, str(v) if v is not None else None, c) for e, v, c in values] == [
        ("L-77", "9000.00", "IDR"),
        (None, None, None),
        (None, "30000.00", "IDR"),
    ]


async def test_re_uploading_a_file_counts_nothing_twice_and_a_key_replays_the_first_result(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world = await make_tenant_world(session, settings)
    sku2 = (await make_product(session, world.tenant, sku="SKU-OFT-3")).sku
    token = world.tokens[Role.ADMIN]
    first = (await upload(client, mixed_file(world, sku2), token, key="wk47")).json()
    # the same file again with the same key: the first import, nothing new
    again = await upload(client, mixed_file(world, sku2), token, key="wk47")
    assert again.status_code == 200
    assert again.json()["replayed"] is True
    assert again.json()["import"] == first["import"]
    # the same file without a key: a new import record, every good row a duplicate
    resent = (await upload(client, mixed_file(world, sku2), token)).json()
    assert resent["import"]["id"] != first["import"]["id"]
    assert [resent["import"][k] for k in ("rowsAccepted", "rowsDuplicate", "rowsRejected")] == [
        0,
        3,
        8,
    ]
    assert await stored(session, world.tenant.id) == (3, 20)
    # the same key with another file is refused, nothing stored
    other = await upload(client, mixed_file(world, sku2) + "\n", token, key="wk47")
    assert other.status_code == 409
    assert other.json()["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    # a corrected figure for a stored key is rejected as a conflict, not silently dropped
    r0, sku = world.retailers[0].code, world.product.sku
    fixed = f"retailer_code,sku,date,quantity\n{r0},{sku},2026-11-02,15\n{r0},{sku},2026-11-09,1\n"
    result = (await upload(client, fixed, token)).json()
    assert [result["import"][k] for k in ("rowsAccepted", "rowsDuplicate", "rowsRejected")] == [
        1,
        0,
        1,
    ]
    assert [(r["row"], r["column"], r["code"]) for r in result["rejections"]] == [
        (2, "quantity", "CONFLICTS_WITH_EARLIER_IMPORT")
    ]
    assert "(12 units, value 30000.00)" in result["rejections"][0]["message"]
    # the same rows under another feed are that feed's rows
    other_feed = (await upload(client, fixed, token, feed="INDO-WEEKLY")).json()
    assert other_feed["import"]["rowsAccepted"] == 2
    assert await stored(session, world.tenant.id) == (6, 20 + 1 + 16)


async def test_a_file_that_cannot_be_read_stores_nothing(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world = await make_tenant_world(session, settings)
    token = world.tokens[Role.ADMIN]
    r0, sku = world.retailers[0].code, world.product.sku
    missing = await upload(client, f"retailer_code,date,quantity\n{r0},2026-11-02,1\n", token)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["code"] == "FEED_REFUSED"
    assert missing.json()["errors"][0]["missingColumns"] == ["sku"]
    latin1 = f"retailer_code,sku,date,quantity\n{r0},{sku},2026-11-02,1\n".encode() + b"caf\xe9\n"
    broken = await upload(client, latin1, token)
    assert broken.status_code == 422 and "not utf-8 text" in broken.json()["errors"][0]["message"]
    empty = await upload(client, "", token)
    assert empty.status_code == 422
    header_only = await upload(client, "retailer_code,sku,date,quantity\n", token)
    assert header_only.status_code == 422
    bad_feed = await upload(
        client, f"retailer_code,sku,date,quantity\n{r0},{sku},2026-11-02,1", token, feed="a b"
    )
    assert bad_feed.status_code == 422 and bad_feed.json()["errors"][0]["field"] == "feed"
    wrong_type = await upload(client, "{}", token, content_type="application/json")
    assert wrong_type.status_code == 415
    assert await stored(session, world.tenant.id) == (0, 0)
    assert (await session.execute(select(func.count()).select_from(OfftakeImport))).scalar() == 0


async def test_upload_needs_a_valid_token_and_a_role_that_reports_sell_out(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world = await make_tenant_world(session, settings)
    csv = f"retailer_code,sku,date,quantity\n{world.retailers[0].code},{world.product.sku},2026-11-02,1\n"
    assert (await upload(client, csv, None)).status_code == 401
    assert (await upload(client, csv, "forged.token.value")).status_code == 401
    refused = await upload(client, csv, world.tokens[Role.REP])
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "FORBIDDEN"
    assert await stored(session, world.tenant.id) == (0, 0)


async def test_tenants_and_distributors_report_only_their_own_retailers(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    mine = await make_tenant_world(session, settings)
    other = await make_tenant_world(session, settings)
    sku = mine.product.sku
    rows = [
        f"{mine.retailers[0].code},{sku},2026-11-02,2",  # distributor 0's outlet
        f"{mine.retailers[2].code},{sku},2026-11-02,3",  # distributor 1's outlet
        f"{other.retailers[0].code},{sku},2026-11-02,4",  # another tenant's outlet
        f"{mine.retailers[1].code},{other.product.sku},2026-11-02,5",  # another tenant's SKU
    ]
    csv = "retailer_code,sku,date,quantity\n" + "\n".join(rows)
    result = (await upload(client, csv, mine.tokens[Role.DISTRIBUTOR])).json()
    assert result["import"]["rowsAccepted"] == 1
    assert [(r["row"], r["code"]) for r in result["rejections"]] == [
        (3, "UNKNOWN_RETAILER"),
        (4, "UNKNOWN_RETAILER"),
        (5, "UNKNOWN_SKU"),
    ]
    assert await stored(session, mine.tenant.id) == (1, 2)
    assert await stored(session, other.tenant.id) == (0, 0)
    # the other tenant's admin sees none of these imports, even by id
    seen = await client.run(
        "OfftakeImports", {"first": 10, "rejections": 5}, token=other.tokens[Role.ADMIN]
    )
    assert seen["data"]["offtakeImports"]["totalCount"] == 0
    node = await client.run("Node", {"id": result["import"]["id"]}, token=other.tokens[Role.ADMIN])
    assert node["data"]["node"] is None
    # the uploader's tenant admin sees it with its rejections, paged
    page = await client.run(
        "OfftakeImports", {"first": 10, "rejections": 2}, token=mine.tokens[Role.ADMIN]
    )
    imports = page["data"]["offtakeImports"]["edges"]
    assert len(imports) == 1
    rejections = imports[0]["node"]["rejections"]
    assert rejections["totalCount"] == 3 and rejections["pageInfo"]["hasNextPage"] is True
    rest = await client.run(
        "OfftakeImports",
        {"first": 10, "rejections": 2, "rejectionsAfter": rejections["pageInfo"]["endCursor"]},
        token=mine.tokens[Role.ADMIN],
    )
    tail = rest["data"]["offtakeImports"]["edges"][0]["node"]["rejections"]["edges"]
    assert [e["node"]["row"] for e in tail] == [5]


async def test_record_offtake_mutation_reports_rows_by_position_and_is_idempotent(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world = await make_tenant_world(session, settings)
    token = world.tokens[Role.MANAGER]
    r0, r2, sku = world.retailers[0].code, world.retailers[2].code, world.product.sku
    variables: dict[str, Any] = {
        "input": {
            "feed": "HYPER-API",
            "idempotencyKey": "hyper-2026-11-10",
            "rows": [
                {"retailerCode": r0, "sku": sku, "date": "2026-11-10", "quantity": 8},
                {"retailerCode": r0, "sku": sku, "date": "2026-11-11", "quantity": 0},
                {"retailerCode": r2, "sku": sku, "date": "2026-11-10", "quantity": 1},
                {
                    "retailerCode": r0,
                    "sku": sku,
                    "date": "2026-11-12",
                    "quantity": 2,
                    "value": "5000.5",
                    "externalId": "X1",
                },
                {"retailerCode": "", "sku": sku, "date": "2026-11-12", "quantity": 2},
            ],
        }
    }
    first = (await client.run("RecordOfftake", variables, token=token))["data"]["recordOfftake"]
    assert first["errors"] == [] and first["replayed"] is False
    made = first["import"]
    assert [made[k] for k in ("source", "rowsTotal", "rowsAccepted", "rowsRejected")] == [
        "API",
        5,
        2,
        3,
    ]
    assert [
        (e["node"]["row"], e["node"]["column"], e["node"]["code"])
        for e in made["rejections"]["edges"]
    ] == [
        (2, "quantity", "INVALID_QUANTITY"),
        (3, "retailerCode", "UNKNOWN_RETAILER"),  # outside the manager's area
        (5, "retailerCode", "MISSING_VALUE"),
    ]
    again = (await client.run("RecordOfftake", variables, token=token))["data"]["recordOfftake"]
    assert again["replayed"] is True and again["import"]["id"] == made["id"]
    assert await stored(session, world.tenant.id) == (2, 10)
    # too many rows: refused whole, nothing stored
    too_many = {
        "input": {
            "feed": "HYPER-API",
            "rows": [variables["input"]["rows"][0]] * 10_001,
        }
    }
    refused = (await client.run("RecordOfftake", too_many, token=token))["data"]["recordOfftake"]
    assert refused["import"] is None and refused["errors"][0]["field"] == "input.rows"
    assert await stored(session, world.tenant.id) == (2, 10)


async def test_the_answer_lists_the_first_thousand_rejections_and_says_so(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world = await make_tenant_world(session, settings)
    r0, sku = world.retailers[0].code, world.product.sku
    bad = [f"{r0},{sku},2026-11-{1 + n % 20:02d},lots" for n in range(1_100)]
    csv = "retailer_code,sku,date,quantity\n" + "\n".join([*bad, f"{r0},{sku},2026-11-02,4"])
    body = (await upload(client, csv, world.tokens[Role.ADMIN])).json()
    assert [body["import"][k] for k in ("rowsTotal", "rowsAccepted", "rowsRejected")] == [
        1_101,
        1,
        1_100,
    ]
    assert body["rejectionsTruncated"] is True and len(body["rejections"]) == 1_000
    assert [r["row"] for r in body["rejections"][:3]] == [2, 3, 4]
    assert body["rejections"][-1]["row"] == 1_001
    page = await client.run(
        "OfftakeImports", {"first": 1, "rejections": 1}, token=world.tokens[Role.ADMIN]
    )
    node = page["data"]["offtakeImports"]["edges"][0]["node"]
    assert node["rejections"]["totalCount"] == 1_100


async def test_amounts_are_read_exactly(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world = await make_tenant_world(session, settings)
    r0, sku = world.retailers[0].code, world.product.sku
    amounts = ["12", "12.5", "12.50", "1E+3", "12.500", "0", '"1,200.00"', "-5", "12.345", "abc"]
    lines = [f"{r0},{sku},2026-11-{n + 1:02d},1,{a}" for n, a in enumerate(amounts)]
    csv = "retailer_code,sku,date,quantity,value\n" + "\n".join(lines)
    body = (await upload(client, csv, world.tokens[Role.ADMIN])).json()
    assert [(r["row"], r["code"], r["value"]) for r in body["rejections"]] == [
        (8, "INVALID_VALUE", "1,200.00"),
        (9, "INVALID_VALUE", "-5"),
        (10, "INVALID_VALUE", "12.345"),
        (11, "INVALID_VALUE", "abc"),
    ]
    await set_tenant(session, world.tenant.id)
    stored_values = (
        await session.execute(select(SellOutLine.value).order_by(SellOutLine.sold_on))
    ).scalars()
    assert [str(v) for v in stored_values] == [
        "12.00",
        "12.50",
        "12.50",
        "1000.00",
        "12.50",
        "0.00",
    ]


async def test_semicolon_files_and_declared_charsets_are_read(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world = await make_tenant_world(session, settings)
    token = world.tokens[Role.ADMIN]
    r0, sku = world.retailers[0].code, world.product.sku
    semicolons = f"retailer_code;sku;date;quantity;value\n{r0};{sku};2026-11-02;4;12500,50\n"
    body = (await upload(client, semicolons, token)).json()
    assert [(r["row"], r["column"], r["code"]) for r in body["rejections"]] == [
        (2, "value", "INVALID_VALUE")  # a decimal comma is not read as a value
    ]
    cp1252 = f"retailer_code,sku,date,quantity,external_id\n{r0},{sku},2026-11-03,2,Caf\u00e9-1\n"
    declared = await upload(
        client, cp1252.encode("cp1252"), token, content_type="text/csv; charset=windows-1252"
    )
    assert declared.status_code == 201 and declared.json()["import"]["rowsAccepted"] == 1
    await set_tenant(session, world.tenant.id)
    stored_ids = (await session.execute(select(SellOutLine.external_id))).scalars().all()
    assert stored_ids == ["Caf\u00e9-1"]
    unknown = await upload(client, cp1252, token, content_type="text/csv; charset=klingon")
    assert unknown.status_code == 415
