"""TOPTW ruin-and-recreate variants on chosen instances, each solution checked independently.

Run (one chain of a variant on one core, as in optimizer/README.md's tuning table):
    .venv/bin/python bench/optimizer_toptw_variants.py --instances pr04,pr05,pr06,pr09,pr10 \\
        --routes 2,4 --time-limit 20 --chains 1 --workers 1 --set t_start=0.03 --set t_end=0.0003
or the runner's own two-chain portfolio on other instances:
    .venv/bin/python bench/optimizer_toptw_variants.py --instances pr01,pr02 --routes 3,4 \\
        --time-limit 20 --runner-chains
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import fields
from pathlib import Path

from optimizer.bench import orienteering_chains
from optimizer.benchmark_model import optw_spec
from optimizer.benchmarks import load_optw_bks, optw_distance_decimals, parse_toptw
from optimizer.feasibility import check_optw
from optimizer.orienteering import OrienteeringConfig, orienteering_portfolio

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "benchmarks" / "optw"
TYPES = {f.name: f.type for f in fields(OrienteeringConfig)}


def setting(text: str) -> tuple[str, float | str]:
    """Parse ``name=value`` for an OrienteeringConfig field."""
    name, _, value = text.partition("=")
    if name not in TYPES or name in ("time_limit_s", "seed"):
        raise argparse.ArgumentTypeError(f"unknown or fixed setting: {name}")
    kind = TYPES[name]
    if kind == "str":
        return name, value
    return name, int(value) if kind == "int" else float(value)


def main() -> None:
    """Print one line per instance and m, then the mean and worst gap."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--instances", required=True)
    parser.add_argument("--routes", default="2,4")
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", type=setting, action="append", default=[])
    parser.add_argument("--runner-chains", action="store_true", help="the runner's portfolio")
    args = parser.parse_args()
    bks = load_optw_bks(args.data)
    settings = dict(args.set)
    budget = args.time_limit - 0.4  # as the runner leaves for process start-up
    gaps = []
    for name in args.instances.split(","):
        instance = parse_toptw(args.data / f"{name}.txt")
        for m in (int(x) for x in args.routes.split(",")):
            spec, _ = optw_spec(instance, m)
            if args.runner_chains:
                configs = orienteering_chains(budget, args.seed)
            else:
                configs = [
                    OrienteeringConfig(time_limit_s=budget, seed=args.seed + k, **settings)
                    for k in range(args.chains)
                ]
            started = time.perf_counter()
            found = orienteering_portfolio(spec, configs, args.workers)
            elapsed = time.perf_counter() - started
            routes = [] if found is None else [r for r in found.routes if r]
            report = check_optw(instance, routes, m, optw_distance_decimals(instance))
            best = bks[(instance.name, m)].value
            gap = (best - report.prize) / best
            gaps.append(gap)
            iterations = 0 if found is None else found.iterations
            print(
                f"{name} m={m} prize {report.prize} bks {best:.0f} gap {100 * gap:.2f}% "
                f"iterations {iterations} feasible {report.feasible} {elapsed:.1f}s",
                flush=True,
            )
    print(f"mean {100 * statistics.mean(gaps):.2f}% worst {100 * max(gaps):.2f}%")


if __name__ == "__main__":
    main()
