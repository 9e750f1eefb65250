"""replanDay end to end: the API records a job, a real worker builds the plan, subscribers follow it."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from redis import Redis as SyncRedis
from rq import Queue
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.testclient import TestClient

import backend.planning.build as build_module
from backend.field.pjp import tenant_today
from backend.identity.models import Role
from backend.jobs.models import Job, JobStatus
from backend.jobs.queue import push_committed
from backend.jobs.runner import execute_job
from backend.kit.db import set_tenant
from backend.kit.ids import decode_typed_id, encode_global_id
from backend.kit.settings import Settings
from backend.planning.jobs import plan_payload
from backend.planning.models import DayPlan, DayPlanStop
from backend.planning.service import submit_plan_job
from tests.factories.planning import PlanWorld, add_order, make_plan_world
from tests.factories.scenarios import TenantWorld
from tests.support.committed import committing_sessionmaker
from tests.support.graphql_client import OPERATIONS, GraphQLClient


@pytest.fixture
def queue(settings: Settings) -> Queue:
    return Queue(
        f"test-{uuid.uuid4().hex[:8]}", connection=SyncRedis.from_url(settings.test_redis_url)
    )


@pytest.fixture
async def planned_world(
    committed_world: TenantWorld, committing_engine: AsyncEngine
) -> AsyncIterator[tuple[TenantWorld, PlanWorld]]:
    """A committed rep whose Monday beat falls on the next Monday after the tenant's today."""
    async with committing_sessionmaker(committing_engine)() as session, session.begin():
        await set_tenant(session, committed_world.tenant.id)
        built = await make_plan_world(session, committed_world, outlets=8, class_a=2)
        today = await tenant_today(session)
        for outlet in built.outlets[:5]:
            await add_order(
                session,
                committed_world,
                built.rep,
                outlet,
                today - timedelta(days=10),
                [(built.products[0], 5)],
            )
    yield committed_world, built


def _next_monday(today: Any) -> Any:
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


async def run_worker(settings: Settings, queue: Queue) -> None:
    """`jalur worker --burst` as its own process on the test database and Redis."""
    env = {
        **os.environ,
        "JALUR_DATABASE_URL": settings.test_database_url,
        "JALUR_REDIS_URL": settings.test_redis_url,
        "JALUR_OPTIMIZER__TIME_LIMIT_S": "0.5",
    }
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("jalur")),
        "worker",
        "--queue",
        queue.name,
        "--burst",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=180)
    assert process.returncode == 0, output.decode()


async def test_replan_day_queues_a_job_that_a_worker_turns_into_the_plan(
    planned_world: tuple[TenantWorld, PlanWorld],
    real_client: GraphQLClient,
    committing_engine: AsyncEngine,
    queue: Queue,
    settings: Settings,
) -> None:
    world, built = planned_world
    async with committing_sessionmaker(committing_engine)() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        monday = _next_monday(await tenant_today(session))
    closed = built.outlets[0]
    body = await real_client.run(
        "ReplanDay",
        {
            "input": {
                "date": monday.isoformat(),
                "reason": "Toko 1 shut for a wedding",
                "closedRetailerIds": [encode_global_id("Retailer", closed.id)],
            }
        },
        token=world.tokens[Role.REP],
    )
    payload = body["data"]["replanDay"]
    assert payload["errors"] == []
    job = payload["job"]
    assert (job["kind"], job["status"], job["attempts"]) == ("planRepDay", "QUEUED", 0)
    job_id = decode_typed_id(job["id"], "Job", field="id")

    # The API recorded the job and solved nothing: no plan exists yet.
    mine = await real_client.run(
        "MyDayPlan", {"date": monday.isoformat()}, token=world.tokens[Role.REP]
    )
    assert mine == {"data": {"myDayPlan": None}}

    await push_committed(
        queue, committing_sessionmaker(committing_engine), [(job_id, world.tenant.id)]
    )
    await run_worker(settings, queue)

    followed = await real_client.run("Node", {"id": job["id"]}, token=world.tokens[Role.REP])
    assert followed["data"]["node"] == {"__typename": "Job", "id": job["id"]}
    async with committing_sessionmaker(committing_engine)() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        done = (await session.execute(select(Job).where(Job.id == job_id))).scalar_one()
    assert done.status is JobStatus.SUCCEEDED and done.attempts == 1
    assert done.result is not None and done.result["version"] == 1

    plan = (
        await real_client.run(
            "MyDayPlan", {"date": monday.isoformat()}, token=world.tokens[Role.REP]
        )
    )["data"]["myDayPlan"]
    assert (plan["version"], plan["trigger"], plan["reason"]) == (
        1,
        "REPLAN",
        "Toko 1 shut for a wedding",
    )
    assert plan["jobId"] == job["id"]
    planned = {s["retailer"]["id"] for s in plan["stops"]}
    assert encode_global_id("Retailer", closed.id) not in planned
    assert len(planned) == 6  # 8 outlets, one closed on Mondays, one reported closed
    left = {o["retailer"]["id"]: o["cause"] for o in plan["leftOut"]}
    assert left[encode_global_id("Retailer", closed.id)] == "REPORTED_CLOSED"


