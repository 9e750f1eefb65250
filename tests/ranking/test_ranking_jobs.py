"""Training and scoring jobs end to end on a small seeded tenant, against the real database."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import pytest
from sklearn.dummy import DummyRegressor
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.jobs.models import Job, JobStatus
from backend.jobs.runner import execute_job
from backend.jobs.service import submit_job
from backend.kit.db import set_tenant
from backend.kit.errors import JalurError
from backend.kit.settings import Settings
from backend.ranking.errors import ModelIncompatible
from backend.ranking.export import export_tables
from backend.ranking.models import RankingKind, RankingModel, RetailerScore
from backend.ranking.scores import load_expected_offtake
from backend.ranking.service import (
    activate,
    active_model,
    load_artefact_of,
    registry_row,
    score_into_table,
    scores_frame,
    train_and_activate,
)
from ml.artefact import Artefact
from ml.baselines import ACTIVATABLE_BASELINES
from ml.features import FeatureSpec
from ml.history import day_to_date
from ml.modeling import Regressor, poisson_boosting
from ml.rolling import RunConfig, make_dataset
from ml.train import fit_production, train
from tests.factories.ranking import RankingWorld, make_ranking_world

AS_OF = date(2026, 10, 26)  # the day after the last day of history
BASELINES = {"last_4_weeks", "recency_frequency", "random"}


@pytest.fixture
async def world(session: AsyncSession, settings: Settings) -> RankingWorld:
    built = await make_ranking_world(session, settings)
    await session.commit()
    return built


async def _run(
    sessionmaker: async_sessionmaker[AsyncSession],
    world: RankingWorld,
    kind: str,
    payload: dict[str, Any],
) -> tuple[Job, dict[str, Any] | None, Exception | None]:
    async with sessionmaker() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        job = await submit_job(session, tenant_id=world.tenant.id, kind=kind, payload=payload)
    result: dict[str, Any] | None = None
    error: Exception | None = None
    try:
        result = await execute_job(sessionmaker, job.id, world.tenant.id)
    except Exception as exc:  # the tests assert what was raised
        error = exc
    async with sessionmaker() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        done = (await session.execute(select(Job).where(Job.id == job.id))).scalar_one()
    return done, result, error


async def _models(session: AsyncSession) -> list[RankingModel]:
    stmt = select(RankingModel).order_by(RankingModel.activated_at)
    return list((await session.execute(stmt)).scalars().all())


async def _scores(session: AsyncSession, as_of: date) -> list[RetailerScore]:
    stmt = select(RetailerScore).where(RetailerScore.as_of == as_of)
    return list((await session.execute(stmt.order_by(RetailerScore.rank))).scalars().all())


async def test_the_training_job_registers_activates_and_scores(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, world: RankingWorld
) -> None:
    job, result, error = await _run(sessionmaker, world, "train_model", {"as_of": "2026-10-26"})

    assert error is None and job.status is JobStatus.SUCCEEDED
    await set_tenant(session, world.tenant.id)
    [model] = await _models(session)
    assert result == {
        "model_id": str(model.id),
        "version": model.version,
        "kind": model.kind.value,
        "selected": model.selected,
        "selection_message": model.selection_message,
        "as_of": "2026-10-26",
        "retailers_scored": 13,
    }
    assert model.is_active and model.activated_at is not None
    assert model.training_job_id == job.id
    assert (model.trained_from, model.trained_to) == (date(2026, 3, 2), date(2026, 10, 25))
    assert model.horizon_days == 28 and model.retailer_count == 13
    report = model.metrics
    assert report["selected"] == model.selected and report["k"] == 30
    assert report["cutoffs"] == ["2026-07-06", "2026-08-03", "2026-08-31", "2026-09-28"]
    assert set(report["models"]) == BASELINES | {"model"}
    # On twelve outlets with steady rhythms the model does not beat recency × frequency
    # (deterministic for the seed): production serves the baseline and says why.
    assert (model.kind, model.selected) == (RankingKind.BASELINE, "recency_frequency")
    assert model.selection_message.endswith("activating baseline 'recency_frequency' instead")
    assert set(model.libraries) >= {"scikit-learn", "numpy", "pandas", "python"}
    assert re.fullmatch("[0-9a-f]{64}", model.data_hash)
    assert model.card["training_window"]["validation_cutoffs"] == report["cutoffs"]
    assert (
        load_artefact_of(await active_model(session, with_artefact=True)).version == model.version
    )
    print(model.selection_message, model.metrics["models"]["model"]["ndcg_at_k"])

    scores = await _scores(session, AS_OF)
    assert len(scores) == 13
    assert {s.model_id for s in scores} == {model.id}
    beat = [s for s in scores if s.portfolio == f"rep:{world.rep.id}"]
    assert sorted(s.rank for s in beat) == list(range(1, 13))
    assert {s.portfolio_size for s in beat} == {12}
    [alone] = [s for s in scores if s.retailer_id == world.off_beat.id]
    assert (alone.portfolio, alone.rank, alone.portfolio_size) == ("rep:none", 1, 1)
    by_rank = sorted(beat, key=lambda s: s.rank)
    assert [s.expected_value for s in by_rank] == sorted(
        (s.expected_value for s in beat), reverse=True
    )
    assert all(s.currency == "IDR" and s.horizon_days == 28 for s in scores)
    assert all(1 <= len(s.reasons) <= 3 for s in scores)

    expected = await load_expected_offtake(
        session, retailer_ids=[r.id for r in world.retailers], as_of=date(2026, 11, 2)
    )
    assert set(expected) == {r.id for r in world.retailers}
    top = expected[by_rank[0].retailer_id]
    assert (top.value, top.horizon_days, top.reasons) == (
        by_rank[0].expected_value,
        28,
        tuple(by_rank[0].reasons),
    )
    source = model.version if model.kind is RankingKind.MODEL else f"baseline:{model.selected}"
    assert top.source == source
    assert (
        await load_expected_offtake(
            session, retailer_ids=[r.id for r in world.retailers], as_of=date(2026, 10, 25)
        )
        == {}
    )


async def test_training_again_activates_the_new_model_and_keeps_the_old(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, world: RankingWorld
) -> None:
    await _run(sessionmaker, world, "train_model", {"as_of": "2026-10-26"})
    job, _, error = await _run(sessionmaker, world, "train_model", {"as_of": "2026-10-26"})

    assert error is None
    await set_tenant(session, world.tenant.id)
    old, new = await _models(session)
    assert (old.is_active, new.is_active) == (False, True)
    assert old.deactivated_at is not None and new.training_job_id == job.id
    assert old.data_hash == new.data_hash  # the same data, trained twice
    assert {s.model_id for s in await _scores(session, AS_OF)} == {new.id}


def _constant(spec: FeatureSpec, seed: int) -> Regressor:
    return DummyRegressor(strategy="mean")


async def test_a_model_that_does_not_beat_the_baselines_activates_the_best_baseline(
    session: AsyncSession, world: RankingWorld, settings: Settings
) -> None:
    await set_tenant(session, world.tenant.id)
    outcome = await train_and_activate(
        session,
        world.tenant.id,
        as_of=AS_OF,
        settings=settings.model,
        candidates={"model": _constant},
    )

    model = outcome.model
    assert model.kind is RankingKind.BASELINE and model.is_active
    assert model.selected in ACTIVATABLE_BASELINES
    metrics = model.metrics["models"]
    best = max((n for n in metrics if n in BASELINES), key=lambda n: metrics[n]["ndcg_at_k"])
    assert model.selection_message == (
        f"no model beats the best baseline '{best}' on NDCG@k and value captured@k; "
        f"activating baseline '{model.selected}' instead"
    )
    assert metrics["model"]["ndcg_at_k"] <= metrics[best]["ndcg_at_k"]
    assert load_artefact_of(await active_model(session, with_artefact=True)).uses_baseline
    assert outcome.scored == 13
    expected = await load_expected_offtake(session, retailer_ids=[world.on_beat[0].id], as_of=AS_OF)
    assert expected[world.on_beat[0].id].source == f"baseline:{model.selected}"


async def test_the_scoring_job_replaces_the_scores_of_its_date(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, world: RankingWorld
) -> None:
    await _run(sessionmaker, world, "train_model", {"as_of": "2026-10-26"})
    for _ in range(2):
        job, result, error = await _run(
            sessionmaker, world, "score_retailers", {"as_of": "2026-11-02"}
        )
        assert error is None and job.status is JobStatus.SUCCEEDED

    await set_tenant(session, world.tenant.id)
    [model] = await _models(session)
    assert result == {
        "model_id": str(model.id),
        "version": model.version,
        "as_of": "2026-11-02",
        "retailers_scored": 13,
    }
    assert len(await _scores(session, date(2026, 11, 2))) == 13
    assert len(await _scores(session, AS_OF)) == 13
    expected = await load_expected_offtake(
        session, retailer_ids=[world.on_beat[0].id], as_of=date(2026, 11, 5)
    )
    [stored] = [
        s for s in await _scores(session, date(2026, 11, 2)) if s.retailer_id == world.on_beat[0].id
    ]
    assert expected[world.on_beat[0].id].value == stored.expected_value


async def test_scoring_deletes_runs_older_than_the_retention_window(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, world: RankingWorld
) -> None:
    # given the training run's scores as of 26 Oct
    await _run(sessionmaker, world, "train_model", {"as_of": "2026-10-26"})
    await set_tenant(session, world.tenant.id)
    model = await active_model(session, with_artefact=True)
    artefact = load_artefact_of(model)

    async def score_on(day: date, keep_days: int) -> int:
        export = await export_tables(session, before=day)
        return await score_into_table(
            session, world.tenant.id, model, artefact, export, day, keep_days=keep_days
        )

    # when 30 Oct is scored keeping 4 days, 26 Oct is still inside the window
    await score_on(date(2026, 10, 30), 4)
    assert len(await _scores(session, AS_OF)) == 13
    # when 2 Nov is scored keeping 4 days, 26 Oct goes and 30 Oct stays
    assert await score_on(date(2026, 11, 2), 4) == 13
    assert [len(await _scores(session, d)) for d in (AS_OF, date(2026, 10, 30))] == [0, 13]
    assert len(await _scores(session, date(2026, 11, 2))) == 13


async def test_a_refused_artefact_fails_the_scoring_job_with_a_code_and_writes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, world: RankingWorld
) -> None:
    await _run(sessionmaker, world, "train_model", {"as_of": "2026-10-26"})
    async with sessionmaker() as s, s.begin():
        await set_tenant(s, world.tenant.id)
        model = (await s.execute(select(RankingModel))).scalar_one()
        card = dict(model.card) | {"libraries": model.card["libraries"] | {"scikit-learn": "0.9.0"}}
        await s.execute(update(RankingModel).values(card=card))

    job, result, error = await _run(sessionmaker, world, "score_retailers", {"as_of": "2026-11-02"})

    assert isinstance(error, ModelIncompatible) and result is None
    assert "built with scikit-learn 0.9.0" in error.message
    assert job.status is JobStatus.FAILED and job.attempts == 1  # not retried: it cannot succeed
    assert job.error is not None and job.error.startswith("MODEL_INCOMPATIBLE: artefact ")
    await set_tenant(session, world.tenant.id)
    assert await _scores(session, date(2026, 11, 2)) == []


async def test_a_tampered_artefact_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, world: RankingWorld
) -> None:
    await _run(sessionmaker, world, "train_model", {"as_of": "2026-10-26"})
    async with sessionmaker() as s, s.begin():
        await set_tenant(s, world.tenant.id)
        await s.execute(update(RankingModel).values(artefact=b"not the model"))

    job, _, error = await _run(sessionmaker, world, "score_retailers", {"as_of": "2026-11-02"})

    assert isinstance(error, ModelIncompatible)
    assert job.error is not None and "does not match its card" in job.error


@pytest.mark.parametrize(
    ("kind", "code"),
    [("score_retailers", "NO_ACTIVE_MODEL"), ("train_model", "NOT_ENOUGH_HISTORY")],
)
async def test_jobs_that_cannot_run_fail_with_a_code(
    sessionmaker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    settings: Settings,
    kind: str,
    code: str,
) -> None:
    short = await make_ranking_world(session, settings, days=60)
    await session.commit()

    job, _, error = await _run(sessionmaker, short, kind, {"as_of": "2026-05-01"})

    assert isinstance(error, JalurError) and error.code == code
    assert job.status is JobStatus.FAILED and job.error is not None
    assert job.error.startswith(f"{code}: ")
    await set_tenant(session, short.tenant.id)
    assert await _models(session) == []
    count = select(func.count()).select_from(RetailerScore)
    assert (await session.execute(count)).scalar_one() == 0


async def test_scores_and_models_stay_inside_their_tenant(
    sessionmaker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    settings: Settings,
    world: RankingWorld,
) -> None:
    await _run(sessionmaker, world, "train_model", {"as_of": "2026-10-26"})
    other = await make_ranking_world(session, settings, outlets=3, days=30)
    await session.commit()

    await set_tenant(session, other.tenant.id)
    assert await _models(session) == []
    assert await _scores(session, AS_OF) == []
    assert (
        await load_expected_offtake(
            session, retailer_ids=[r.id for r in world.retailers], as_of=AS_OF
        )
        == {}
    )
    job, _, error = await _run(sessionmaker, other, "score_retailers", {"as_of": "2026-11-02"})
    assert isinstance(error, JalurError) and error.code == "NO_ACTIVE_MODEL"
    assert uuid.UUID(str(job.tenant_id)) == other.tenant.id


async def test_a_fitted_model_is_stored_reloaded_and_scores_through_its_estimator(
    sessionmaker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    world: RankingWorld,
    settings: Settings,
) -> None:
    # The small world's selection serves a baseline, so package a fitted model by hand the
    # way `ml.train` does when the model wins, and let the scoring job serve it.
    await set_tenant(session, world.tenant.id)
    export = await export_tables(session, before=AS_OF)
    config = RunConfig()
    baseline_artefact, _ = train(export.tables, config)
    dataset = make_dataset(export.tables, config)
    estimator, cutoffs = fit_production(dataset, config, poisson_boosting)
    window = baseline_artefact.card["training_window"] | {
        "training_cutoffs": sorted(day_to_date(c).date().isoformat() for c in cutoffs)
    }
    card = baseline_artefact.card | {
        "active": "model",
        "kind": "model",
        "training_window": window,
    }
    fitted = Artefact("model", estimator, dataset.spec, card)
    model = registry_row(world.tenant.id, fitted)
    await activate(session, world.tenant.id, model)
    await session.commit()

    job, result, error = await _run(sessionmaker, world, "score_retailers", {"as_of": "2026-11-02"})

    assert error is None and job.status is JobStatus.SUCCEEDED
    assert result is not None and result["retailers_scored"] == 13
    await set_tenant(session, world.tenant.id)
    stored = await active_model(session, with_artefact=True)
    assert stored.kind is RankingKind.MODEL and len(stored.artefact) > 10_000
    reloaded = load_artefact_of(stored)
    assert not reloaded.uses_baseline
    export_at = await export_tables(session, before=date(2026, 11, 2))
    expected = scores_frame(reloaded, export_at, date(2026, 11, 2))
    by_id = dict(zip(expected["retailer_id"], expected["expected_value"], strict=True))
    scores = await _scores(session, date(2026, 11, 2))
    assert {str(s.retailer_id): float(s.expected_value) for s in scores} == pytest.approx(
        {r: round(v, 2) for r, v in by_id.items()}, abs=0.006
    )
    offtake = await load_expected_offtake(
        session, retailer_ids=[world.on_beat[0].id], as_of=date(2026, 11, 2)
    )
    assert offtake[world.on_beat[0].id].source == model.version


async def test_a_model_needing_data_the_tenant_no_longer_has_fails_with_a_code(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, world: RankingWorld
) -> None:
    await _run(sessionmaker, world, "train_model", {"as_of": "2026-10-26"})
    async with sessionmaker() as s, s.begin():
        await set_tenant(s, world.tenant.id)
        model = (await s.execute(select(RankingModel))).scalar_one()
        offtake = ["offtake_quantity_28", "offtake_quantity_91"]
        card = dict(model.card) | {
            "feature_spec": model.card["feature_spec"] | {"has_offtake": True},
            "feature_names": model.card["feature_names"] + offtake,
        }
        await s.execute(update(RankingModel).values(card=card))

    job, _, error = await _run(sessionmaker, world, "score_retailers", {"as_of": "2026-11-02"})

    assert isinstance(error, ModelIncompatible)
    assert job.status is JobStatus.FAILED and job.attempts == 1
    assert job.error == (
        f"MODEL_INCOMPATIBLE: ranking model {model.version} cannot score 2026-11-02: "
        f"the data cannot produce features {offtake} that the model needs"
    )
    await set_tenant(session, world.tenant.id)
    assert await _scores(session, date(2026, 11, 2)) == []
