"""The Starlette application: `/graphql`, `/offtake/upload`, `/healthz`, `/readyz`."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UNSET, UnsetType

from backend.api.context import Context
from backend.api.guard.batch import BatchLimitMiddleware
from backend.api.schema import build_schema
from backend.auth.tokens import verify_token
from backend.jobs.queue import job_queue
from backend.kit.db import make_engine, make_sessionmaker
from backend.kit.errors import Unauthenticated
from backend.kit.logging import principal_var, request_id_var, tenant_var
from backend.kit.settings import Settings
from backend.offtake.http import upload_route

log = logging.getLogger("jalur.api")


class JalurGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with Jalur's context: verified token, Redis, session factory."""

    def __init__(self, *, settings: Settings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings = settings

    async def get_context(self, request: Request, response: Any) -> Context:  # type: ignore[override]
        state = request.app.state
        context = Context(
            settings=self.settings,
            sessionmaker=state.sessionmaker,
            redis=state.redis,
            request_id=request_id_var.get() or "-",
            rate_limit_key=f"ip:{request.client.host if request.client else 'unknown'}",
            response=response,
            job_queue=getattr(state, "job_queue", None),
        )
        header = request.headers.get("authorization")
        if header:
            self._authenticate(context, header)
        return context

    def _authenticate(self, context: Context, header: str) -> None:
        """Verify a bearer token into the context's claims, or keep the error for the resolver."""
        scheme, _, token = header.partition(" ")
        try:
            if scheme.lower() != "bearer" or not token:
                raise Unauthenticated("use an Authorization: Bearer <token> header")
            claims = verify_token(
                token,
                secret=self.settings.jwt_secret.get_secret_value(),
                issuer=self.settings.jwt_issuer,
            )
        except Unauthenticated as exc:
            context.auth_error = exc
        else:
            context.claims = claims
            context.auth_error = None
            context.rate_limit_key = f"tenant:{claims.tenant_id}:user:{claims.user_id}"
            tenant_var.set(str(claims.tenant_id))
            principal_var.set(f"{claims.role.value.lower()}:{claims.user_id}")

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Browsers cannot set headers on a websocket: take the token from connection_init."""
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        if isinstance(header, str):
            self._authenticate(context, header)
        if context.claims is None:
            raise ConnectionRejectionError({"message": "sign in: send an Authorization token"})
        return UNSET


class RequestContextMiddleware:
    """Give every request an id (or keep the caller's), log it, and echo it in a header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = headers.get(b"x-request-id", b"").decode()[:64] or uuid.uuid4().hex
        tokens = (request_id_var.set(request_id), tenant_var.set(None), principal_var.set(None))
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "%s %s %s",
                scope.get("method"),
                scope.get("path"),
                status,
                extra={"duration_ms": round((time.perf_counter() - started) * 1000, 1)},
            )
            request_id_var.reset(tokens[0])
            tenant_var.reset(tokens[1])
            principal_var.reset(tokens[2])


async def healthz(request: Request) -> Response:
    """The process is up."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """The database and Redis answer."""
    checks: dict[str, str] = {}
    try:
        async with request.app.state.sessionmaker() as session:
            await session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # readiness reports any failure rather than raising
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        await request.app.state.redis.ping()
        checks["redis"] = "ok"
    except Exception as exc:  # readiness reports any failure rather than raising
        checks["redis"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status_code=200 if ready else 503
    )


def create_app(
    settings: Settings, *, database_url: str | None = None, redis_url: str | None = None
) -> Starlette:
    """Build the ASGI application."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = make_engine(
            database_url or settings.database_url, pool_size=settings.database_pool_size
        )
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.redis = Redis.from_url(redis_url or settings.redis_url)
        app.state.job_queue = job_queue(redis_url or settings.redis_url)
        try:
            yield
        finally:
            await app.state.redis.aclose()
            await engine.dispose()

    schema = build_schema(settings.graphql, production=settings.production)
    graphql_app = JalurGraphQL(
        settings=settings,
        schema=schema,
        graphql_ide="graphiql" if settings.graphql.graphiql and not settings.production else None,
        allow_queries_via_get=False,
    )
    return Starlette(
        routes=[
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql_app),  # subscriptions (graphql-transport-ws)
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            upload_route(settings),
        ],
        middleware=[
            Middleware(RequestContextMiddleware),
            Middleware(
                BatchLimitMiddleware, max_operations=settings.graphql.max_operations_per_batch
            ),
        ],
        lifespan=lifespan,
    )
