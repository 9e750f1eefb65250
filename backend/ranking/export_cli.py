"""Write a tenant's records as an `ml` input folder; `python -m backend.ranking.export_cli`.

    python -m backend.ranking.export_cli --out DIR [--tenant jkt-demo] [--before YYYY-MM-DD]

writes `retailers.csv`, `sales.csv` (secondary invoice lines: the net value of each line,
summed per retailer, invoice date and SKU), `visits.csv` and `offtake.csv` (sell-out lines
summed per retailer, day and SKU) in the format `ml/README.md` documents, so that
`python -m ml.evaluate --data DIR` runs on the tenant's own history. Everything dated on or
after `--before` is left out. The rows are `backend.ranking.export`'s, the ones `jalur train`
learns from.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path

import pandas as pd

from backend.identity.repository import tenant_id_for_code
from backend.kit.db import make_engine, make_sessionmaker, set_tenant
from backend.kit.settings import get_settings
from backend.ranking.export import (
    RETAILER_COLUMNS,
    offtake_rows,
    retailers_query,
    sales_rows,
    visit_rows,
)


async def export_frames(tenant: str, before: date | None) -> dict[str, pd.DataFrame]:
    """Read the tenant's retailers, sales, visits and offtake as `ml` frames."""
    engine = make_engine(get_settings().database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session:
            await session.begin()
            tenant_id = await tenant_id_for_code(session, tenant)
            if tenant_id is None:
                raise SystemExit(f"no tenant with code {tenant!r}")
            await set_tenant(session, tenant_id)
            retailers = pd.DataFrame.from_records(
                list((await session.execute(retailers_query())).all()),
                columns=list(RETAILER_COLUMNS),
            ).drop(columns="is_active")
            frames = {
                "retailers": retailers,
                "sales": await sales_rows(session, before=before),
                "visits": await visit_rows(session, before=before),
                "offtake": await offtake_rows(session, before=before),
            }
    finally:
        await engine.dispose()
    frames["visits"]["productive"] = frames["visits"]["productive"].astype(int)
    return frames


def write_folder(frames: dict[str, pd.DataFrame], out: Path) -> dict[str, int]:
    """Write the frames as CSV files into OUT; return the row count of each."""
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, frame in frames.items():
        if name in ("visits", "offtake") and frame.empty:
            (out / f"{name}.csv").unlink(missing_ok=True)  # optional files: absent, not empty
            continue
        frame.to_csv(out / f"{name}.csv", index=False)
        counts[name] = len(frame)
    return counts


def main(argv: list[str] | None = None) -> int:
    """Export from the command line and print the row counts."""
    parser = argparse.ArgumentParser(
        prog="python -m backend.ranking.export_cli", description=__doc__
    )
    parser.add_argument("--out", required=True, help="folder to write the CSV files into")
    parser.add_argument("--tenant", default="jkt-demo", help="tenant code (default: the demo's)")
    parser.add_argument("--before", type=date.fromisoformat, help="leave out rows on/after it")
    args = parser.parse_args(argv)
    counts = write_folder(asyncio.run(export_frames(args.tenant, args.before)), Path(args.out))
    print(", ".join(f"{name}.csv: {count} rows" for name, count in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
