"""Helpers shared by the ml benchmarks: data on disk, peak memory, machine load."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path


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
