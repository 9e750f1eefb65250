"""Time and memory of training on about 1,000,000 retailer-cutoff rows.

python bench/ml_train_bench.py [--retailers 100000 --days 450 --cutoffs 10]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ml_common import ensure_synthetic, load_average, peak_rss_mb

from ml.modeling import fit_candidate, poisson_boosting
from ml.rolling import RunConfig, make_dataset, training_cutoffs
from ml.tables import load_tables


def main() -> None:
    """Run the training benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--retailers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=450)
    parser.add_argument("--cutoffs", type=int, default=10)
    parser.add_argument("--data", default="/tmp/jalur-ml-bench")
    args = parser.parse_args()
    folder = ensure_synthetic(Path(args.data), args.retailers, args.days, seed=2)
    print(f"load average before: {load_average()}")
    config = RunConfig(max_train_cutoffs=args.cutoffs)
    started = time.perf_counter()
    tables = load_tables(folder)
    loaded = time.perf_counter()
    print(f"peak RSS after loading {peak_rss_mb():.0f} MB", flush=True)
    dataset = make_dataset(tables, config)
    cutoffs = training_cutoffs(dataset.history, dataset.history.last_day + 1, config)
    features, target = dataset.training_rows(cutoffs, cache=False)
    built = time.perf_counter()
    print(f"peak RSS after features {peak_rss_mb():.0f} MB", flush=True)
    fit_candidate(poisson_boosting, dataset.spec, config.seed, features, target)
    fitted = time.perf_counter()
    print(f"sales lines {len(tables.sales):,}, retailers {dataset.history.n_retailers:,}")
    rows, columns = features.shape
    print(f"training rows {rows:,} x {columns} features ({len(cutoffs)} cutoffs)")
    print(f"load + validate      {loaded - started:7.1f} s")
    print(f"history + features   {built - loaded:7.1f} s")
    print(f"fit (HGB poisson)    {fitted - built:7.1f} s")
    print(f"features + fit       {fitted - loaded:7.1f} s   (target < 60 s)")
    print(f"peak RSS             {peak_rss_mb():7.0f} MB  (target < 2048 MB)")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
