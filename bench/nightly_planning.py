"""Benchmark: the nightly planning run for every demo rep, with 1 and with 2 workers.

For each worker count: record one planRepDay job per rep (as `jalur plan` does), push them to a
queue of their own, start that many `jalur worker --burst` processes and time until all exit;
then check every job SUCCEEDED. The travel-time cache is emptied before each run (pass
--warm-cache to keep it, as on a night after the first). Needs the services and the demo tenant:

    .venv/bin/python bench/nightly_planning.py [--workers 1,2] [--date 2026-11-26]

Each rep-day's search is capped by JALUR_OPTIMIZER__TIME_LIMIT_S (2 s by default).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from redis import Redis
from sqlalchemy import select

from backend.demo.day_plans import DEMO_TODAY
from backend.identity.repository import tenant_id_for_code
from backend.jobs.models import Job, JobStatus
from backend.jobs.queue import job_queue, push_committed
from backend.jobs.service import pending_after_commit
from backend.kit.db import make_engine, make_sessionmaker, set_tenant
from backend.kit.settings import get_settings
from backend.planning.matrix import KEY_PREFIX
from backend.planning.service import submit_nightly


async def submit(queue_name: str, on: date) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Record and push one job per rep; return the tenant and the job ids."""
    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=2)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session:
            async with session.begin():
                tenant_id = await tenant_id_for_code(session, "jkt-demo")
                if tenant_id is None:
                    raise SystemExit("no demo tenant: run `jalur demo seed`")
                await set_tenant(session, tenant_id)
                jobs = await submit_nightly(session, tenant_id, on)
            await push_committed(
                job_queue(settings.redis_url, queue_name), sessions, pending_after_commit(session)
            )
    finally:
        await engine.dispose()
    return tenant_id, [job.id for job in jobs]


async def outcomes(tenant_id: uuid.UUID, job_ids: list[uuid.UUID]) -> list[Job]:
    """The jobs' rows after the run."""
    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            await set_tenant(session, tenant_id)
            rows = await session.execute(select(Job).where(Job.id.in_(job_ids)))
            return list(rows.scalars().all())
    finally:
        await engine.dispose()


def clear_cache() -> int:
    """Delete the cached travel times; return how many keys went."""
    redis = Redis.from_url(get_settings().redis_url)
    keys = list(redis.scan_iter(f"{KEY_PREFIX}:*", count=1000))
    for start in range(0, len(keys), 500):
        redis.delete(*keys[start : start + 500])
    return len(keys)


def run(workers: int, on: date, warm: bool) -> None:
    """One timed run with `workers` worker processes."""
    if not warm:
        clear_cache()
    queue_name = f"bench-nightly-{uuid.uuid4().hex[:6]}"
    tenant_id, job_ids = asyncio.run(submit(queue_name, on))
    jalur = str(Path(sys.executable).with_name("jalur"))
    env = {**os.environ, "JALUR_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [jalur, "worker", "--queue", queue_name, "--burst"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    for process in processes:
        process.wait()
    elapsed = time.perf_counter() - started
    jobs = asyncio.run(outcomes(tenant_id, job_ids))
    ok = [j for j in jobs if j.status is JobStatus.SUCCEEDED]
    runs = [
        (j.finished_at - j.started_at).total_seconds() for j in ok if j.finished_at and j.started_at
    ]
    stops = [int((j.result or {}).get("stops") or 0) for j in ok]
    print(
        f"  {workers} worker(s): {len(ok)}/{len(job_ids)} rep-days planned in {elapsed:.1f} s "
        f"({elapsed / max(1, len(ok)):.2f} s per rep-day wall); job run p50 "
        f"{statistics.median(runs):.2f} s, max {max(runs):.2f} s; "
        f"stops per plan mean {statistics.mean(stops):.1f}; load avg {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--date", type=date.fromisoformat, default=DEMO_TODAY + timedelta(1))
    parser.add_argument("--warm-cache", action="store_true")
    args = parser.parse_args()
    settings = get_settings()
    print(
        f"nightly planning of the demo reps for {args.date} (search cap "
        f"{settings.optimizer.time_limit_s} s per rep-day, "
        f"{'warm' if args.warm_cache else 'empty'} travel-time cache)"
    )
    for workers in (int(w) for w in args.workers.split(",")):
        run(workers, args.date, args.warm_cache)


if __name__ == "__main__":
    main()
