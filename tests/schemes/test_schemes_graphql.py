"""Schemes over GraphQL: define, run, see what applies to a retailer, quote a cart with nudges."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.identity.models import User
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from tests.factories.identity import token_for
from tests.factories.schemes import make_scheme_world
from tests.support.graphql_client import GraphQLClient

TODAY = date.today()


def gid(type_name: str, row: Any) -> str:
    return encode_global_id(type_name, row.id)


async def test_define_run_and_quote_over_graphql(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    # given a priced world and tokens
    w = await make_scheme_world(session)
    await session.commit()
    admin, manager, rep = [
        token_for(await session.get_one(User, p.user_id), settings)
        for p in (w.admin, w.manager, w.rep)
    ]
    a, b, c = (w.products[k] for k in "ABC")
    window = {
        "validFrom": (TODAY - timedelta(days=1)).isoformat(),
        "validTo": (TODAY + timedelta(days=30)).isoformat(),
    }
    slabs = {
        "code": "NOODLE-SLAB",
        "name": "Noodle value slabs",
        "flow": "SECONDARY",
        "kind": "VALUE_SLABS",
        "categories": ["Noodles"],
        "slabs": [
            {"threshold": "10000.00", "percent": "2"},
            {"threshold": "20000.00", "percent": "5"},
        ],
        "budget": "500000.00",
        **window,
    }

    async def create(token: str, data: dict[str, Any]) -> dict[str, Any]:
        body = await client.run("CreateScheme", {"input": data}, token=token)
        return body["data"]["createScheme"]

    # when the definition is wrong, every error comes back coded with its field
    bad = await create(
        admin,
        {
            **slabs,
            "slabs": [{"threshold": "20000", "percent": "5"}, {"threshold": "100", "percent": "4"}],
        },
    )
    assert bad["scheme"] is None
    assert {(e["code"], e["field"]) for e in bad["errors"]} == {
        ("SLABS_NOT_ASCENDING", "input.slabs[1].threshold"),
        ("SLAB_PERCENT_DECREASES", "input.slabs[1].percent"),
    }
    # and a rep may not define schemes, a manager only inside its area
    assert (await create(rep, slabs))["errors"][0]["code"] == "FORBIDDEN"
    other_area = {**slabs, "territoryIds": [gid("Territory", w.hierarchy.areas[1])]}
    assert [(e["code"], e["field"]) for e in (await create(manager, other_area))["errors"]] == [
        ("FORBIDDEN", "input.territoryIds[0]")
    ]

    # when HQ defines two schemes and activates them
    made = (await create(admin, {**slabs, "idempotencyKey": "slab-1"}))["scheme"]
    again = (await create(admin, {**slabs, "idempotencyKey": "slab-1"}))["scheme"]
    assert again["id"] == made["id"]
    assert (made["status"], made["slabs"], made["budgetLeft"]) == (
        "DRAFT",
        [
            {"threshold": "10000.00", "percent": "2"},
            {"threshold": "20000.00", "percent": "5"},
        ],
        {"amount": "500000.00", "currency": "IDR"},
    )
    free = (
        await create(
            admin,
            {
                "code": "A10-C1",
                "name": "Buy 10 A, get 1 C",
                "flow": "SECONDARY",
                "kind": "BUY_X_GET_Y",
                "productIds": [gid("Product", a)],
                "buyQuantity": 10,
                "freeQuantity": 1,
                "freeProductId": gid("Product", c),
                "channels": ["GT"],
                **window,
            },
        )
    )["scheme"]
    assert free["freeProduct"]["sku"] == c.sku and free["channels"] == ["GT"]
    for scheme in (made, free):
        body = await client.run(
            "ActivateScheme", {"input": {"schemeId": scheme["id"]}}, token=admin
        )
        assert body["data"]["activateScheme"]["scheme"]["status"] == "ACTIVE"

    # then the GT retailer sees both schemes today, the MT one only the slabs
    def for_retailer(n: int) -> dict[str, Any]:
        return {"retailerId": gid("Retailer", w.retailers[n]), "on": TODAY.isoformat()}

    seen = (await client.run("SchemesForRetailer", for_retailer(0), token=rep))["data"]
    assert [s["code"] for s in seen["schemesForRetailer"]] == ["A10-C1", "NOODLE-SLAB"]
    seen_mt = (await client.run("SchemesForRetailer", for_retailer(1), token=admin))["data"]
    assert [s["code"] for s in seen_mt["schemesForRetailer"]] == ["NOODLE-SLAB"]

    # and a cart of 12 A (1,100.00) and 3 B (2,200.00) reaches the 2% slab and one free C
    quote_input = {
        "input": {
            **for_retailer(0),
            "lines": [
                {"productId": gid("Product", a), "quantity": 12},
                {"productId": gid("Product", b), "quantity": 3},
            ],
        }
    }
    quote = (await client.run("QuoteCart", quote_input, token=rep))["data"]["quoteCart"]
    assert (quote["gross"]["amount"], quote["discount"]["amount"], quote["net"]["amount"]) == (
        "19800.00",
        "396.00",
        "19404.00",
    )
    assert [(ln["sku"], ln["discount"]["amount"]) for ln in quote["lines"]] == [
        (a.sku, "264.00"),
        (b.sku, "132.00"),
    ]
    assert [
        (x["schemeCode"], x["amount"]["amount"], x["note"]) for x in quote["lines"][0]["applied"]
    ] == [
        ("A10-C1", "0", f"buy 10 get 1 {c.sku} free"),
        ("NOODLE-SLAB", "264.00", "2% off for 10000.00 in value or more"),
    ]
    assert [
        (f["sku"], f["quantity"], f["schemeCode"], f["value"], f["product"]["sku"])
        for f in quote["freeItems"]
    ] == [(c.sku, 1, "A10-C1", None, c.sku)]
    # and it says how far the next steps are: 200.00 to 5%, 8 A to one more free C
    assert quote["nudges"] == [
        {
            "schemeCode": "A10-C1",
            "schemeName": "Buy 10 A, get 1 C",
            "missingQuantity": 8,
            "missingValue": None,
            "reward": "1 more free",
        },
        {
            "schemeCode": "NOODLE-SLAB",
            "schemeName": "Noodle value slabs",
            "missingQuantity": None,
            "missingValue": {"amount": "200.00", "currency": "IDR"},
            "reward": "5% off",
        },
    ]

    # when the slab scheme is paused, it stops applying and cannot be edited while active
    paused = await client.run("PauseScheme", {"input": {"schemeId": made["id"]}}, token=admin)
    assert paused["data"]["pauseScheme"]["scheme"]["status"] == "PAUSED"
    seen = (await client.run("SchemesForRetailer", for_retailer(0), token=rep))["data"]
    assert [s["code"] for s in seen["schemesForRetailer"]] == ["A10-C1"]
    changed = await client.run(
        "UpdateScheme",
        {"input": {**slabs, "schemeId": made["id"], "budget": "600000.00"}},
        token=admin,
    )
    assert changed["data"]["updateScheme"]["scheme"]["budget"]["amount"] == "600000.00"
    ended = await client.run("EndScheme", {"input": {"schemeId": made["id"]}}, token=admin)
    assert ended["data"]["endScheme"]["scheme"]["status"] == "ENDED"
    refused = await client.run("ActivateScheme", {"input": {"schemeId": made["id"]}}, token=admin)
    assert refused["data"]["activateScheme"]["errors"][0]["code"] == "INVALID_SCHEME_STATE"

    # and the list shows both, by code
    listed = (await client.run("Schemes", {"first": 10, "flow": "SECONDARY"}, token=rep))["data"]
    assert [e["node"]["code"] for e in listed["schemes"]["edges"]] == ["A10-C1", "NOODLE-SLAB"]
    assert listed["schemes"]["totalCount"] == 2
