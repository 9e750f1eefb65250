"""GraphQL of the ranking domain: the active model's card, and a retailer's expected offtake.

Managers and brand HQ (ADMIN) read model cards; reps, managers and HQ read the scores of the
retailers they may see (a rep: its territory's). Distributors see neither.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import Select, Text, cast, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from backend.api.context import Context
from backend.api.guard.cost import cost
from backend.api.loaders import register_node
from backend.api.types import Connection, Money, Node, connection_page
from backend.auth.principal import Principal
from backend.identity.models import Role
from backend.kit.ids import decode_typed_id, encode_global_id
from backend.parties.models import Retailer
from backend.parties.repository import retailer_scope
from backend.ranking.models import RankingKind, RankingModel, RetailerScore
from backend.ranking.scores import (
    StoredScore,
    latest_run,
    latest_scores,
    source_of,
    stored_score,
)
from backend.ranking.service import REP_PORTFOLIO

if TYPE_CHECKING:
    from backend.parties.graphql_types import RetailerNode

RetailerRef = Annotated["RetailerNode", strawberry.lazy("backend.parties.graphql_types")]

CARD_READERS = (Role.ADMIN, Role.MANAGER)
SCORE_READERS = (Role.ADMIN, Role.MANAGER, Role.REP)

RankingKindEnum = strawberry.enum(
    RankingKind, description="MODEL (a fitted model) or BASELINE (the fallback it did not beat)."
)


@strawberry.type(description="One evaluation metric set at one validation cutoff.")
class RankingCutoffMetrics:
    cutoff: date = strawberry.field(description="The cutoff date; the horizon follows it.")
    ndcg_at_k: float = strawberry.field(description="NDCG@k, averaged over portfolios.")
    value_captured_at_k: float = strawberry.field(
        description="Share of a portfolio's future value bought by its top k, averaged."
    )
    poisson_deviance: float = strawberry.field(
        description="Mean Poisson deviance (lower is better)."
    )


@strawberry.type(description="How one candidate (the model or a baseline) did in evaluation.")
class RankingMetrics:
    name: str = strawberry.field(
        description="`model`, or a baseline: last_4_weeks, same_period_last_year, "
        "recency_frequency, random."
    )
    is_baseline: bool = strawberry.field(description="Whether this is a baseline.")
    ndcg_at_k: float = strawberry.field(description="NDCG@k averaged over the cutoffs.")
    value_captured_at_k: float = strawberry.field(
        description="Value captured by the top k, averaged over the cutoffs."
    )
    poisson_deviance: float = strawberry.field(description="Poisson deviance over the cutoffs.")
    per_cutoff: list[RankingCutoffMetrics] = strawberry.field(
        description="The same metrics at each validation cutoff.", metadata=cost(multiplier=12)
    )


@strawberry.type(description="A library and the version a model was built with.")
class LibraryVersion:
    name: str = strawberry.field(description="The library, e.g. scikit-learn.")
    version: str = strawberry.field(description="Its version.")


@strawberry.type(
    name="RankingModel",
    description="A trained offtake ranking: its window, evaluation, selection and provenance.",
)
class RankingModelNode(Node):
    version: str = strawberry.field(description="The artefact's version (time and data hash).")
    kind: RankingKind = strawberry.field(description="Whether a model or a baseline is served.")
    selected: str = strawberry.field(description="The candidate served: `model` or a baseline.")
    selection_message: str = strawberry.field(description="Why it was selected, in words.")
    trained_from: date = strawberry.field(description="First date of the data trained on.")
    trained_to: date = strawberry.field(description="Last date of the data trained on.")
    training_cutoffs: list[date] = strawberry.field(
        description="Cutoffs the served model was fitted on (none for a baseline)."
    )
    validation_cutoffs: list[date] = strawberry.field(
        description="Cutoffs of the rolling-origin evaluation."
    )
    horizon_days: int = strawberry.field(description="Days of purchases a score predicts.")
    k: int = strawberry.field(description="A day's visit capacity the metrics rank for.")
    retailer_count: int = strawberry.field(description="Retailers in the training data.")
    metrics: list[RankingMetrics] = strawberry.field(
        description="Every candidate's evaluation, best NDCG@k first.", metadata=cost(multiplier=5)
    )
    libraries: list[LibraryVersion] = strawberry.field(
        description="Library versions it was built with (a mismatch refuses the artefact)."
    )
    data_hash: str = strawberry.field(description="SHA-256 of the training tables.")
    is_active: bool = strawberry.field(description="Whether the planner is served from it.")
    created_at: datetime = strawberry.field(description="When it was trained (UTC).")
    activated_at: datetime | None = strawberry.field(description="When it was activated (UTC).")
    deactivated_at: datetime | None = strawberry.field(
        description="When a newer model replaced it (UTC)."
    )


@strawberry.type(
    name="ExpectedOfftake",
    description="What a retailer is expected to buy over the horizon, its rank, and why.",
)
class ExpectedOfftakeType:
    value: Money = strawberry.field(description="Expected purchase value over the horizon.")
    horizon_days: int = strawberry.field(description="Days from `asOf` the value covers.")
    as_of: date = strawberry.field(description="The scoring date (data before it was used).")
    rank: int = strawberry.field(description="1 = the first outlet to visit in its portfolio.")
    portfolio_size: int = strawberry.field(description="Outlets ranked in the same portfolio.")
    reasons: list[str] = strawberry.field(
        description="Up to three reasons in plain words.", metadata=cost(multiplier=3)
    )
    source: str = strawberry.field(
        description="The model version, or baseline:<name> when a baseline is served."
    )


def _metrics(report: dict[str, Any]) -> list[RankingMetrics]:
    from ml.baselines import BASELINE_NAMES

    rows = [
        RankingMetrics(
            name=name,
            is_baseline=name in BASELINE_NAMES,
            ndcg_at_k=result["ndcg_at_k"],
            value_captured_at_k=result["value_captured_at_k"],
            poisson_deviance=result["poisson_deviance"],
            per_cutoff=[
                RankingCutoffMetrics(
                    cutoff=date.fromisoformat(c["cutoff"]),
                    ndcg_at_k=c["ndcg_at_k"],
                    value_captured_at_k=c["value_captured_at_k"],
                    poisson_deviance=c["poisson_deviance"],
                )
                for c in result["per_cutoff"]
            ],
        )
        for name, result in report["models"].items()
    ]
    return sorted(rows, key=lambda m: (-m.ndcg_at_k, m.name))


def ranking_model_node(row: RankingModel) -> RankingModelNode:
    """Map a registry row to its card."""
    window = row.card.get("training_window", {})
    return RankingModelNode(
        id=strawberry.ID(encode_global_id("RankingModel", row.id)),
        version=row.version,
        kind=row.kind,
        selected=row.selected,
        selection_message=row.selection_message,
        trained_from=row.trained_from,
        trained_to=row.trained_to,
        training_cutoffs=[date.fromisoformat(d) for d in window.get("training_cutoffs", [])],
        validation_cutoffs=[date.fromisoformat(d) for d in row.metrics["cutoffs"]],
        horizon_days=row.horizon_days,
        k=int(row.metrics["k"]),
        retailer_count=row.retailer_count,
        metrics=_metrics(row.metrics),
        libraries=[LibraryVersion(name=n, version=v) for n, v in sorted(row.libraries.items())],
        data_hash=row.data_hash,
        is_active=row.is_active,
        created_at=row.created_at,
        activated_at=row.activated_at,
        deactivated_at=row.deactivated_at,
    )


async def ranking_models_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[RankingModel]:
    """Registry rows with these ids: ADMIN and MANAGER see the tenant's, others none."""
    scope = true() if principal.role in CARD_READERS else false()
    stmt = select(RankingModel).where(RankingModel.id.in_(ids), scope)
    return (await session.execute(stmt)).scalars().all()


