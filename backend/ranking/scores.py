"""Reading stored scores: the planner's expected offtake and the GraphQL score of a retailer."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backend.ranking.expected import ExpectedOfftake, ExpectedOfftakeSource
from backend.ranking.models import RankingKind, RankingModel, RetailerScore


@dataclass(frozen=True)
class StoredScore:
    """A retailer's stored score with the run it came from."""

    retailer_id: uuid.UUID
    as_of: date
    value: Decimal
    currency: str
    horizon_days: int
    reasons: tuple[str, ...]
    rank: int
    portfolio_size: int
    portfolio: str
    source: str


def source_of(kind: RankingKind, version: str, selected: str) -> str:
    """The contract's `source`: the model version, or `baseline:<name>` after a fallback."""
    return version if kind is RankingKind.MODEL else f"baseline:{selected}"


async def latest_scores(
    session: AsyncSession, *, retailer_ids: Sequence[uuid.UUID], as_of: date | None
) -> dict[uuid.UUID, StoredScore]:
    """Scores of the active model's latest run on or before AS_OF (None: its latest run).

    One statement whatever the number of retailers; retailers that run did not score are absent.
    """
    if not retailer_ids:
        return {}
    stmt = (
        select(RetailerScore, RankingModel.kind, RankingModel.version, RankingModel.selected)
        .join(RankingModel, RankingModel.id == RetailerScore.model_id)
        .where(
            RankingModel.is_active,
            RetailerScore.retailer_id.in_(list(retailer_ids)),
            RetailerScore.as_of == latest_run(as_of),
        )
    )
    return {
        row.retailer_id: stored_score(row, source_of(kind, version, selected))
        for row, kind, version, selected in (await session.execute(stmt)).all()
    }


def latest_run(as_of: date | None) -> ScalarSelect[date]:
    """The date of the active model's latest scoring run on or before AS_OF (None: latest)."""
    run, model = aliased(RetailerScore), aliased(RankingModel)
    latest = (
        select(func.max(run.as_of))
        .join(model, model.id == run.model_id)
        .where(model.is_active)
        .correlate(None)
    )
    if as_of is not None:
        latest = latest.where(run.as_of <= as_of)
    return latest.scalar_subquery()


def stored_score(row: RetailerScore, source: str) -> StoredScore:
    """A score row with the `source` of the model that wrote it."""
    return StoredScore(
        retailer_id=row.retailer_id,
        as_of=row.as_of,
        value=row.expected_value,
        currency=row.currency,
        horizon_days=row.horizon_days,
        reasons=tuple(row.reasons),
        rank=row.rank,
        portfolio_size=row.portfolio_size,
        portfolio=row.portfolio,
        source=source,
    )


async def load_expected_offtake(
    session: AsyncSession, *, retailer_ids: Sequence[uuid.UUID], as_of: date
) -> dict[uuid.UUID, ExpectedOfftake]:
    """What the planner reads: expected offtake from the active model's latest scores by AS_OF."""
    scores = await latest_scores(session, retailer_ids=retailer_ids, as_of=as_of)
    return {
        retailer_id: ExpectedOfftake(
            retailer_id=retailer_id,
            value=s.value,
            horizon_days=s.horizon_days,
            reasons=s.reasons,
            source=s.source,
        )
        for retailer_id, s in scores.items()
    }


_CONTRACT: ExpectedOfftakeSource = load_expected_offtake
