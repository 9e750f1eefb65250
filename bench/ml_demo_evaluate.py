"""Evaluate the ranking model on the demo tenant's own history (seed it first).

    .venv/bin/jalur demo seed
    python bench/ml_demo_evaluate.py [--data /tmp/jalur-ml-demo] [--out report.json]

Exports the demo (`backend.ranking.export_cli`: secondary invoice lines as sales, visits,
sell-out as offtake) to CSV files, runs `ml`'s rolling-origin evaluation on them (twelve weeks
of history: the short-history layout, weekly cutoffs), and prints the report, every model's
figures at every cutoff, and whether the model beats every baseline at every cutoff. The same
figures come from `python -m ml.evaluate --data DIR --out report.json` on the exported folder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

from ml_common import load_average, print_per_cutoff, print_wins

from backend.ranking.export_cli import export_frames, write_folder
from ml.evaluate import format_report, run_evaluation
from ml.rolling import RunConfig, make_dataset
from ml.tables import load_tables


def main() -> None:
    """Export, evaluate and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenant", default="jkt-demo")
    parser.add_argument("--data", default="/tmp/jalur-ml-demo", help="where to write the CSVs")
    parser.add_argument("--out", default="/tmp/jalur-ml-demo-report.json")
    args = parser.parse_args()
    print(f"load average before: {load_average()}")
    started = time.perf_counter()
    counts = write_folder(asyncio.run(export_frames(args.tenant, None)), Path(args.data))
    exported = time.perf_counter()
    print(", ".join(f"{name}.csv: {count:,} rows" for name, count in counts.items()))
    tables = load_tables(args.data)
    first, last = tables.sales["date"].min().date(), tables.sales["date"].max().date()
    print(f"sales from {first} to {last} ({(last - first).days + 1} days)")
    config = RunConfig()
    report = run_evaluation(make_dataset(tables, config), config)
    Path(args.out).write_text(json.dumps(report.to_json(), indent=2) + "\n")
    print(format_report(report))
    print_per_cutoff(report)
    print_wins(report)
    done = time.perf_counter()
    print(
        f"export {exported - started:.1f} s, evaluation {done - exported:.1f} s; "
        f"load average after: {load_average()}"
    )


if __name__ == "__main__":
    main()
