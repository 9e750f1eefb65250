"""Benchmark: every demo rep fetching its day plan at 8 a.m. (the product's main read).

Each client is one rep (its own token) fetching `myDayPlan` with every stop's outlet, reasons,
suggested lines and last orders — the MyDayPlan document the phone sends. Prints p50/p95
latency, throughput and SQL statements per request (which must not grow with the number of
stops). Needs the services and the demo tenant with today's plans (`jalur demo seed`), then

    .venv/bin/python bench/day_plan_read.py [--requests 400] [--workers 1] [--date 2026-11-25]

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
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import event, func, select

from backend.api.app import create_app
from backend.auth.tokens import issue_token
from backend.demo.day_plans import DEMO_TODAY
from backend.identity.models import Role, User
from backend.identity.repository import tenant_id_for_code
from backend.kit.db import make_engine, make_sessionmaker, set_tenant
from backend.kit.settings import get_settings
from backend.planning.models import DayPlan, DayPlanStop

# The document the phone sends (the production allow-list holds it).
QUERY = (Path(__file__).resolve().parents[1] / "graphql/operations/MyDayPlan.graphql").read_text()


async def rep_tokens(on: date) -> tuple[list[str], list[int]]:
    """A token for every demo rep that has a plan on `on`, and the plans' stop counts."""
    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=1)
    async with make_sessionmaker(engine)() as session, session.begin():
        tenant_id = await tenant_id_for_code(session, "jkt-demo")
        if tenant_id is None:
            raise SystemExit("no demo tenant: run `jalur demo seed`")
        await set_tenant(session, tenant_id)
        users = (await session.execute(select(User).where(User.role == Role.REP))).scalars().all()
        stops = (
            (
                await session.execute(
                    select(func.count())
                    .select_from(DayPlanStop)
                    .join(DayPlan, DayPlan.id == DayPlanStop.plan_id)
                    .where(DayPlan.plan_date == on)
                    .group_by(DayPlan.id)
                )
            )
            .scalars()
            .all()
        )
    await engine.dispose()
    tokens = [
        issue_token(
            secret=settings.jwt_secret.get_secret_value(),
            issuer=settings.jwt_issuer,
            tenant_id=tenant_id,
            user_id=user.id,
            role=Role.REP,
            ttl=timedelta(hours=1),
        )
        for user in users
    ]
    return tokens, list(stops)


async def statements_per_request(tokens: list[str], on: date) -> list[tuple[int, int]]:
    """(stops, SQL statements) of one in-process request for each of a few reps."""
    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=2)
    counted: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: counted.append(a[2]))
    app = create_app(settings)
    app.state.sessionmaker = make_sessionmaker(engine)
    from redis.asyncio import Redis

    app.state.redis = Redis.from_url(settings.redis_url)
    seen: list[tuple[int, int]] = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as http:
        for token in tokens[:5]:
            counted.clear()
            response = await http.post(
                "/graphql",
                json={"query": QUERY, "variables": {"date": on.isoformat()}},
                headers={"Authorization": f"Bearer {token}"},
            )
            plan = response.json()["data"]["myDayPlan"]
            seen.append((len(plan["stops"]), len(counted)))
    await app.state.redis.aclose()
    await engine.dispose()
    return seen


async def load(
    port: int, tokens: list[str], on: date, requests: int
) -> tuple[list[float], float, int]:
    """Every rep fetches its plan, round after round, all at once (8 a.m.)."""
    latencies: list[float] = []
    rounds = max(1, requests // len(tokens))
    body_bytes = 0

    async def rep(http: httpx.AsyncClient, token: str) -> None:
        nonlocal body_bytes
        for _ in range(rounds):
            started = time.perf_counter()
            response = await http.post(
                "/graphql",
                json={"query": QUERY, "variables": {"date": on.isoformat()}},
                headers={"Authorization": f"Bearer {token}"},
            )
            latencies.append(time.perf_counter() - started)
            body = response.json()
            if not (body.get("data") or {}).get("myDayPlan"):
                raise SystemExit(f"unexpected answer: {body}")
            body_bytes += len(response.content)

    limits = httpx.Limits(max_connections=len(tokens))
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120
    ) as http:
        await asyncio.gather(*(rep(http, t) for t in tokens[:2]))  # warm-up
        latencies.clear()
        body_bytes = 0
        started = time.perf_counter()
        await asyncio.gather(*(rep(http, t) for t in tokens))
        elapsed = time.perf_counter() - started
    return latencies, elapsed, body_bytes // max(1, len(latencies))


def serve(port: int, workers: int) -> subprocess.Popen[bytes]:
    """Start the API in a subprocess and wait until it answers."""
    env = {
        **os.environ,
        "JALUR_LOG_LEVEL": "WARNING",
        "JALUR_GRAPHQL__COST_BUDGET_PER_WINDOW": "0",
    }
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
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--date", type=date.fromisoformat, default=DEMO_TODAY)
    args = parser.parse_args()

    tokens, stops = asyncio.run(rep_tokens(args.date))
    if not stops:
        raise SystemExit(f"no plans on {args.date}: run `jalur demo seed` or `jalur plan`")
    statements = asyncio.run(statements_per_request(tokens, args.date))
    process = serve(args.port, args.workers)
    try:
        latencies, elapsed, size = asyncio.run(load(args.port, tokens, args.date, args.requests))
    finally:
        process.terminate()
        process.wait(timeout=10)
    ms = sorted(x * 1000 for x in latencies)
    print(
        f"myDayPlan at 8 a.m.: {len(tokens)} reps at once, {len(ms)} requests, "
        f"{args.workers} API worker(s); plans of {min(stops)}-{max(stops)} stops "
        f"(mean {statistics.mean(stops):.1f}); load avg {os.getloadavg()[0]:.2f}"
    )
    print(
        f"  latency p50 {statistics.median(ms):.1f} ms   p95 {ms[int(len(ms) * 0.95) - 1]:.1f} ms   "
        f"max {ms[-1]:.1f} ms;  response {size / 1024:.0f} KiB"
    )
    print(f"  throughput {len(ms) / elapsed:.1f} plans/s")
    print(
        "  SQL statements per request (stops: statements): "
        + ", ".join(f"{s}: {n}" for s, n in statements)
    )


if __name__ == "__main__":
    main()
