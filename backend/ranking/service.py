"""Training and scoring for the scoped tenant: export, `ml`, the registry and the scores table.

Both run inside the caller's transaction (a job's): the registry row, its activation and the
scores it writes commit together or not at all.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from backend.kit.db import insert_batches
from backend.kit.settings import ModelSettings, get_settings
from backend.ranking.errors import (
    ModelIncompatible,
    NoActiveModel,
    NotEnoughHistory,
    TrainingDataInvalid,
)
from backend.ranking.export import TenantExport, export_tables
from backend.ranking.models import RankingKind, RankingModel, RetailerScore
from ml.artefact import (
    Artefact,
    IncompatibleArtefactError,
    artefact_from_payload,
    artefact_payload,
)
from ml.evaluate import portfolio_groups
from ml.modeling import CandidateFactory
from ml.rolling import NotEnoughHistoryError, RunConfig
from ml.scoring import score
from ml.tables import InputFormatError
from ml.train import train

CENT = Decimal("0.01")
INSERT_BATCH = 5000
PORTFOLIO_PREFIX = {"rep_id": "rep", "distributor_id": "distributor", "all": "all"}
REP_PORTFOLIO = "rep:"  # a rep's portfolio is stored as "rep:<rep id>"


@dataclass(frozen=True)
class TrainingOutcome:
    """What a training run registered and activated, and the scores it wrote."""

    model: RankingModel
    scored: int


async def _export(session: AsyncSession, before: date) -> TenantExport:
    try:
        return await export_tables(session, before=before)
    except InputFormatError as exc:
        if exc.problem == "no sales rows":
            raise NotEnoughHistory(f"no sales before {before.isoformat()} to learn from") from exc
        raise TrainingDataInvalid(f"the exported tables are not valid: {exc}") from exc


def run_config(settings: ModelSettings, country: str) -> RunConfig:
    """The `ml` options for a tenant: horizon and k from settings, holidays of its country."""
    return RunConfig(horizon_days=settings.horizon_days, k=settings.k, country=country)


async def train_and_activate(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    as_of: date,
    settings: ModelSettings,
    job_id: uuid.UUID | None = None,
    candidates: dict[str, CandidateFactory] | None = None,
) -> TrainingOutcome:
    """Train on data before AS_OF, register and activate the selection, and score AS_OF with it.

    Selection is `ml`'s: a model is activated only when it beats the best baseline on NDCG@k
    and value captured@k over the validation cutoffs; otherwise the best baseline is activated
    and the registry row's `selection_message` says why. CANDIDATES default to `ml`'s.
    """
    export = await _export(session, as_of)
    config = run_config(settings, export.country)
    try:
        artefact, _report = await asyncio.to_thread(train, export.tables, config, candidates)
    except NotEnoughHistoryError as exc:
        raise NotEnoughHistory(str(exc)) from exc
    model = registry_row(tenant_id, artefact, job_id=job_id)
    await activate(session, tenant_id, model)
    scored = await score_into_table(session, tenant_id, model, artefact, export, as_of)
    return TrainingOutcome(model, scored)


def registry_row(
    tenant_id: uuid.UUID, artefact: Artefact, *, job_id: uuid.UUID | None = None
) -> RankingModel:
    """The registry row of an artefact: its card's facts as columns, its model file as bytes."""
    card, model_bytes = artefact_payload(artefact)
    artefact.card = card
    window = card["training_window"]
    model = RankingModel(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        version=card["version"],
        kind=RankingKind.BASELINE if artefact.uses_baseline else RankingKind.MODEL,
        selected=artefact.active,
        selection_message=card["selection_message"],
        trained_from=date.fromisoformat(window["first_date"]),
        trained_to=date.fromisoformat(window["last_date"]),
        horizon_days=artefact.spec.horizon_days,
        retailer_count=int(card["n_retailers"]),
        metrics=card["metrics"],
        libraries=card["libraries"],
        data_hash=card["data_hash"],
        card=card,
        artefact=model_bytes,
        artefact_sha256=card["model_sha256"],
        training_job_id=job_id,
    )
    return model


async def lock_tenant_ranking(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Serialise the tenant's activations and score writes until the transaction ends."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended('ranking:' || :tenant, 0))"),
        {"tenant": str(tenant_id)},
    )


async def activate(session: AsyncSession, tenant_id: uuid.UUID, model: RankingModel) -> None:
    """Make MODEL the tenant's one active model (adding it), deactivating the previous one.

    The tenant's advisory lock serialises concurrent activations, so two training runs
    finishing together cannot both deactivate nothing and then collide on the active index.
    """
    await lock_tenant_ranking(session, tenant_id)
    now = datetime.now(UTC)
    await session.execute(
        update(RankingModel)
        .where(RankingModel.is_active)
        .values(is_active=False, deactivated_at=now)
    )
    model.is_active, model.activated_at = True, now
    session.add(model)
    await session.flush()


