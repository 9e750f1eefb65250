"""The `jalur` command line: serve, worker, migrate, train, score, tokens, schema, demo data."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kit.logging import configure_logging
from backend.kit.settings import REPO_ROOT, Settings, get_settings

T = TypeVar("T")
SCHEMA_PATH = REPO_ROOT / "graphql" / "schema.graphql"


def _in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction as the application role, committing at the end."""
    from backend.kit.db import make_engine, make_sessionmaker

    async def run() -> T:
        engine = make_engine(settings.database_url, pool_size=2)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


@click.group()
def main() -> None:
    """Jalur: distribution management and field sales."""
    settings = get_settings()
    configure_logging(fmt=settings.log_format, level=settings.log_level)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the GraphQL API."""
    import uvicorn

    uvicorn.run(
        "backend.api.main:app",
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
    )


@main.command()
@click.option("--queue", "queues", multiple=True, default=("default",), show_default=True)
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
def worker(queues: tuple[str, ...], burst: bool) -> None:
    """Run an RQ worker for planning, training and webhook jobs."""
    from redis import Redis
    from rq import Queue, Worker

    from backend.jobs.registry import load_handlers

    load_handlers()  # handlers and the optimiser loaded once, before forks

    settings = get_settings()
    click.echo(f"relayed {_relay(settings)} queued job(s) that had not reached the queue")
    connection = Redis.from_url(settings.redis_url)
    Worker([Queue(name, connection=connection) for name in queues], connection=connection).work(
        burst=burst
    )


@main.group()
def jobs() -> None:
    """Background jobs."""


@jobs.command("relay")
def jobs_relay() -> None:
    """Push queued jobs that never reached the queue (after a Redis outage, say)."""
    click.echo(f"relayed {_relay(get_settings())} job(s)")


def _relay(settings: Settings) -> int:
    from backend.jobs.queue import job_queue, relay
    from backend.kit.db import make_engine, make_sessionmaker

    async def run() -> int:
        engine = make_engine(settings.database_url, pool_size=2)
        try:
            return await relay(job_queue(settings.redis_url), make_sessionmaker(engine))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _submit_per_tenant(
    settings: Settings, kind: str, payload: dict[str, Any], tenant_code: str | None, now: bool
) -> tuple[list[str], bool]:
    """Record a job for one tenant (or every tenant), then push it, or run it here with NOW.

    Returns a line per tenant and whether every job run here succeeded.
    """
    from backend.identity.repository import all_tenants, tenant_id_for_code
    from backend.jobs.queue import job_queue, push_committed
    from backend.jobs.runner import execute_job
    from backend.jobs.service import pending_after_commit, submit_job
    from backend.kit.db import make_engine, make_sessionmaker, set_tenant
    from backend.kit.errors import JalurError

    async def run() -> tuple[list[str], bool]:
        engine = make_engine(settings.database_url, pool_size=2)
        sessions = make_sessionmaker(engine)
        lines: list[str] = []
        succeeded = True
        try:
            async with sessions() as session, session.begin():
                if tenant_code is None:
                    tenants = await all_tenants(session)
                else:
                    found = await tenant_id_for_code(session, tenant_code)
                    if found is None:
                        raise click.ClickException(f"no tenant with code {tenant_code!r}")
                    tenants = [(found, tenant_code)]
            for tenant_id, code in tenants:
                async with sessions() as session:
                    async with session.begin():
                        await set_tenant(session, tenant_id)
                        job = await submit_job(
                            session, tenant_id=tenant_id, kind=kind, payload=payload
                        )
                    pending = pending_after_commit(session)
                if not now:
                    await push_committed(job_queue(settings.redis_url), sessions, pending)
                    lines.append(f"{code}: {kind} job {job.id} queued")
                    continue
                try:
                    result = await execute_job(sessions, job.id, tenant_id)
                except JalurError as exc:
                    lines.append(f"{code}: {kind} job {job.id} FAILED {exc.code}: {exc.message}")
                    succeeded = False
                    continue
                lines.append(f"{code}: {kind} job {job.id} SUCCEEDED {json.dumps(result)}")
        finally:
            await engine.dispose()
        return lines, succeeded

    return asyncio.run(run())


@main.command("plan")
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day to plan (default: tomorrow in each tenant's time zone).",
)
@click.option("--tenant", "tenant_code", default=None, help="Only this tenant (default: all).")
def plan(on: datetime | None, tenant_code: str | None) -> None:
    """Queue one planRepDay job per rep (the nightly fan-out); `jalur worker` runs them."""
    settings = get_settings()
    queued = _fan_out_plans(settings, None if on is None else on.date(), tenant_code)
    for code, day, count in queued:
        click.echo(f"{code}: queued {count} planRepDay job(s) for {day.isoformat()}")


def _fan_out_plans(
    settings: Settings, on: date | None, tenant_code: str | None
) -> list[tuple[str, date, int]]:
    from zoneinfo import ZoneInfo

    from backend.identity.repository import all_tenants, current_tenant
    from backend.jobs.queue import job_queue, push_committed
    from backend.jobs.service import pending_after_commit
    from backend.kit.db import make_engine, make_sessionmaker, set_tenant
    from backend.planning.service import submit_nightly

    async def run() -> list[tuple[str, date, int]]:
        engine = make_engine(settings.database_url, pool_size=2)
        sessions = make_sessionmaker(engine)
        queue = job_queue(settings.redis_url)
        done: list[tuple[str, date, int]] = []
        try:
            async with sessions() as session, session.begin():
                tenants = await all_tenants(session)
            for tenant_id, code in tenants:
                if tenant_code is not None and code != tenant_code:
                    continue
                async with sessions() as session:
                    async with session.begin():
                        await set_tenant(session, tenant_id)
                        tenant = await current_tenant(session)
                        assert tenant is not None
                        tomorrow = datetime.now(ZoneInfo(tenant.timezone)).date() + timedelta(1)
                        day = on or tomorrow
                        jobs = await submit_nightly(session, tenant_id, day)
                    await push_committed(queue, sessions, pending_after_commit(session))
                done.append((code, day, len(jobs)))
        finally:
            await engine.dispose()
        if tenant_code is not None and not done:
            raise click.ClickException(f"no tenant {tenant_code!r}")
        return done

    return asyncio.run(run())


def _report(lines: list[str], succeeded: bool) -> None:
    click.echo("\n".join(lines) or "no tenants")
    if not succeeded:
        sys.exit(1)


def _date_payload(value: datetime | None) -> dict[str, Any]:
    return {} if value is None else {"as_of": value.date().isoformat()}


@main.command()
@click.option("--tenant", "tenant_code", default=None, help="Tenant code (default: every tenant).")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Train on data before this date and score it (default: today, tenant's time zone).",
)
@click.option(
    "--now", is_flag=True, help="Run in this process instead of on a worker (exit 1 on failure)."
)
def train(tenant_code: str | None, as_of: datetime | None, now: bool) -> None:
    """Train the offtake ranking model, activate it (or the baseline it fails to beat), score."""
    _report(
        *_submit_per_tenant(get_settings(), "train_model", _date_payload(as_of), tenant_code, now)
    )


@main.command()
@click.option("--tenant", "tenant_code", default=None, help="Tenant code (default: every tenant).")
@click.option(
    "--date",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Score as of this date (default: today in each tenant's time zone).",
)
@click.option(
    "--now", is_flag=True, help="Run in this process instead of on a worker (exit 1 on failure)."
)
def score(tenant_code: str | None, as_of: datetime | None, now: bool) -> None:
    """Score every trading retailer with the active ranking model (run nightly)."""
    _report(
        *_submit_per_tenant(
            get_settings(), "score_retailers", _date_payload(as_of), tenant_code, now
        )
    )


@main.command()
@click.option("--revision", default="head", show_default=True)
@click.option("--url", default=None, help="Owner-role database URL (default: settings).")
def migrate(revision: str, url: str | None) -> None:
    """Bring the database schema to a revision (as the owner role)."""
    from backend.kit.migrations import upgrade

    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    upgrade(url or get_settings().database_owner_url, revision)
    click.echo(f"database at revision {revision}")


@main.group()
def token() -> None:
    """Bearer tokens for development."""


@token.command("create")
@click.option("--tenant", "tenant_code", default="jkt-demo", show_default=True)
@click.option("--user", "username", required=True)
@click.option(
    "--role", type=click.Choice(["ADMIN", "MANAGER", "REP", "DISTRIBUTOR"]), required=True
)
@click.option("--ttl-hours", default=24 * 30, show_default=True, type=int)
def token_create(tenant_code: str, username: str, role: str, ttl_hours: int) -> None:
    """Sign a token for an existing user (its role must match)."""
    from backend.auth.issue import issue_for_username

    settings = get_settings()
    try:
        value = _in_session(
            settings,
            lambda s: issue_for_username(
                s,
                settings=settings,
                tenant_code=tenant_code,
                username=username,
                role=role,
                ttl=timedelta(hours=ttl_hours),
            ),
        )
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(value)


@main.group()
def schema() -> None:
    """The GraphQL contract in graphql/schema.graphql."""


@schema.command("export")
@click.option("--out", type=click.Path(path_type=Path), default=SCHEMA_PATH, show_default=True)
def schema_export(out: Path) -> None:
    """Write the SDL of the schema the code builds."""
    from backend.api.schema import export_sdl

    out.write_text(export_sdl())
    click.echo(f"wrote {out}")


@schema.command("check")
def schema_check() -> None:
    """Fail when graphql/schema.graphql differs from the code."""
    from backend.api.schema import export_sdl

    if SCHEMA_PATH.read_text() != export_sdl():
        click.echo("graphql/schema.graphql is stale: run `jalur schema export`", err=True)
        sys.exit(1)
    click.echo("schema up to date")


@main.group()
def demo() -> None:
    """The Jakarta demo tenant."""


@demo.command("seed")
@click.option("--seed", default=7, show_default=True, type=int)
def demo_seed(seed: int) -> None:
    """Create the demo tenant and its data (does nothing when it already exists)."""
    from backend.demo.seed import seed_demo

    settings = get_settings()
    data = _in_session(settings, lambda s: seed_demo(s, seed=seed, build_plans=False))
    # Fresh statistics before planning and before anyone queries: autovacuum may take many
    # minutes to analyse tables that just gained a few hundred thousand rows, and until then
    # the planner guesses (report queries took 7-95 s on the unanalysed demo).
    asyncio.run(_analyze(settings.database_owner_url))
    result = _in_session(settings, lambda s: seed_demo(s, seed=seed))
    verb = "created" if data.created else "already present, reused"
    counts = ", ".join(f"{v} {k}" for k, v in result.counts.items())
    click.echo(f"demo tenant jkt-demo {verb}: {counts}; {result.plans_built} day plan(s) built")


async def _analyze(owner_url: str) -> None:
    """ANALYZE every table the owner role owns (the application role may not)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(owner_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            owned = await connection.execute(
                text(
                    "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename)"
                    " FROM pg_tables WHERE tableowner = current_user"
                )
            )
            for (table,) in owned.all():
                await connection.execute(text(f"ANALYZE {table}"))
    finally:
        await engine.dispose()


@demo.command("info")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def demo_info(host: str, port: int) -> None:
    """Print tokens for each role, the GraphiQL address and an example query."""
    from backend.auth.issue import demo_tokens

    settings = get_settings()
    tokens = _in_session(
        settings, lambda s: demo_tokens(s, settings=settings, tenant_code="jkt-demo")
    )
    click.echo(f"GraphiQL: http://{host}:{port}/graphql")
    for role, (username, value) in tokens.items():
        click.echo(f"\n{role} token ({username}):\n{value}")
    click.echo(EXAMPLE.format(host=host, port=port, token=tokens["REP"][1]))


EXAMPLE = """
Example — a rep's outlets, with their distributor and territory:
curl -s http://{host}:{port}/graphql -H 'Content-Type: application/json' \\
  -H 'Authorization: Bearer {token}' \\
  -d '{{"query": "{{ me {{ username role }} retailers(first: 5) {{ totalCount edges {{ node {{ code name channel outletClass distributor {{ name }} territory {{ name }} }} }} }} }}"}}'
"""
