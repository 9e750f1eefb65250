"""Training: determinism, artefact round trip and refusal, baseline fallback, scoring."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyRegressor

from ml.artefact import IncompatibleArtefactError, load_artefact, save_artefact
from ml.features import FeatureSpec
from ml.modeling import Regressor
from ml.rolling import RunConfig
from ml.scoring import score
from ml.synthetic import generate, write_tables
from ml.tables import Tables, load_tables
from ml.train import main, train

AS_OF = pd.Timestamp("2025-01-01")


def constant_model(spec: FeatureSpec, seed: int) -> Regressor:
    """A candidate with no signal, which must lose to the baselines."""
    return DummyRegressor(strategy="mean")


def test_training_is_deterministic_with_a_seed(tiny_tables: Tables) -> None:
    first, first_report = train(tiny_tables, RunConfig(seed=7))
    second, second_report = train(tiny_tables, RunConfig(seed=7))
    assert first_report.to_json() == second_report.to_json()
    pd.testing.assert_frame_equal(
        score(first, tiny_tables, AS_OF), score(second, tiny_tables, AS_OF)
    )


def test_synthetic_data_is_deterministic_with_a_seed(tmp_path: Path) -> None:
    write_tables(generate(30, 60, seed=11), tmp_path / "a")
    write_tables(generate(30, 60, seed=11), tmp_path / "b")
    write_tables(generate(30, 60, seed=12), tmp_path / "c")
    for name in ("retailers.csv", "sales.csv", "visits.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "sales.csv").read_bytes() != (
        tmp_path / "c" / "sales.csv"
    ).read_bytes()


def test_artefact_round_trip_scores_identically(tiny_tables: Tables, tmp_path: Path) -> None:
    artefact, _ = train(tiny_tables)
    folder = save_artefact(artefact, tmp_path)
    loaded = load_artefact(tmp_path)
    assert folder.name == artefact.version == loaded.version
    assert loaded.card["feature_names"] == artefact.spec.feature_names()
    assert loaded.card["training_window"]["last_date"] == "2024-12-30"
    assert set(loaded.card["libraries"]) >= {"scikit-learn", "numpy", "pandas", "holidays"}
    pd.testing.assert_frame_equal(
        score(artefact, tiny_tables, AS_OF), score(loaded, tiny_tables, AS_OF)
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("libraries", {"scikit-learn": "0.24.2", "numpy": np.__version__}, "scikit-learn 0.24.2"),
        ("feature_set_version", "1999-01-01.1", "feature set 1999-01-01.1"),
        ("format_version", 99, "format version 99"),
    ],
)
def test_mismatched_artefact_is_refused(
    tiny_tables: Tables, tmp_path: Path, field: str, value: object, message: str
) -> None:
    artefact, _ = train(tiny_tables, RunConfig(n_cutoffs=1))
    folder = save_artefact(artefact, tmp_path)
    card = json.loads((folder / "card.json").read_text())
    (folder / "card.json").write_text(json.dumps(card | {field: value}))
    with pytest.raises(IncompatibleArtefactError, match=message):
        load_artefact(folder)


def test_tampered_model_file_is_refused(tiny_tables: Tables, tmp_path: Path) -> None:
    artefact, _ = train(tiny_tables, RunConfig(n_cutoffs=1))
    folder = save_artefact(artefact, tmp_path)
    (folder / "model.pkl").write_bytes(b"not a model")
    with pytest.raises(IncompatibleArtefactError, match="does not match its card"):
        load_artefact(folder)


def test_model_that_loses_activates_the_best_baseline(small_tables: Tables, tmp_path: Path) -> None:
    config = RunConfig(n_cutoffs=2, max_train_cutoffs=3)
    artefact, report = train(small_tables, config, candidates={"model": constant_model})
    assert artefact.uses_baseline
    assert artefact.active == report.selected
    assert artefact.active in {"last_4_weeks", "recency_frequency", "same_period_last_year"}
    assert f"activating baseline '{artefact.active}' instead" in artefact.card["selection_message"]
    loaded = load_artefact(save_artefact(artefact, tmp_path))
    scores = score(loaded, small_tables, AS_OF)
    assert len(scores) == 400 and (scores["expected_value"] >= 0).all()


def test_model_beats_baselines_on_signal(small_tables: Tables) -> None:
    artefact, report = train(small_tables, RunConfig(n_cutoffs=2, max_train_cutoffs=6))
    assert report.selected == "model" and not artefact.uses_baseline
    assert artefact.card["kind"] == "model"


def test_score_ranks_within_portfolio_with_plain_reasons(tiny_tables: Tables) -> None:
    artefact, _ = train(tiny_tables, RunConfig(n_cutoffs=1))
    scores = score(artefact, tiny_tables, AS_OF)
    assert list(scores.columns) == ["retailer_id", "expected_value", "group_id", "rank", "reasons"]
    for _, group in scores.groupby("group_id"):
        ordered = group.sort_values("rank")
        assert ordered["rank"].tolist() == list(range(1, len(group) + 1))
        assert ordered["expected_value"].is_monotonic_decreasing
    assert all(0 < len(reasons) <= 3 for reasons in scores["reasons"])
    sentences = [text for reasons in scores["reasons"] for text in reasons]
    assert any("-day rhythm" in text for text in sentences)


def test_cli_writes_a_loadable_artefact(tiny_tables: Tables, tmp_path: Path) -> None:
    write_tables(tiny_tables, tmp_path / "data")
    assert main(["--data", str(tmp_path / "data"), "--out", str(tmp_path / "models")]) == 0
    loaded = load_artefact(tmp_path / "models")
    assert loaded.card["data_hash"] == load_artefact(tmp_path / "models").card["data_hash"]
    assert len(score(loaded, load_tables(tmp_path / "data"), AS_OF)) == 40
