"""`POST /offtake/upload`: a sell-out feed as a CSV request body, with the GraphQL API's bearer token.

    curl -X POST 'https://…/offtake/upload?feed=ALFAMART&fileName=week47.csv' \
         -H 'Authorization: Bearer …' -H 'Content-Type: text/csv' \
         -H 'Idempotency-Key: alfamart-week47' --data-binary @week47.csv

The body is spooled (memory up to a few MB, then a temporary file) while its SHA-256 is taken,
then parsed as a stream. The answer says how many rows were accepted, duplicate (already stored
by an earlier upload) and rejected, and lists the first rejected rows with row number, column,
code and reason; the rest are paged through `offtakeImport.rejections` in GraphQL. The upload is
one transaction: stored whole with its counts, or (on a file-level refusal) not at all.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import tempfile
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.auth.principal import load_principal
from backend.auth.tokens import verify_token
from backend.kit.db import set_tenant
from backend.kit.errors import (
    IdempotencyConflict,
    JalurError,
    LimitExceeded,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from backend.kit.ids import encode_global_id
from backend.kit.logging import principal_var, tenant_var
from backend.kit.settings import Settings
from backend.offtake.errors import FeedRefused
from backend.offtake.ingest import FeedHeader, csv_rows, ingest_feed, rejections_of
from backend.offtake.models import ImportSource, OfftakeImport

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
SPOOL_IN_MEMORY_BYTES = 4 * 1024 * 1024
LISTED_REJECTIONS = 1_000
CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/octet-stream")
STATUS = {
    Unauthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
    IdempotencyConflict: 409,
    LimitExceeded: 413,
}


def import_summary(record: OfftakeImport) -> dict[str, Any]:
    """The JSON shape of an import record (ids are the GraphQL global ids)."""
    return {
        "id": encode_global_id("OfftakeImport", record.id),
        "feed": record.feed,
        "source": record.source.value,
        "fileName": record.file_name,
        "contentSha256": record.content_sha256,
        "uploadedAt": record.created_at.isoformat() if record.created_at else None,
        "rowsTotal": record.rows_total,
        "rowsAccepted": record.rows_accepted,
        "rowsDuplicate": record.rows_duplicate,
        "rowsRejected": record.rows_rejected,
    }


def _error(exc: JalurError) -> JSONResponse:
    status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 422)
    body = {
        "errors": [{"code": exc.code, "field": exc.field, "message": exc.message, **exc.details}]
    }
    return JSONResponse(body, status_code=status)


def upload_route(settings: Settings) -> Route:
    """The upload endpoint, verifying tokens with the application's settings."""

    async def upload_offtake(request: Request) -> Response:
        try:
            return await _upload(request, settings)
        except JalurError as exc:
            return _error(exc)

    return Route("/offtake/upload", upload_offtake, methods=["POST"])


async def _upload(request: Request, settings: Settings) -> Response:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("use an Authorization: Bearer <token> header")
    claims = verify_token(
        token, secret=settings.jwt_secret.get_secret_value(), issuer=settings.jwt_issuer
    )
    tenant_var.set(str(claims.tenant_id))
    principal_var.set(f"{claims.role.value.lower()}:{claims.user_id}")
    content_type, _, parameters = request.headers.get("content-type", "text/csv").partition(";")
    encoding = _charset(parameters)
    if content_type.strip().lower() not in CSV_TYPES or encoding is None:
        return JSONResponse(
            {
                "errors": [
                    {
                        "code": "UNSUPPORTED_MEDIA_TYPE",
                        "field": "body",
                        "message": "send the CSV file as the request body with Content-Type"
                        " text/csv (charset utf-8 by default, or another known charset)",
                    }
                ]
            },
            status_code=415,
        )
    feed = request.query_params.get("feed", "")
    file_name = request.query_params.get("fileName") or request.headers.get("x-file-name")
    body, digest = await _spool(request)
    try:
        header = FeedHeader(
            feed=feed, source=ImportSource.CSV, file_name=file_name, content_sha256=digest
        )
        lines = io.TextIOWrapper(body, encoding=encoding, newline="")
        async with request.app.state.sessionmaker() as session:
            await session.begin()
            await set_tenant(session, claims.tenant_id)
            try:
                principal = await load_principal(session, claims)
                record, created = await ingest_feed(
                    session,
                    principal=principal,
                    header=header,
                    rows=csv_rows(lines),
                    idempotency_key=request.headers.get("idempotency-key"),
                    fingerprint={"feed": feed, "fileName": file_name, "sha256": digest},
                )
                listed = await rejections_of(session, record.id, limit=LISTED_REJECTIONS + 1)
            except UnicodeDecodeError as exc:
                await session.rollback()
                raise FeedRefused(
                    f"the file is not {exc.encoding} text (byte {exc.start}); give its charset"
                    " in the Content-Type header; nothing was stored",
                    field="file",
                ) from exc
            except BaseException:
                await session.rollback()
                raise
            await session.commit()
    finally:
        body.close()
    return JSONResponse(
        {
            "import": import_summary(record),
            "replayed": not created,
            "rejections": [
                {
                    "row": r.row_number,
                    "column": r.column,
                    "code": r.code,
                    "message": r.message,
                    "value": r.value,
                }
                for r in listed[:LISTED_REJECTIONS]
            ],
            "rejectionsTruncated": len(listed) > LISTED_REJECTIONS,
        },
        status_code=201 if created else 200,
    )


def _charset(parameters: str) -> str | None:
    """The body's text encoding from Content-Type parameters (UTF-8, BOM skipped, by default)."""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            try:
                codec = codecs.lookup(value.strip().strip('"'))
            except LookupError:
                return None
            return "utf-8-sig" if codec.name == "utf-8" else codec.name
    return "utf-8-sig"


async def _spool(request: Request) -> tuple[Any, str]:
    """Copy the body to a spooled file, hashing it; refuse bodies over the limit."""
    body = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES, mode="w+b")  # noqa: SIM115 (closed by the caller)
    digest = hashlib.sha256()
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                raise LimitExceeded(
                    f"the file is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; split it",
                    field="file",
                )
            digest.update(chunk)
            body.write(chunk)
    except BaseException:
        body.close()
        raise
    body.seek(0)
    return body, digest.hexdigest()
