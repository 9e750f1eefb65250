"""Beat design versus the k-means-then-route baseline on synthetic territories.

Run: .venv/bin/python bench/optimizer_beats.py --territories 3
"""

from __future__ import annotations

import argparse
import time

from optimizer.beats import BeatPlan, design_beats, kmeans_beats
from optimizer.scenarios import territory


def describe(name: str, plan: BeatPlan, shift_s: int, elapsed: float) -> str:
    """Return one line of figures for a plan."""
    loads = [d.workload_s / 3600 for d in plan.days]
    return (
        f"  {name:9} balance ±{100 * plan.balance():5.1f}%  day load {min(loads):4.1f}-"
        f"{max(loads):4.1f} h  travel/cycle {plan.total_travel_s() / 3600:6.1f} h  "
        f"days over shift {plan.days_over_shift(shift_s):2}  ({elapsed:.1f} s)"
    )


def main() -> None:
    """Print balance and compactness of both designs for each territory."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--territories", type=int, default=3)
    parser.add_argument("--outlets", type=int, default=410)
    parser.add_argument("--beats", type=int, default=6)
    args = parser.parse_args()
    for seed in range(args.territories):
        problem = territory(seed, args.outlets, args.beats)
        print(
            f"territory {seed}: {len(problem.outlets)} outlets, {problem.n_beats} beats x 4 weeks"
        )
        for name, design in (("balanced", design_beats), ("k-means", kmeans_beats)):
            started = time.perf_counter()
            plan = design(problem, seed=seed)
            print(describe(name, plan, problem.shift_s, time.perf_counter() - started), flush=True)


if __name__ == "__main__":
    main()
