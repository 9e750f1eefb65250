"""Batch limit: refuse a JSON array of more than `max_operations_per_batch` operations.

strawberry 0.341 has its own switch, `StrawberryConfig(batching_config={"max_operations": n})`,
but it answers an oversized batch with a plain-text 400 "Too many operations". Keep that switch
on (it is what enables batching at all, see `strawberry_batching_config`) and put
`BatchLimitMiddleware` in front of the GraphQL app so clients get a coded JSON error first.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.schema.config import BatchingConfig

from backend.api.guard.errors import GuardCode, TooManyOperations
from backend.api.guard.settings import GuardSettings


def strawberry_batching_config(settings: GuardSettings) -> BatchingConfig:
    """Return strawberry's batching switch set to the same limit."""
    return {"max_operations": settings.max_operations_per_batch}


def batch_size(body: bytes) -> int:
    """Return how many operations a JSON request body holds (1 unless it is an array)."""
    if not body.lstrip().startswith(b"["):
        return 1
    try:
        operations = json.loads(body)
    except ValueError:
        return 1  # the GraphQL view answers malformed JSON itself
    return len(operations) if isinstance(operations, list) else 1


def check_batch_size(body: bytes, max_operations: int) -> None:
    """Raise `TooManyOperations` when the body is a batch of more than `max_operations`."""
    size = batch_size(body)
    if size > max_operations:
        raise TooManyOperations(
            f"The batch holds {size} operations; the maximum is {max_operations}.",
            details={"operations": size, "maxOperations": max_operations},
        )


def batch_refusal_body(error: TooManyOperations) -> dict[str, Any]:
    """Return the GraphQL-shaped JSON body answering a refused batch."""
    extensions = {"code": GuardCode.TOO_MANY_OPERATIONS.value, **error.details}
    return {"errors": [{"message": error.message, "extensions": extensions}]}


class BatchLimitMiddleware:
    """ASGI middleware refusing oversized batches with HTTP 400 and `TOO_MANY_OPERATIONS`."""

    def __init__(self, app: ASGIApp, *, max_operations: int) -> None:
        self.app = app
        self.max_operations = max_operations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") != "POST"
            or scope.get("path") != "/graphql"
        ):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        try:
            check_batch_size(body, self.max_operations)
        except TooManyOperations as error:
            response = JSONResponse(batch_refusal_body(error), status_code=400)
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed_receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed_receive
