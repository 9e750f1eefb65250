"""Run the rolling-origin evaluation on a synthetic dataset and check the model's wins.

python bench/ml_evaluate_bench.py [--retailers 3000 --days 730 --seed 0]
Prints the report table and, per cutoff, whether the model beats every baseline on
NDCG@k and on value captured@k.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ml_common import load_average, print_wins

from ml.evaluate import format_report, run_evaluation
from ml.rolling import RunConfig, make_dataset
from ml.synthetic import generate


def main() -> None:
    """Evaluate and print per-cutoff wins against every baseline."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--retailers", type=int, default=3000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="/tmp/jalur-ml-report.json")
    args = parser.parse_args()
    print(f"load average before: {load_average()}")
    started = time.perf_counter()
    config = RunConfig()
    report = run_evaluation(
        make_dataset(generate(args.retailers, args.days, args.seed), config), config
    )
    print(format_report(report))
    Path(args.out).write_text(json.dumps(report.to_json(), indent=2))
    print_wins(report)
    elapsed = time.perf_counter() - started
    print(f"evaluation took {elapsed:.1f} s; load average after: {load_average()}")


if __name__ == "__main__":
    main()
