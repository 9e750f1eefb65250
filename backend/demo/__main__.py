"""Print the demo world's summary and build time: `python -m backend.demo [seed]`."""

import json
import sys
import time

from backend.demo.world import build_world, world_summary


def main() -> None:
    """Build the default world for the seed given (7 by default) and print what it holds."""
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    started = time.perf_counter()
    world = build_world(seed)
    elapsed = time.perf_counter() - started
    print(json.dumps({"seed": seed, "build_seconds": round(elapsed, 3), **world_summary(world)}))


if __name__ == "__main__":
    main()
