"""Time scoring 100,000 retailers (features, prediction, reasons) with a fitted model.

python bench/ml_score_bench.py [--data /tmp/jalur-ml-bench]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from ml_common import ensure_synthetic, load_average, peak_rss_mb

from ml.artefact import Artefact
from ml.features import build_features
from ml.history import day_to_date
from ml.modeling import poisson_boosting, predict_values
from ml.rolling import RunConfig, make_dataset
from ml.scoring import score
from ml.tables import load_tables
from ml.train import fit_production


def main() -> None:
    """Fit a model on two cutoffs, then time scoring every retailer."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--retailers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=450)
    parser.add_argument("--data", default="/tmp/jalur-ml-bench")
    args = parser.parse_args()
    folder = ensure_synthetic(Path(args.data), args.retailers, args.days, seed=2)
    config = RunConfig(max_train_cutoffs=2)
    dataset = make_dataset(load_tables(folder), config)
    estimator, _ = fit_production(dataset, config, poisson_boosting)
    artefact = Artefact("model", estimator, dataset.spec, {"version": "bench"})
    as_of = day_to_date(dataset.history.last_day + 1)
    print(f"load average before: {load_average()}")
    timings = []
    for attempt in range(3):
        started = time.perf_counter()
        scores = score(artefact, dataset.history, as_of)
        timings.append(time.perf_counter() - started)
        print(f"score run {attempt + 1}: {len(scores):,} retailers in {timings[-1]:.2f} s")
    print(f"best {min(timings):.2f} s  (target < 2 s; the first run includes loading holidays)")
    started = time.perf_counter()
    features = build_features(dataset.history, dataset.spec, as_of)
    built = time.perf_counter()
    predict_values(estimator, features.to_numpy(np.float32))
    predicted = time.perf_counter()
    print(f"of which: features {built - started:.2f} s, prediction {predicted - built:.2f} s")
    print(f"example: {scores.iloc[0]['retailer_id']} {scores.iloc[0]['reasons']}")
    print(f"peak RSS {peak_rss_mb():.0f} MB; load average after: {load_average()}")


if __name__ == "__main__":
    main()
