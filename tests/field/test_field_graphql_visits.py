"""Online check-in/out through the graph, the tenant's geofence rules, rep and PJP listings."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from backend.identity.models import Role
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from tests.factories.catalog import make_product
from tests.factories.field import make_beat, make_pjp_entry, make_rep
from tests.factories.identity import make_tenant, make_user, token_for
from tests.factories.parties import make_distributor, make_retailer
from tests.factories.territories import make_hierarchy
from tests.support.graphql_client import GraphQLClient

FAR = {"latitude": -6.2, "longitude": 106.852}  # about 220 m east of the shop
NEAR = {"latitude": -6.2, "longitude": 106.8501}  # about 11 m


def _data(body: dict[str, Any]) -> Any:
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def test_check_in_follows_the_tenant_rules_and_check_out_closes_the_visit(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    tenant = await make_tenant(session)
    tree = await make_hierarchy(session, tenant)
    leaf = tree.territories[0]
    retailer = await make_retailer(
        session, tenant, leaf, await make_distributor(session, tenant, leaf), code="SHOP"
    )
    admin = await make_user(session, tenant, role=Role.ADMIN)
    product = await make_product(session, tenant)
    rep_user = await make_user(session, tenant, role=Role.REP, territory_id=leaf.id)
    await make_rep(session, tenant, rep_user)
    await session.commit()
    admin_token, rep_token = token_for(admin, settings), token_for(rep_user, settings)
    retailer_id = encode_global_id("Retailer", retailer.id)

    def check_in(position: dict[str, float], visit_id: str) -> dict[str, Any]:
        return {
            "input": {
                "visitId": visit_id,
                "retailerId": retailer_id,
                "position": position,
                "accuracyM": 8.0,
                "at": "2026-11-23T00:30:00+00:00",
            }
        }

    rules = _data(
        await client.run(
            "SetFieldSettings",
            {"input": {"geofenceRadiusM": 50, "outsideGeofence": "REFUSE"}},
            token=admin_token,
        )
    )
    refused = _data(
        await client.run("CheckInVisit", check_in(FAR, str(uuid.uuid4())), token=rep_token)
    )
    visit_id = str(uuid.uuid4())
    accepted = _data(await client.run("CheckInVisit", check_in(NEAR, visit_id), token=rep_token))
    retried = _data(await client.run("CheckInVisit", check_in(NEAR, visit_id), token=rep_token))
    closed = _data(
        await client.run(
            "CheckOutVisit",
            {
                "input": {
                    "visitId": visit_id,
                    "at": "2026-11-23T00:41:00+00:00",
                    "outcome": "NO_ORDER",
                    "noOrderReason": "SHOP_CLOSED",
                    "photoRefs": ["s3://p/1.jpg"],
                }
            },
            token=rep_token,
        )
    )
    visits = _data(
        await client.run(
            "Visits", {"first": 5, "since": "2026-11-23", "until": "2026-11-23"}, token=rep_token
        )
    )

    assert rules["settings"] == {"geofenceRadiusM": 50.0, "outsideGeofence": "REFUSE"}
    assert refused["visit"] is None
    assert [e["code"] for e in refused["errors"]] == ["OUTSIDE_GEOFENCE"]
    assert accepted["visit"]["geofence"] == "INSIDE"
    # 00:30 UTC is 07:30 in Jakarta; the shop opens at 08:00.
    assert accepted["visit"]["outsideOpeningHours"] is True
    assert accepted["visit"]["visitDate"] == "2026-11-23"
    assert retried["visit"]["id"] == accepted["visit"]["id"]
    assert closed["visit"] == {
        "id": accepted["visit"]["id"],
        "outcome": "NO_ORDER",
        "noOrderReason": "SHOP_CLOSED",
        "durationSeconds": 660,
        "photoRefs": ["s3://p/1.jpg"],
    }
    assert visits["totalCount"] == 1

    second = str(uuid.uuid4())
    _data(await client.run("CheckInVisit", check_in(NEAR, second), token=rep_token))
    order = {
        "orderId": str(uuid.uuid4()),
        "visitId": second,
        "at": "2026-11-23T00:50:00+00:00",
        "lines": [{"productId": encode_global_id("Product", product.id), "quantity": 12}],
    }
    captured = _data(await client.run("CaptureVisitOrder", {"input": order}, token=rep_token))
    again = _data(await client.run("CaptureVisitOrder", {"input": order}, token=rep_token))
    productive = _data(
        await client.run(
            "CheckOutVisit",
            {
                "input": {
                    "visitId": second,
                    "at": "2026-11-23T00:55:00+00:00",
                    "outcome": "PRODUCTIVE",
                }
            },
            token=rep_token,
        )
    )

    assert captured["order"]["lines"] == [{"quantity": 12, "product": {"sku": product.sku}}]
    # the SKU has no retailer price in force: the order waits for the distributor's desk
    assert (captured["order"]["status"], captured["order"]["secondaryOrderId"]) == (
        "CAPTURED",
        None,
    )
    assert again["order"]["id"] == captured["order"]["id"]
    assert productive["visit"]["outcome"] == "PRODUCTIVE"


async def test_managers_see_their_subtree_reps_and_pjp_history(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    tenant = await make_tenant(session)
    tree = await make_hierarchy(session, tenant)
    manager = await make_user(session, tenant, role=Role.MANAGER, territory_id=tree.areas[0].id)
    mine = await make_user(session, tenant, role=Role.REP, territory_id=tree.territories[1].id)
    theirs = await make_user(session, tenant, role=Role.REP, territory_id=tree.territories[2].id)
    rep = await make_rep(session, tenant, mine)
    await make_rep(session, tenant, theirs)
    shop = await make_retailer(
        session,
        tenant,
        tree.territories[1],
        await make_distributor(session, tenant, tree.territories[1]),
    )
    beat = await make_beat(session, tenant, rep, [shop])
    await make_pjp_entry(session, tenant, rep, beat, weekday=2)
    await session.commit()
    manager_token, rep_token = token_for(manager, settings), token_for(mine, settings)
    rep_id = encode_global_id("Rep", rep.id)
    start = datetime.now(ZoneInfo("Asia/Jakarta")).date() + timedelta(days=7)

    reps = _data(await client.run("Reps", {"first": 10}, token=manager_token))
    own = _data(await client.run("MyRep", token=rep_token))
    lines = _data(await client.run("PjpLines", {"repId": rep_id, "first": 10}, token=rep_token))
    proposal = _data(
        await client.run(
            "ProposePjpChange",
            {
                "input": {
                    "repId": rep_id,
                    "effectiveFrom": start.isoformat(),
                    "lines": [
                        {
                            "beatId": encode_global_id("Beat", beat.id),
                            "weekday": 4,
                            "frequency": "MONTHLY",
                            "weekOfMonth": 2,
                        }
                    ],
                }
            },
            token=manager_token,
        )
    )
    pending = _data(
        await client.run("PjpChanges", {"first": 10, "status": "PROPOSED"}, token=manager_token)
    )
    await client.run(
        "DecidePjpChange",
        {"input": {"id": proposal["change"]["id"], "approve": True}},
        token=manager_token,
    )
    history = _data(
        await client.run("PjpLines", {"repId": rep_id, "first": 10}, token=manager_token)
    )
    current = _data(
        await client.run(
            "PjpLines",
            {"repId": rep_id, "first": 10, "validOn": (start + timedelta(days=1)).isoformat()},
            token=manager_token,
        )
    )

    assert [e["node"]["user"]["username"] for e in reps["edges"]] == [mine.username]
    assert own["id"] == rep_id
    assert lines["totalCount"] == 1
    assert pending["totalCount"] == 1
    assert sorted(
        (e["node"]["weekday"], e["node"]["validFrom"], e["node"]["validTo"])
        for e in history["edges"]
    ) == [
        (2, "2026-01-01", (start - timedelta(days=1)).isoformat()),
        (4, start.isoformat(), None),
    ]
    assert [(e["node"]["frequency"], e["node"]["weekOfMonth"]) for e in current["edges"]] == [
        ("MONTHLY", 2)
    ]
