"""Rep-day quality and speed: plan_route at 1 s versus the best of long reference runs.

Run: .venv/bin/python bench/optimizer_rep_day.py --days 10 --reference-s 60
"""

from __future__ import annotations

import argparse
import statistics
import time

from optimizer.daily import plan_route
from optimizer.plan_check import check_plan
from optimizer.scenarios import rep_day


def main() -> None:
    """Print per-day prize, reference prize, gap and solve time, then the summary."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--candidates", type=int, default=40)
    parser.add_argument("--time-limit", type=float, default=1.0)
    parser.add_argument("--solution-limit", type=int, default=None)
    parser.add_argument("--reference-s", type=float, default=60.0)
    args = parser.parse_args()
    gaps, times = [], []
    for day in range(args.days):
        problem = rep_day(day, args.candidates)
        extra = {} if args.solution_limit is None else {"solution_limit": args.solution_limit}
        started = time.perf_counter()
        fast = plan_route(problem, time_limit_s=args.time_limit, seed=0, **extra)
        elapsed = time.perf_counter() - started
        assert check_plan(problem, fast) == [], check_plan(problem, fast)
        # The reference: the same restart chain, unbounded, cut only by the long time limit.
        reference = plan_route(problem, time_limit_s=args.reference_s, seed=1, restarts=10**9)
        best = max(reference.total_prize, fast.total_prize)
        gap = (best - fast.total_prize) / best
        gaps.append(gap)
        times.append(elapsed)
        print(
            f"day {day:2}: served {len(fast.routes[0].stops):2} prize {fast.total_prize:5} "
            f"reference {reference.total_prize:5} gap {100 * gap:5.2f}% time {elapsed:5.2f}s "
            f"solutions {fast.stats.solutions_seen} deterministic {fast.stats.deterministic}",
            flush=True,
        )
    print(
        f"mean gap {100 * statistics.mean(gaps):.2f}%  worst {100 * max(gaps):.2f}%  "
        f"mean time {statistics.mean(times):.2f}s  worst {max(times):.2f}s"
    )


if __name__ == "__main__":
    main()
