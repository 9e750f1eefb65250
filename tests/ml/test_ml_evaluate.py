"""Rolling-origin evaluation: report shape, small datasets, clear failures, selection."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ml.evaluate import main, run_evaluation, select_active
from ml.history import day_to_date
from ml.rolling import (
    NotEnoughHistoryError,
    RunConfig,
    evaluation_cutoffs,
    fit_to_history,
    make_dataset,
    training_cutoffs,
)
from ml.synthetic import generate, write_tables
from ml.tables import Tables

METRIC_KEYS = {"ndcg_at_k", "value_captured_at_k", "poisson_deviance"}


def metrics(ndcg: float, captured: float) -> dict[str, Any]:
    return {"ndcg_at_k": ndcg, "value_captured_at_k": captured, "poisson_deviance": 1.0}


def test_cli_writes_report_of_the_documented_shape(
    tiny_tables: Tables, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tables(tiny_tables, tmp_path / "data")
    code = main(["--data", str(tmp_path / "data"), "--out", str(tmp_path / "report.json")])
    report = json.loads((tmp_path / "report.json").read_text())
    assert code == 0
    assert report["k"] == 30 and report["horizon_days"] == 28
    assert report["cutoffs"] == ["2024-09-10", "2024-10-08", "2024-11-05", "2024-12-03"]
    # One year of history: no same period last year at any cutoff.
    assert set(report["models"]) == {"model", "last_4_weeks", "recency_frequency", "random"}
    assert report["selected"] in report["models"]
    for result in report["models"].values():
        assert set(result) == METRIC_KEYS | {"per_cutoff"}
        assert [row["cutoff"] for row in result["per_cutoff"]] == report["cutoffs"]
        assert all(set(row) == METRIC_KEYS | {"cutoff"} for row in result["per_cutoff"])
    assert set(report) == {
        "k",
        "horizon_days",
        "cutoffs",
        "selected",
        "models",
        "groups_without_future_sales",
    }
    assert "selected:" in capsys.readouterr().out


def test_same_period_last_year_appears_with_two_years(small_tables: Tables) -> None:
    config = RunConfig(n_cutoffs=2, max_train_cutoffs=4)
    report = run_evaluation(make_dataset(small_tables, config), config)
    assert "same_period_last_year" in report.models
    assert report.group_by == "rep_id"


def test_too_short_history_fails_clearly() -> None:
    # Two horizons and two weeks of history are the least even the short layout needs.
    tables = generate(retailers=20, days=60, seed=1)
    config = RunConfig()
    with pytest.raises(
        NotEnoughHistoryError,
        match=r"58 days .* after 14 days .* \(at least 70 days are needed\)",
    ):
        run_evaluation(make_dataset(tables, config), config)


def test_twelve_weeks_get_weekly_cutoffs_trained_only_on_earlier_horizons() -> None:
    tables = generate(retailers=60, days=84, seed=2)
    config = RunConfig()
    dataset = make_dataset(tables, config)
    history = dataset.history
    layout = fit_to_history(history, config)
    assert dataset.spec.short_history
    assert (layout.cutoff_step_days, layout.train_step_days, layout.min_history_days) == (7, 7, 14)
    cutoffs = evaluation_cutoffs(history, layout)
    # The newest horizon ends on the last day; three weekly origins fit behind it.
    assert [c - history.first_day for c in cutoffs] == [42, 49, 56]
    assert cutoffs[-1] + 28 == history.last_day + 1
    for cutoff in cutoffs:
        trained_on = training_cutoffs(history, cutoff, layout)
        assert all(t + 28 <= cutoff and t - history.first_day >= 14 for t in trained_on)
    assert [t - history.first_day for t in training_cutoffs(history, cutoffs[0], layout)] == [14]
    report = run_evaluation(dataset, config)
    assert report.horizon_days == 28
    assert report.cutoffs == [str(day_to_date(c).date()) for c in cutoffs]
    assert set(report.models) == {"model", "last_4_weeks", "recency_frequency", "random"}


def test_a_year_keeps_the_configured_layout(tiny_tables: Tables) -> None:
    config = RunConfig()
    dataset = make_dataset(tiny_tables, config)
    assert fit_to_history(dataset.history, config) is config
    assert not dataset.spec.short_history


def test_malformed_input_exits_with_the_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "retailers.csv").write_text("retailer_id\nR1\n")
    (tmp_path / "sales.csv").write_text(
        "retailer_id,date,sku,quantity,value\nR1,01/02/2025,S,1,2\n"
    )
    code = main(["--data", str(tmp_path), "--out", str(tmp_path / "r.json")])
    assert code == 2
    assert "sales.csv row 1, column 'date'" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


def test_selection_activates_a_model_that_beats_every_baseline() -> None:
    models = {
        "model": metrics(0.8, 0.7),
        "last_4_weeks": metrics(0.7, 0.6),
        "recency_frequency": metrics(0.75, 0.65),
        "random": metrics(0.2, 0.1),
    }
    assert select_active(models, ["model"])[0] == "model"


def test_selection_falls_back_to_the_best_baseline() -> None:
    models = {
        "model": metrics(0.8, 0.6),  # better NDCG, but captures less value
        "last_4_weeks": metrics(0.7, 0.5),
        "recency_frequency": metrics(0.75, 0.65),
        "random": metrics(0.2, 0.1),
    }
    name, message = select_active(models, ["model"])
    assert name == "recency_frequency"
    assert "activating baseline 'recency_frequency' instead" in message


def test_random_is_never_activated() -> None:
    models = {
        "model": metrics(0.1, 0.1),
        "last_4_weeks": metrics(0.2, 0.2),
        "recency_frequency": metrics(0.25, 0.2),
        "random": metrics(0.3, 0.3),
    }
    assert select_active(models, ["model"])[0] == "recency_frequency"