async def test_replan_day_refuses_a_past_day_and_an_unknown_outlet_and_records_nothing(
    planned_world: tuple[TenantWorld, PlanWorld],
    real_client: GraphQLClient,
    committing_engine: AsyncEngine,
) -> None:
    world, _ = planned_world
    async with committing_sessionmaker(committing_engine)() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        yesterday = await tenant_today(session) - timedelta(days=1)
    body = await real_client.run(
        "ReplanDay",
        {
            "input": {
                "date": yesterday.isoformat(),
                "closedRetailerIds": [encode_global_id("Retailer", uuid.uuid4())],
            }
        },
        token=world.tokens[Role.REP],
    )
    payload = body["data"]["replanDay"]
    assert payload["job"] is None
    assert {(e["field"], e["code"]) for e in payload["errors"]} == {
        ("input.date", "INVALID_INPUT"),
        ("input.closedRetailerIds[0]", "INVALID_INPUT"),
    }
    async with committing_sessionmaker(committing_engine)() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        assert (await session.execute(select(Job))).first() is None


async def test_a_failing_build_leaves_the_previous_plan_whole_and_is_retried(
    planned_world: tuple[TenantWorld, PlanWorld],
    committing_engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world, built = planned_world
    sessions = committing_sessionmaker(committing_engine)
    async with sessions() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        monday = _next_monday(await tenant_today(session))
        first = await submit_plan_job(session, world.tenant.id, plan_payload(built.rep.id, monday))
    await execute_job(sessions, first.id, world.tenant.id)

    async def plan_rows() -> tuple[int, list[tuple[int, uuid.UUID]]]:
        async with sessions() as session, session.begin():
            await set_tenant(session, world.tenant.id)
            plan = (await session.execute(select(DayPlan))).scalar_one()
            stops = await session.execute(
                select(DayPlanStop.position, DayPlanStop.retailer_id)
                .where(DayPlanStop.plan_id == plan.id)
                .order_by(DayPlanStop.position)
            )
            return plan.version, [tuple(r) for r in stops.all()]  # type: ignore[misc]

    before = await plan_rows()
    assert before[0] == 1 and len(before[1]) == 7

    real_insert = build_module.insert

    def failing_insert(table: Any) -> Any:
        if table is build_module.DayPlanDropped:  # after the upsert, the deletes and the new stops
            raise RuntimeError("disk full while writing the plan")
        return real_insert(table)

    monkeypatch.setattr(build_module, "insert", failing_insert)
    async with sessions() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        second = await submit_plan_job(
            session,
            world.tenant.id,
            plan_payload(built.rep.id, monday, closed_retailer_ids=(built.outlets[0].id,)),
        )
    with pytest.raises(RuntimeError, match="disk full"):
        await execute_job(sessions, second.id, world.tenant.id)

    assert await plan_rows() == before  # the old version, every stop of it
    async with sessions() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        job = (await session.execute(select(Job).where(Job.id == second.id))).scalar_one()
    assert (job.status, job.attempts) == (JobStatus.QUEUED, 1)
    assert job.error == "RuntimeError: disk full while writing the plan"

    monkeypatch.setattr(build_module, "insert", real_insert)
    result = await execute_job(sessions, second.id, world.tenant.id)
    assert result is not None and result["version"] == 2
    version, stops = await plan_rows()
    assert version == 2 and built.outlets[0].id not in {r for _, r in stops}


async def test_subscribers_follow_a_job_over_the_websocket_until_it_succeeds(
    planned_world: tuple[TenantWorld, PlanWorld],
    committing_engine: AsyncEngine,
    queue: Queue,
    settings: Settings,
) -> None:
    from backend.api.app import create_app

    world, built = planned_world
    sessions = committing_sessionmaker(committing_engine)
    async with sessions() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        monday = _next_monday(await tenant_today(session))
        job = await submit_plan_job(
            session, world.tenant.id, plan_payload(built.rep.id, monday), world.users[Role.REP].id
        )
    await push_committed(queue, sessions, [(job.id, world.tenant.id)])

    app = create_app(
        settings, database_url=settings.test_database_url, redis_url=settings.test_redis_url
    )
    statuses: list[str] = []
    worker: asyncio.Task[None] | None = None
    with (
        TestClient(app) as http,
        http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        ws.send_json(
            {
                "type": "connection_init",
                "payload": {"Authorization": f"Bearer {world.tokens[Role.REP]}"},
            }
        )
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {
                    "query": OPERATIONS["JobStatus"],
                    "operationName": "JobStatus",
                    "variables": {"id": encode_global_id("Job", job.id)},
                },
            }
        )
        while True:
            message = ws.receive_json()
            if message["type"] == "complete":
                break
            assert message["type"] == "next", message
            assert "errors" not in message["payload"], message
            statuses.append(message["payload"]["data"]["jobStatus"]["status"])
            if worker is None:
                worker = asyncio.get_running_loop().create_task(run_worker(settings, queue))
                await asyncio.sleep(0)
    assert worker is not None
    await worker
    assert statuses[0] == "QUEUED" and statuses[-1] == "SUCCEEDED"
    assert set(statuses) <= {"QUEUED", "RUNNING", "SUCCEEDED"}


async def test_a_websocket_without_a_token_is_refused(settings: Settings) -> None:
    from starlette.websockets import WebSocketDisconnect

    from backend.api.app import create_app

    app = create_app(
        settings, database_url=settings.test_database_url, redis_url=settings.test_redis_url
    )
    with (
        TestClient(app) as http,
        http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        ws.send_json({"type": "connection_init", "payload": {}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403
