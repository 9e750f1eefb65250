"""The API answers a signed-in user and refuses an anonymous one."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backend.identity.models import Role
from backend.kit.settings import Settings
from tests.factories.identity import make_tenant, make_user, token_for
from tests.support.graphql_client import GraphQLClient


async def test_me_returns_the_signed_in_admin(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    tenant = await make_tenant(session)
    admin = await make_user(session, tenant, role=Role.ADMIN, username="hq")
    await session.commit()

    body = await client.run("Me", token=token_for(admin, settings))

    assert "errors" not in body, body
    assert body["data"]["me"]["username"] == "hq"
    assert body["data"]["me"]["role"] == "ADMIN"
    assert body["data"]["tenant"]["code"] == tenant.code
