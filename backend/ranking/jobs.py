"""Background jobs of the ranking domain: train (and activate) a model, score every retailer."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.identity.models import Tenant
from backend.jobs.registry import job_handler
from backend.jobs.runner import current_job_id
from backend.kit.errors import ValidationFailed
from backend.kit.settings import get_settings
from backend.ranking.service import score_with_active, train_and_activate

TRAIN_MODEL = "train_model"
SCORE_RETAILERS = "score_retailers"


async def _as_of(session: AsyncSession, payload: dict[str, Any]) -> date:
    """The payload's `as_of` (YYYY-MM-DD), else today in the tenant's time zone."""
    raw = payload.get("as_of")
    if raw is None:
        tenant = (await session.execute(select(Tenant))).scalar_one()
        return datetime.now(ZoneInfo(tenant.timezone)).date()
    try:
        return date.fromisoformat(str(raw))
    except ValueError as exc:
        raise ValidationFailed(f"as_of {raw!r} is not a date (YYYY-MM-DD)", field="as_of") from exc


@job_handler(TRAIN_MODEL)
async def train_model(
    session: AsyncSession, tenant_id: uuid.UUID, payload: dict[str, Any]
) -> dict[str, Any]:
    """Train on data before `as_of`, activate the selection (model or baseline), score `as_of`."""
    as_of = await _as_of(session, payload)
    outcome = await train_and_activate(
        session, tenant_id, as_of=as_of, settings=get_settings().model, job_id=current_job_id.get()
    )
    model = outcome.model
    return {
        "model_id": str(model.id),
        "version": model.version,
        "kind": model.kind.value,
        "selected": model.selected,
        "selection_message": model.selection_message,
        "as_of": as_of.isoformat(),
        "retailers_scored": outcome.scored,
    }


@job_handler(SCORE_RETAILERS)
async def score_retailers(
    session: AsyncSession, tenant_id: uuid.UUID, payload: dict[str, Any]
) -> dict[str, Any]:
    """Replace the scores of `as_of` with the active model's for every trading retailer."""
    as_of = await _as_of(session, payload)
    model, scored = await score_with_active(session, tenant_id, as_of=as_of)
    return {
        "model_id": str(model.id),
        "version": model.version,
        "as_of": as_of.isoformat(),
        "retailers_scored": scored,
    }
