"""Liveness and readiness endpoints."""

from __future__ import annotations

from tests.support.graphql_client import GraphQLClient


async def test_healthz_says_the_process_is_up(client: GraphQLClient) -> None:
    response = await client.http.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_the_database_and_redis(client: GraphQLClient) -> None:
    response = await client.http.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    assert response.headers["x-request-id"]


async def test_a_callers_request_id_is_echoed(client: GraphQLClient) -> None:
    response = await client.http.get("/healthz", headers={"X-Request-ID": "abc-123"})

    assert response.headers["x-request-id"] == "abc-123"