def expected_offtake_node(score: StoredScore) -> ExpectedOfftakeType:
    """Map a stored score to its GraphQL object."""
    return ExpectedOfftakeType(
        value=Money(amount=score.value, currency=score.currency),
        horizon_days=score.horizon_days,
        as_of=score.as_of,
        rank=score.rank,
        portfolio_size=score.portfolio_size,
        reasons=list(score.reasons),
        source=score.source,
    )


def expected_offtake_loader(
    context: Context, as_of: date | None
) -> DataLoader[uuid.UUID, StoredScore | None]:
    """The request's loader of retailers' latest scores by AS_OF: one statement per batch."""

    async def load(ids: list[uuid.UUID]) -> list[StoredScore | None]:
        principal = await context.principal()
        principal.require(*SCORE_READERS)
        visible = select(Retailer.id).where(Retailer.id.in_(ids), retailer_scope(principal))
        allowed = set((await context.session.execute(visible)).scalars().all())
        found = await latest_scores(
            context.session, retailer_ids=[i for i in ids if i in allowed], as_of=as_of
        )
        return [found.get(i) for i in ids]

    loader: Any = context.loader(
        f"expected-offtake:{as_of.isoformat() if as_of else 'latest'}",
        lambda: DataLoader(load_fn=load),
    )
    return loader


