"""Rolling-origin evaluation of the model against baselines; `python -m ml.evaluate`."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ml.baselines import ACTIVATABLE_BASELINES, BASELINE_NAMES, baseline_predictions
from ml.features import build_target, model_matrix
from ml.history import day_to_date
from ml.metrics import score_groups, split_groups
from ml.modeling import CandidateFactory, default_candidates, fit_candidate, predict_values
from ml.rolling import (
    Dataset,
    RunConfig,
    evaluation_cutoffs,
    fit_to_history,
    make_dataset,
    training_cutoffs,
)
from ml.tables import load_tables

GROUP_COLUMNS = ("rep_id", "distributor_id")
METRICS = ("ndcg_at_k", "value_captured_at_k", "poisson_deviance")


def portfolio_groups(retailers: pd.DataFrame) -> tuple[str, np.ndarray]:
    """Return the grouping column used (rep, else distributor, else all) and each row's group."""
    for column in GROUP_COLUMNS:
        if column in retailers.columns and retailers[column].notna().any():
            labels = retailers[column].fillna(f"(no {column})").astype(str).to_numpy()
            return column, labels
    return "all", np.full(len(retailers), "all", dtype=object)


@dataclass
class EvaluationReport:
    """Metrics of every model and baseline at every cutoff, and the one to activate."""

    k: int
    horizon_days: int
    cutoffs: list[str]
    selected: str
    models: dict[str, dict[str, Any]]
    group_by: str
    groups_without_future_sales: dict[str, list[str]]
    selection_message: str

    def to_json(self) -> dict[str, Any]:
        """Return the report.json document."""
        return {
            "k": self.k,
            "horizon_days": self.horizon_days,
            "cutoffs": self.cutoffs,
            "selected": self.selected,
            "models": self.models,
            "groups_without_future_sales": self.groups_without_future_sales,
        }


def select_active(models: dict[str, dict[str, Any]], candidates: list[str]) -> tuple[str, str]:
    """Pick the candidate that beats the best baseline on NDCG@k and value captured, else it."""
    baselines = [name for name in models if name in BASELINE_NAMES]
    best = max(baselines, key=lambda name: models[name]["ndcg_at_k"])
    winners = [
        name
        for name in candidates
        if models[name]["ndcg_at_k"] > models[best]["ndcg_at_k"]
        and models[name]["value_captured_at_k"] > models[best]["value_captured_at_k"]
    ]
    if winners:
        chosen = max(winners, key=lambda name: models[name]["ndcg_at_k"])
        return chosen, f"activating '{chosen}': it beats the best baseline '{best}'"
    fallback = max(
        (name for name in baselines if name in ACTIVATABLE_BASELINES),
        key=lambda name: models[name]["ndcg_at_k"],
    )
    return fallback, (
        f"no model beats the best baseline '{best}' on NDCG@k and value captured@k; "
        f"activating baseline '{fallback}' instead"
    )


def _predict_at(
    dataset: Dataset, cutoff: int, config: RunConfig, candidates: dict[str, CandidateFactory]
) -> dict[str, np.ndarray]:
    train_at = training_cutoffs(dataset.history, cutoff, config)
    train_features, train_target = dataset.training_rows(train_at)
    features = dataset.features(cutoff)
    predictions = baseline_predictions(features, config.horizon_days, config.seed + cutoff)
    test_rows = model_matrix(features, dataset.spec)
    for name, factory in candidates.items():
        estimator = fit_candidate(factory, dataset.spec, config.seed, train_features, train_target)
        predictions[name] = predict_values(estimator, test_rows)
    return predictions


def run_evaluation(
    dataset: Dataset, config: RunConfig, candidates: dict[str, CandidateFactory] | None = None
) -> EvaluationReport:
    """Train on data before each cutoff, score the next horizon, compare with baselines."""
    candidates = candidates if candidates is not None else default_candidates()
    config = fit_to_history(dataset.history, config)
    cutoffs = evaluation_cutoffs(dataset.history, config)
    group_by, group_ids = portfolio_groups(dataset.history.retailers)
    labels, members = split_groups(group_ids)
    per_cutoff: dict[str, list[dict[str, Any]]] = {}
    empty_groups: dict[str, list[str]] = {}
    for cutoff in cutoffs:
        date = day_to_date(cutoff).date().isoformat()
        truth = build_target(dataset.history, cutoff, config.horizon_days)
        empty_groups[date] = [
            str(labels[i]) for i, rows in enumerate(members) if truth[rows].sum() <= 0
        ]
        for name, predicted in _predict_at(dataset, cutoff, config, candidates).items():
            scores = score_groups(members, truth, predicted, config.k)
            row = {"cutoff": date} | {metric: getattr(scores, metric) for metric in METRICS}
            per_cutoff.setdefault(name, []).append(row)
    models = {
        name: {metric: float(np.mean([row[metric] for row in rows])) for metric in METRICS}
        | {"per_cutoff": rows}
        for name, rows in per_cutoff.items()
        if len(rows) == len(cutoffs)  # a baseline missing history at some cutoff is left out
    }
    selected, message = select_active(models, list(candidates))
    dates = [day_to_date(c).date().isoformat() for c in cutoffs]
    return EvaluationReport(
        config.k, config.horizon_days, dates, selected, models, group_by, empty_groups, message
    )


def format_report(report: EvaluationReport) -> str:
    """Render the report as a readable table."""
    lines = [
        f"horizon {report.horizon_days} days, k = {report.k}, groups by {report.group_by}, "
        f"cutoffs {', '.join(report.cutoffs)}",
        f"{'model':<24}{'NDCG@k':>10}{'captured@k':>12}{'Poisson dev.':>16}",
    ]
    for name, result in sorted(report.models.items(), key=lambda item: -item[1]["ndcg_at_k"]):
        mark = " *" if name == report.selected else ""
        lines.append(
            f"{name:<24}{result['ndcg_at_k']:>10.4f}{result['value_captured_at_k']:>12.4f}"
            f"{result['poisson_deviance']:>16.1f}{mark}"
        )
    for cutoff, groups in report.groups_without_future_sales.items():
        if groups:
            lines.append(
                f"{cutoff}: {len(groups)} group(s) with no future sales, not scored: "
                + ", ".join(groups[:10])
                + (" …" if len(groups) > 10 else "")
            )
    lines.append(f"selected: {report.selected} ({report.selection_message})")
    return "\n".join(lines)


def parse_run_config(
    parser: argparse.ArgumentParser, argv: list[str] | None
) -> tuple[argparse.Namespace, RunConfig]:
    """Parse the shared options into a RunConfig."""
    parser.add_argument("--data", required=True, help="folder with retailers.csv, sales.csv, …")
    parser.add_argument("--horizon-days", type=int, default=28)
    parser.add_argument("--k", type=int, default=30, help="a day's visit capacity")
    parser.add_argument("--cutoffs", type=int, default=4, help="number of evaluation cutoffs")
    parser.add_argument("--country", default="ID", help="holiday country code (ID, IN, …)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    config = RunConfig(
        horizon_days=args.horizon_days,
        k=args.k,
        n_cutoffs=args.cutoffs,
        country=args.country,
        seed=args.seed,
    )
    return args, config


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation from the command line."""
    parser = argparse.ArgumentParser(prog="python -m ml.evaluate", description=__doc__)
    parser.add_argument("--out", required=True, help="where to write report.json")
    args, config = parse_run_config(parser, argv)
    try:
        report = run_evaluation(make_dataset(load_tables(args.data), config), config)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    Path(args.out).write_text(json.dumps(report.to_json(), indent=2) + "\n")
    print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
