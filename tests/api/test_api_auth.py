"""Bearer tokens: missing, expired, forged or stale ones are refused; each role sees its scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.tokens import issue_token
from backend.identity.models import Role, User
from backend.kit.db import set_tenant
from backend.kit.settings import Settings
from tests.factories.scenarios import TenantWorld, make_tenant_world
from tests.support.graphql_client import GraphQLClient


@pytest.fixture
async def world(session: AsyncSession, settings: Settings) -> TenantWorld:
    built = await make_tenant_world(session, settings)
    await make_tenant_world(session, settings)  # a neighbour whose rows must never show
    await session.commit()
    return built


def _codes(body: dict[str, object]) -> list[str]:
    return [e["extensions"]["code"] for e in body["errors"]]  # type: ignore[attr-defined]


async def test_a_request_without_a_token_is_unauthenticated(
    world: TenantWorld, client: GraphQLClient
) -> None:
    assert _codes(await client.run("Me")) == ["UNAUTHENTICATED"]


async def test_an_expired_token_is_refused(
    world: TenantWorld, client: GraphQLClient, settings: Settings
) -> None:
    user = world.users[Role.ADMIN]
    expired = issue_token(
        secret=settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        tenant_id=user.tenant_id,
        user_id=user.id,
        role=user.role,
        ttl=timedelta(minutes=5),
        now=datetime.now(UTC) - timedelta(hours=1),
    )

    body = await client.run("Me", token=expired)

    assert _codes(body) == ["UNAUTHENTICATED"]
    assert body["errors"][0]["message"] == "token expired"


async def test_a_forged_token_is_refused(
    world: TenantWorld, client: GraphQLClient, settings: Settings
) -> None:
    user = world.users[Role.ADMIN]
    forged = issue_token(
        secret="not-the-server-secret-but-long-enough-1234",
        issuer=settings.jwt_issuer,
        tenant_id=user.tenant_id,
        user_id=user.id,
        role=user.role,
        ttl=timedelta(hours=1),
    )
    unsigned = "eyJhbGciOiJub25lIn0." + jwt.utils.base64url_encode(b"{}").decode() + "."

    assert _codes(await client.run("Me", token=forged)) == ["UNAUTHENTICATED"]
    assert _codes(await client.run("Me", token=unsigned)) == ["UNAUTHENTICATED"]
    assert _codes(await client.run("Me", token="garbage")) == ["UNAUTHENTICATED"]


async def test_a_token_whose_role_was_changed_or_user_deactivated_is_refused(
    world: TenantWorld, client: GraphQLClient, session: AsyncSession
) -> None:
    rep = world.users[Role.REP]
    await set_tenant(session, world.tenant.id)
    changed = await session.execute(update(User).where(User.id == rep.id).values(is_active=False))
    await session.commit()
    assert changed.rowcount == 1  # type: ignore[attr-defined]

    assert _codes(await client.run("Me", token=world.tokens[Role.REP])) == ["UNAUTHENTICATED"]


async def test_a_token_with_a_tampered_role_claim_is_refused(
    world: TenantWorld, client: GraphQLClient, settings: Settings
) -> None:
    rep = world.users[Role.REP]
    escalated = issue_token(
        secret=settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        tenant_id=rep.tenant_id,
        user_id=rep.id,
        role=Role.ADMIN,
        ttl=timedelta(hours=1),
    )

    assert _codes(await client.run("Me", token=escalated)) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    ("role", "expected_retailers", "expected_distributors"),
    [
        (Role.ADMIN, [0, 1, 2, 3], [0, 1]),
        (Role.MANAGER, [0, 1], [0]),
        (Role.REP, [0], [0]),
        (Role.DISTRIBUTOR, [0, 1], [0]),
    ],
)
async def test_each_role_sees_exactly_its_scope(
    world: TenantWorld,
    client: GraphQLClient,
    role: Role,
    expected_retailers: list[int],
    expected_distributors: list[int],
) -> None:
    token = world.tokens[role]

    retailers = (await client.run("Retailers", {"first": 100}, token=token))["data"]["retailers"]
    distributors = (await client.run("Distributors", {"first": 100}, token=token))["data"][
        "distributors"
    ]

    assert [e["node"]["code"] for e in retailers["edges"]] == [
        world.retailers[i].code for i in expected_retailers
    ]
    assert retailers["totalCount"] == len(expected_retailers)
    assert [e["node"]["code"] for e in distributors["edges"]] == [
        world.distributors[i].code for i in expected_distributors
    ]


async def test_a_rep_cannot_fetch_an_outlet_outside_its_territory_by_id(
    world: TenantWorld, client: GraphQLClient
) -> None:
    from backend.kit.ids import encode_global_id

    outside = encode_global_id("Retailer", world.retailers[2].id)
    inside = encode_global_id("Retailer", world.retailers[0].id)

    assert (await client.run("Node", {"id": outside}, token=world.tokens[Role.REP]))["data"][
        "node"
    ] is None
    node = (await client.run("Node", {"id": inside}, token=world.tokens[Role.REP]))["data"]["node"]
    assert node["code"] == world.retailers[0].code


async def test_only_an_admin_may_create_products(world: TenantWorld, client: GraphQLClient) -> None:
    variables = {
        "input": {
            "sku": "SKU-X",
            "name": "X",
            "brand": "B",
            "category": "C",
            "caseSize": 12,
            "taxClass": "STANDARD",
        }
    }
    for role in (Role.MANAGER, Role.REP, Role.DISTRIBUTOR):
        payload = (await client.run("CreateProduct", variables, token=world.tokens[role]))["data"][
            "createProduct"
        ]
        assert payload == {
            "product": None,
            "errors": [
                {
                    "code": "FORBIDDEN",
                    "field": None,
                    "message": "this action needs one of the roles: ADMIN",
                }
            ],
        }
    total = (await client.run("Products", {"first": 10}, token=world.tokens[Role.ADMIN]))["data"][
        "products"
    ]
    assert total["totalCount"] == 1
