"""Benchmark: the retailers connection (100 a page, with distributor and territory) under load.

Prints p50/p95 latency, throughput, and SQL statements per request at several page sizes
(which must not grow with the page size). Needs the services and the demo tenant:
`make migrate seed` (or `make demo` once), then

    .venv/bin/python bench/retailers_connection.py [--clients 16] [--requests 400] [--workers 1]

The API runs in a uvicorn subprocess on 127.0.0.1; clients are asyncio tasks with httpx.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time

import httpx
from sqlalchemy import event

from backend.api.app import create_app
from backend.auth.issue import demo_tokens
from backend.kit.db import make_engine, make_sessionmaker
from backend.kit.settings import get_settings

QUERY = """
query Retailers($first: Int!, $after: String) {
  retailers(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id code name channel outletClass location { latitude longitude }
                   distributor { id code name } territory { id code name } } }
  }
}
"""


async def admin_token() -> str:
    """A demo ADMIN token (sees all 4,000 retailers)."""
    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=1)
    async with make_sessionmaker(engine)() as session, session.begin():
        tokens = await demo_tokens(session, settings=settings, tenant_code="jkt-demo")
    await engine.dispose()
    return tokens["ADMIN"][1]


async def statements_per_request(token: str) -> dict[int, int]:
    """Count SQL statements of one request in-process, per page size."""
    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=2)
    counted: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: counted.append(a[2]))
    app = create_app(settings)
    app.state.sessionmaker = make_sessionmaker(engine)
    from redis.asyncio import Redis

    app.state.redis = Redis.from_url(settings.redis_url)
    result: dict[int, int] = {}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as http:
        for first in (10, 50, 100):
            counted.clear()
            response = await http.post(
                "/graphql",
                json={"query": QUERY, "variables": {"first": first}},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert len(response.json()["data"]["retailers"]["edges"]) == first
            result[first] = len(counted)
    await app.state.redis.aclose()
    await engine.dispose()
    return result


async def load(port: int, token: str, clients: int, requests: int) -> tuple[list[float], float]:
    """Run `requests` page fetches from `clients` concurrent clients walking the list by cursor."""
    latencies: list[float] = []
    per_client = requests // clients
    headers = {"Authorization": f"Bearer {token}"}

    async def client(http: httpx.AsyncClient) -> None:
        after = None
        for _ in range(per_client):
            started = time.perf_counter()
            response = await http.post(
                "/graphql",
                json={"query": QUERY, "variables": {"first": 100, "after": after}},
                headers=headers,
            )
            latencies.append(time.perf_counter() - started)
            page = response.json()["data"]["retailers"]
            after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60
    ) as http:
        await asyncio.gather(*(client(http) for _ in range(2)))  # warm-up
        latencies.clear()
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return latencies, elapsed


def serve(port: int, workers: int) -> subprocess.Popen[bytes]:
    """Start the API in a subprocess and wait until it answers."""
    env = {
        **os.environ,
        "JALUR_LOG_LEVEL": "WARNING",
        "JALUR_GRAPHQL__COST_BUDGET_PER_WINDOW": "0",
    }  # the bench is one principal hammering on purpose
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "backend.api.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    for _ in range(100):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("the API did not become ready")


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    token = asyncio.run(admin_token())
    statements = asyncio.run(statements_per_request(token))
    process = serve(args.port, args.workers)
    try:
        latencies, elapsed = asyncio.run(load(args.port, token, args.clients, args.requests))
    finally:
        process.terminate()
        process.wait(timeout=10)
    ms = sorted(x * 1000 for x in latencies)
    print(
        f"retailers connection, 100 per page with distributor and territory; {args.workers} API worker(s), "
        f"{args.clients} concurrent clients, {len(ms)} requests; load avg {os.getloadavg()[0]:.2f}"
    )
    print(
        f"  latency p50 {statistics.median(ms):.1f} ms   p95 {ms[int(len(ms) * 0.95) - 1]:.1f} ms   "
        f"max {ms[-1]:.1f} ms"
    )
    print(
        f"  throughput {len(ms) / elapsed:.1f} requests/s ({len(ms) * 100 / elapsed:.0f} retailers/s)"
    )
    print(
        "  SQL statements per request by page size: "
        + ", ".join(f"first={k}: {v}" for k, v in statements.items())
    )


if __name__ == "__main__":
    main()