async def retailer_expected_offtake(
    context: Context, retailer_id: uuid.UUID, as_of: date | None
) -> ExpectedOfftakeType | None:
    """The `Retailer.expectedOfftake` resolver's work (called from the parties type)."""
    score = await expected_offtake_loader(context, as_of).load(retailer_id)
    return None if score is None else expected_offtake_node(score)


@strawberry.type(description="A retailer in a rep's portfolio, in the order to visit.")
class RankedRetailer:
    expected_offtake: ExpectedOfftakeType = strawberry.field(
        description="Its expected purchases, rank and reasons."
    )
    retailer_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The retailer.")
    async def retailer(self, info: strawberry.Info[Context, None]) -> RetailerRef | None:
        from backend.parties.graphql_types import retailer_loader, retailer_node

        row = await retailer_loader(info.context).load(self.retailer_id)
        return None if row is None else retailer_node(row)


def ranked_query(principal: Principal, rep_id: uuid.UUID, as_of: date | None) -> Select[Any]:
    """Visible retailers of a rep's portfolio in the active model's latest run by AS_OF."""
    return (
        select(RetailerScore)
        .join(RankingModel, RankingModel.id == RetailerScore.model_id)
        .join(Retailer, Retailer.id == RetailerScore.retailer_id)
        .where(
            RankingModel.is_active,
            RetailerScore.portfolio == f"{REP_PORTFOLIO}{rep_id}",
            RetailerScore.as_of == latest_run(as_of),
            retailer_scope(principal),
        )
    )


RANK_KEY = func.lpad(cast(RetailerScore.rank, Text), 10, "0")


@strawberry.type
class RankingQuery:
    @strawberry.field(
        description="The active offtake ranking model's card (ADMIN, MANAGER); null before "
        "the first training run."
    )
    async def ranking_model(self, info: strawberry.Info[Context, None]) -> RankingModelNode | None:
        principal = await info.context.principal()
        principal.require(*CARD_READERS)
        stmt = select(RankingModel).where(RankingModel.is_active)
        row = (await info.context.session.execute(stmt)).scalar_one_or_none()
        return None if row is None else ranking_model_node(row)

    @strawberry.field(
        description="A rep's portfolio ranked by expected offtake, first to visit first, from "
        "the active model's latest scores on or before `asOf` (ADMIN, MANAGER, REP; only "
        "retailers you may see)."
    )
    async def ranked_retailers(
        self,
        info: strawberry.Info[Context, None],
        rep_id: Annotated[strawberry.ID, strawberry.argument(description="The rep.")],
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")],
        after: Annotated[
            str | None, strawberry.argument(description="Cursor to start after.")
        ] = None,
        as_of: Annotated[
            date | None,
            strawberry.argument(description="Latest scores on or before this date."),
        ] = None,
    ) -> Connection[RankedRetailer]:
        principal = await info.context.principal()
        principal.require(*SCORE_READERS)
        rep = decode_typed_id(rep_id, "Rep", field="repId")
        model = (
            await info.context.session.execute(select(RankingModel).where(RankingModel.is_active))
        ).scalar_one_or_none()
        source = "" if model is None else source_of(model.kind, model.version, model.selected)

        def to_node(row: RetailerScore) -> RankedRetailer:
            return RankedRetailer(
                expected_offtake=expected_offtake_node(stored_score(row, source)),
                retailer_id=row.retailer_id,
            )

        return await connection_page(
            info.context,
            ranked_query(principal, rep, as_of),
            sort_column=RANK_KEY,
            first=first,
            after=after,
            to_node=to_node,
            key=lambda row: f"{row.rank:010d}",
        )


register_node("RankingModel", ranking_models_by_ids, ranking_model_node)
