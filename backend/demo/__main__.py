"""Print the demo world's summary and build time: `python -m backend.demo [seed]`."""

import json
import sys
import time

from backend.demo.world import build_world, world_summary


def main() -> None:
    """Build the default world for the seed given (7 by default) and print what it holds."""
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    started, cpu_started = time.perf_counter(), time.process_time()
    world = build_world(seed)
    # CPU time says what the build costs even when other work shares the machine.
    timing = {
        "build_seconds": round(time.perf_counter() - started, 3),
        "build_cpu_seconds": round(time.process_time() - cpu_started, 3),
    }
    print(json.dumps({"seed": seed, **timing, **world_summary(world)}))


if __name__ == "__main__":
    main()
