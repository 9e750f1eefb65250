"""Train, select against baselines and write a versioned artefact; `python -m ml.train`."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict

from ml.artefact import Artefact, make_card, save_artefact
from ml.evaluate import EvaluationReport, format_report, parse_run_config, run_evaluation
from ml.history import day_to_date
from ml.modeling import CandidateFactory, Regressor, default_candidates, fit_candidate
from ml.rolling import Dataset, RunConfig, fit_to_history, make_dataset, training_cutoffs
from ml.tables import Tables, load_tables, tables_hash


def _iso(day: int) -> str:
    return day_to_date(day).date().isoformat()


def fit_production(
    dataset: Dataset, config: RunConfig, factory: CandidateFactory
) -> tuple[Regressor, list[int]]:
    """Fit a candidate on the newest cutoffs whose horizons are fully observed."""
    cutoffs = training_cutoffs(dataset.history, dataset.history.last_day + 1, config)
    features, target = dataset.training_rows(cutoffs, cache=False)
    return fit_candidate(factory, dataset.spec, config.seed, features, target), cutoffs


def train(
    tables: Tables,
    config: RunConfig | None = None,
    candidates: dict[str, CandidateFactory] | None = None,
) -> tuple[Artefact, EvaluationReport]:
    """Evaluate candidates on validation cutoffs, then fit and package the one to activate.

    When no candidate beats the best baseline, the artefact activates that baseline instead
    (its card's `selection_message` says so) and holds no fitted estimator.
    """
    config = config or RunConfig()
    candidates = candidates if candidates is not None else default_candidates()
    dataset = make_dataset(tables, config)
    config = fit_to_history(dataset.history, config)
    report = run_evaluation(dataset, config, candidates)
    estimator: Regressor | None = None
    cutoffs: list[int] = []
    if report.selected in candidates:
        estimator, cutoffs = fit_production(dataset, config, candidates[report.selected])
    history = dataset.history
    details = {
        "kind": "model" if estimator is not None else "baseline",
        "selection_message": report.selection_message,
        "training_window": {
            "first_date": _iso(history.first_day),
            "last_date": _iso(history.last_day),
            "training_cutoffs": sorted(_iso(c) for c in cutoffs),
            "validation_cutoffs": report.cutoffs,
        },
        "metrics": report.to_json(),
        "config": asdict(config),
        "n_retailers": history.n_retailers,
    }
    card = make_card(report.selected, dataset.spec, tables_hash(tables), details)
    return Artefact(report.selected, estimator, dataset.spec, card), report


def main(argv: list[str] | None = None) -> int:
    """Train from the command line and write MODEL_DIR/<version>/."""
    parser = argparse.ArgumentParser(prog="python -m ml.train", description=__doc__)
    parser.add_argument("--out", required=True, help="models folder; a version folder is added")
    args, config = parse_run_config(parser, argv)
    try:
        artefact, report = train(load_tables(args.data), config)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    folder = save_artefact(artefact, args.out)
    print(format_report(report))
    print(f"{artefact.card['selection_message']}")
    print(f"wrote artefact {artefact.version} to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
