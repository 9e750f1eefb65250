"""Helpers shared by the ml benchmarks: data on disk, peak memory, machine load."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

from ml.evaluate import EvaluationReport


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB (ru_maxrss is KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_average() -> str:
    """Return the 1/5/15-minute load averages, to judge whether timings ran on a busy machine."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def ensure_synthetic(folder: Path, retailers: int, days: int, seed: int) -> Path:
    """Generate the dataset in a child process (so its memory is not counted) unless present."""
    if not (folder / "sales.parquet").exists():
        command = [
            sys.executable,
            "-m",
            "ml.synthetic",
            "--out",
            str(folder),
            "--retailers",
            str(retailers),
            "--days",
            str(days),
            "--seed",
            str(seed),
            "--format",
            "parquet",
        ]
        subprocess.run(command, check=True)
    return folder


def print_wins(report: EvaluationReport) -> bool:
    """Print, per cutoff, whether the model beats every baseline on NDCG@k and value captured@k."""
    model = report.models["model"]["per_cutoff"]
    baselines = [name for name in report.models if name != "model"]
    all_won = True
    for index, row in enumerate(model):
        losses = [
            f"{name}.{metric}"
            for name in baselines
            for metric in ("ndcg_at_k", "value_captured_at_k")
            if report.models[name]["per_cutoff"][index][metric] >= row[metric]
        ]
        all_won &= not losses
        verdict = "yes" if not losses else f"NO, not {losses}"
        print(f"{row['cutoff']}: model beats every baseline: {verdict}")
    print(f"model beats every baseline on NDCG@k and value captured@k at every cutoff: {all_won}")
    return all_won


def print_per_cutoff(report: EvaluationReport) -> None:
    """Print every model's NDCG@k, value captured@k and Poisson deviance at every cutoff."""
    print(f"{'model':<20}{'cutoff':<12}{'NDCG@k':>9}{'captured@k':>12}{'Poisson dev.':>15}")
    for name, result in sorted(report.models.items(), key=lambda item: -item[1]["ndcg_at_k"]):
        for row in result["per_cutoff"]:
            print(
                f"{name:<20}{row['cutoff']:<12}{row['ndcg_at_k']:>9.4f}"
                f"{row['value_captured_at_k']:>12.4f}{row['poisson_deviance']:>15.0f}"
            )
