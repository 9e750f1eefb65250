"""Scale: wall time of many rep-days on 1 vs N worker processes, and growth with candidates.

Run: .venv/bin/python bench/optimizer_scale.py --rep-days 1000 --workers 1,2 \\
        --sizes 20,40,80,160,320 --time-limit 1
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import statistics
import time

from optimizer.daily import plan_route
from optimizer.scenarios import rep_day

TIME_LIMIT_S = 1.0


def solve_one(seed: int) -> float:
    """Plan one synthetic 40-candidate rep-day; return its solve seconds."""
    started = time.perf_counter()
    plan_route(rep_day(seed, 40), time_limit_s=TIME_LIMIT_S, seed=0)
    return time.perf_counter() - started


def fan_out(rep_days: int, workers: int) -> float:
    """Return the wall seconds to plan ``rep_days`` days over ``workers`` processes."""
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(solve_one, range(rep_days), chunksize=4)
    return time.perf_counter() - started


def growth(sizes: list[int], repeats: int) -> None:
    """Print the mean solve time per candidate count (radius grows to keep ~25 reachable)."""
    for size in sizes:
        times = []
        for seed in range(repeats):
            problem = rep_day(seed, size, radius_km=4.0 * math.sqrt(size / 40))
            started = time.perf_counter()
            solution = plan_route(problem, time_limit_s=TIME_LIMIT_S * 10, seed=0)
            times.append(time.perf_counter() - started)
        print(
            f"candidates {size:4}: mean solve {statistics.mean(times):6.2f} s  "
            f"(served {len(solution.routes[0].stops)}, solutions {solution.stats.solutions_seen}, "
            f"deterministic {solution.stats.deterministic})",
            flush=True,
        )


def main() -> None:
    """Print fan-out wall times and the growth table."""
    global TIME_LIMIT_S
    parser = argparse.ArgumentParser()
    parser.add_argument("--rep-days", type=int, default=1000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--sizes", default="20,40,80,160,320")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=1.0)
    args = parser.parse_args()
    TIME_LIMIT_S = args.time_limit
    for workers in [int(w) for w in args.workers.split(",") if w]:
        wall = fan_out(args.rep_days, workers)
        print(
            f"{args.rep_days} rep-days, {workers} worker(s): {wall:7.1f} s wall, "
            f"{wall / args.rep_days:.3f} s per rep-day",
            flush=True,
        )
    if args.sizes:
        growth([int(s) for s in args.sizes.split(",")], args.repeats)


if __name__ == "__main__":
    main()