async def active_model(session: AsyncSession, *, with_artefact: bool = False) -> RankingModel:
    """The scoped tenant's active model, or `NoActiveModel`."""
    stmt = select(RankingModel).where(RankingModel.is_active)
    if with_artefact:
        stmt = stmt.options(undefer(RankingModel.artefact))
    model = (await session.execute(stmt)).scalar_one_or_none()
    if model is None:
        raise NoActiveModel("no ranking model is active: run `jalur train` first")
    return model


def load_artefact_of(model: RankingModel) -> Artefact:
    """The registry row's artefact, after `ml`'s compatibility checks (`ModelIncompatible`)."""
    try:
        return artefact_from_payload(
            model.card, model.artefact, f"ranking model {model.version} (registry row {model.id})"
        )
    except (IncompatibleArtefactError, KeyError, TypeError) as exc:
        raise ModelIncompatible(str(exc), details={"version": model.version}) from exc


async def score_with_active(
    session: AsyncSession, tenant_id: uuid.UUID, *, as_of: date
) -> tuple[RankingModel, int]:
    """Score every trading retailer as of AS_OF with the active model; return it and the count."""
    model = await active_model(session, with_artefact=True)
    artefact = load_artefact_of(model)
    export = await _export(session, as_of)
    return model, await score_into_table(session, tenant_id, model, artefact, export, as_of)


def _money(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(CENT, rounding=ROUND_HALF_UP)


def scores_frame(artefact: Artefact, export: TenantExport, as_of: date) -> pd.DataFrame:
    """`ml` scores of the trading retailers, ranked within their portfolio (1 = visit first)."""
    scored = score(artefact, export.tables, pd.Timestamp(as_of))
    group_by, _ = portfolio_groups(export.tables.retailers)
    prefix = PORTFOLIO_PREFIX[group_by]
    scored = scored[scored["retailer_id"].isin(export.active_retailers)].copy()
    labels = scored["group_id"].astype(str)
    scored["portfolio"] = np.where(
        labels.str.startswith("(no "), f"{prefix}:none", prefix + ":" + labels
    )
    if prefix == "all":
        scored["portfolio"] = "all"
    by_portfolio = scored.groupby("portfolio")["expected_value"]
    scored["rank"] = by_portfolio.rank(method="first", ascending=False).astype(int)
    scored["portfolio_size"] = by_portfolio.transform("size").astype(int)
    return scored


async def score_into_table(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    model: RankingModel,
    artefact: Artefact,
    export: TenantExport,
    as_of: date,
    *,
    keep_days: int | None = None,
) -> int:
    """Replace the scores of AS_OF with MODEL's, in the caller's transaction; return the count.

    Runs more than KEEP_DAYS (default: the `score_retention_days` setting) before the newest
    run are deleted with it, so the table holds a bounded window of runs.
    """
    try:
        frame = await asyncio.to_thread(scores_frame, artefact, export, as_of)
    except ValueError as exc:  # the data no longer gives what the model needs
        raise ModelIncompatible(
            f"ranking model {model.version} cannot score {as_of.isoformat()}: {exc}",
            details={"version": model.version},
        ) from exc
    horizon = artefact.spec.horizon_days
    rows: list[dict[str, Any]] = [
        {
            "tenant_id": tenant_id,
            "as_of": as_of,
            "retailer_id": uuid.UUID(retailer),
            "model_id": model.id,
            "expected_value": _money(value),
            "currency": export.currency,
            "horizon_days": horizon,
            "reasons": list(reasons),
            "portfolio": portfolio,
            "rank": int(rank),
            "portfolio_size": int(size),
        }
        for retailer, value, reasons, portfolio, rank, size in zip(
            frame["retailer_id"],
            frame["expected_value"],
            frame["reasons"],
            frame["portfolio"],
            frame["rank"],
            frame["portfolio_size"],
            strict=True,
        )
    ]
    await lock_tenant_ranking(session, tenant_id)  # two runs for one date: one after the other
    await session.execute(delete(RetailerScore).where(RetailerScore.as_of == as_of))
    await insert_batches(session, RetailerScore, rows, batch=INSERT_BATCH)
    keep = get_settings().model.score_retention_days if keep_days is None else keep_days
    mine = RetailerScore.tenant_id == tenant_id
    newest = await session.scalar(select(func.max(RetailerScore.as_of)).where(mine))
    if newest is not None:
        old = RetailerScore.as_of < newest - timedelta(days=keep)
        await session.execute(delete(RetailerScore).where(mine, old))
    return len(rows)
