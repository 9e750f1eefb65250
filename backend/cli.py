"""The `jalur` command line: serve, worker, migrate, tokens, schema export, demo data."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

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

    result = _in_session(get_settings(), lambda s: seed_demo(s, seed=seed))
    verb = "created" if result.created else "already present, reused"
    counts = ", ".join(f"{v} {k}" for k, v in result.counts.items())
    click.echo(f"demo tenant jkt-demo {verb}: {counts}")


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
