"""Deterministic synthetic history in the documented format; `python -m ml.synthetic`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ml.calendar import holiday_calendar
from ml.history import day_number
from ml.tables import Tables

CHANNELS = np.array(["general_trade", "modern_trade", "horeca"])
CHANNEL_SHARE = (0.75, 0.10, 0.15)
CHANNEL_VALUE = np.array([1.0, 3.0, 1.3])
CLASS_INTERVAL_DAYS = {"A": 7.0, "B": 14.0, "C": 28.0}
CLASS_LINES = {"A": 7.0, "B": 4.0, "C": 2.0}
RETAILERS_PER_DISTRIBUTOR = 600
RETAILERS_PER_REP = 180
N_SKUS = 80


def _retailers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    n_distributors = max(1, round(n / RETAILERS_PER_DISTRIBUTOR))
    centres = np.c_[
        -6.2 + rng.normal(0, 0.8, n_distributors), 106.8 + rng.normal(0, 1.5, n_distributors)
    ]
    distributor = rng.integers(0, n_distributors, n)
    channel = rng.choice(3, size=n, p=CHANNEL_SHARE)
    # Log-normal daily value with sigma 1.15 puts ~60-65% of value in the top 20% of outlets.
    daily_value = rng.lognormal(np.log(60_000), 1.15, n) * CHANNEL_VALUE[channel]
    noisy_rank = pd.Series(daily_value * rng.lognormal(0, 0.3, n)).rank(pct=True).to_numpy()
    outlet_class = np.where(noisy_rank > 0.85, "A", np.where(noisy_rank > 0.5, "B", "C"))
    frame = pd.DataFrame(
        {
            "retailer_id": [f"R{i:06d}" for i in range(n)],
            "channel": CHANNELS[channel],
            "outlet_class": outlet_class,
            "lat": np.round(centres[distributor, 0] + rng.normal(0, 0.03, n), 6),
            "lon": np.round(centres[distributor, 1] + rng.normal(0, 0.03, n), 6),
            "distributor_id": [f"D{d:03d}" for d in distributor],
            "territory_id": [f"T{d:03d}" for d in distributor],
        }
    )
    # Reps own contiguous west-to-east slices of their distributor's outlets.
    slice_index = frame.groupby("distributor_id")["lon"].rank(method="first").to_numpy() - 1
    rep = (slice_index // RETAILERS_PER_REP).astype(int)
    frame["rep_id"] = frame["distributor_id"] + "-S" + pd.Series(rep).astype(str).str.zfill(2)
    frame["_daily_value"] = daily_value
    return frame


def _season(days: np.ndarray, start_day: int, span: int, country: str) -> np.ndarray:
    """Return a demand multiplier per day: stock-up before major festivals, lull after."""
    first_year = int(str(np.datetime64(start_day, "D"))[:4])
    calendar = holiday_calendar(country, first_year, first_year + span // 365 + 1)
    multiplier = np.ones(len(days))
    for festival in calendar.festival_days:
        before = (days >= festival - 21) & (days < festival)
        after = (days >= festival) & (days < festival + 10)
        multiplier[before] *= 1.7
        multiplier[after] *= 0.6
    return multiplier


def _order_days(
    rng: np.random.Generator, retailers: pd.DataFrame, days: int, start_day: int
) -> pd.DataFrame:
    """Draw each outlet's order days from its own rhythm, snapped towards its beat weekday."""
    n = len(retailers)
    base = retailers["outlet_class"].map(CLASS_INTERVAL_DAYS).to_numpy(float)
    interval = np.maximum(3.0, base * rng.lognormal(0, 0.15, n))
    slots = (np.ceil(days / (interval * 0.5)) + 2).astype(int)
    owner = np.repeat(np.arange(n), slots)
    gaps = interval[owner] * rng.lognormal(0, 0.25, len(owner))
    ends = np.cumsum(slots)
    running = np.cumsum(gaps)
    before = np.repeat(np.r_[0.0, running[ends[:-1] - 1]], slots)
    offset = rng.uniform(0, interval)[owner]
    day = np.floor(running - before - gaps + offset).astype(int)
    beat_weekday = rng.integers(0, 6, n)[owner]  # Monday to Saturday
    weekday = (start_day + day + 3) % 7  # Monday is 0; day 0 (1970-01-01) was a Thursday
    shift = (beat_weekday - weekday + 3) % 7 - 3
    day = np.where(rng.random(len(day)) < 0.7, day + shift, day)
    start = np.where(rng.random(n) < 0.1, rng.integers(0, days, n), 0)
    end = np.where(rng.random(n) < 0.06, rng.integers(days // 3, days, n), days)
    keep = (day >= start[owner]) & (day < end[owner]) & (rng.random(len(day)) > 0.1)
    orders = pd.DataFrame({"retailer": owner[keep], "day": day[keep]}).drop_duplicates()
    return orders.sort_values(["retailer", "day"], kind="stable").reset_index(drop=True)


def _order_values(
    rng: np.random.Generator,
    retailers: pd.DataFrame,
    orders: pd.DataFrame,
    start_day: int,
    country: str,
) -> np.ndarray:
    owner, day = orders["retailer"].to_numpy(), orders["day"].to_numpy()
    previous = np.r_[-1, day[:-1]]
    interval = retailers["outlet_class"].map(CLASS_INTERVAL_DAYS).to_numpy(float)[owner]
    gap = np.where(np.r_[False, owner[1:] == owner[:-1]], day - previous, interval)
    growth = rng.normal(0, 0.35, len(retailers))[owner]
    span = int(day.max()) + 1 if len(day) else 1
    season = _season(start_day + day, start_day, span, country)
    rate = retailers["_daily_value"].to_numpy()[owner]
    noise = rng.lognormal(0, 0.35, len(day))
    return rate * np.exp(growth * day / 365.0) * season * np.minimum(gap, 3 * interval) * noise


def _lines(
    rng: np.random.Generator, retailers: pd.DataFrame, orders: pd.DataFrame, values: np.ndarray
) -> pd.DataFrame:
    owner = orders["retailer"].to_numpy()
    breadth = retailers["outlet_class"].map(CLASS_LINES).to_numpy(float)[owner]
    n_lines = 1 + rng.poisson(breadth)
    order_of_line = np.repeat(np.arange(len(orders)), n_lines)
    popularity = 1.0 / np.arange(1, N_SKUS + 1) ** 0.9
    sku = rng.choice(N_SKUS, size=len(order_of_line), p=popularity / popularity.sum())
    price = np.round(rng.lognormal(np.log(20_000), 0.7, N_SKUS), -2)
    weight = rng.gamma(1.0, 1.0, len(order_of_line))
    share = weight / np.bincount(order_of_line, weights=weight)[order_of_line]
    quantity = np.maximum(1, np.round(values[order_of_line] * share / price[sku]))
    return pd.DataFrame(
        {
            "retailer": owner[order_of_line],
            "day": orders["day"].to_numpy()[order_of_line],
            "sku": pd.Categorical.from_codes(sku, pd.Index([f"SKU{s:03d}" for s in range(N_SKUS)])),
            "quantity": quantity.astype(int),
            "value": (quantity * price[sku]).astype(int),
        }
    )


def _visits(
    rng: np.random.Generator, retailers: pd.DataFrame, orders: pd.DataFrame, days: int
) -> pd.DataFrame:
    """Every order comes from a productive call; reps also make calls that end without one."""
    owner = orders["retailer"].to_numpy()
    counts = np.bincount(owner, minlength=len(retailers))
    extra = rng.poisson(0.3 * counts)
    extra_owner = np.repeat(np.arange(len(retailers)), extra)
    frame = pd.DataFrame(
        {
            "retailer": np.r_[owner, extra_owner],
            "day": np.r_[orders["day"].to_numpy(), rng.integers(0, days, len(extra_owner))],
            "productive": np.r_[np.ones(len(owner), bool), np.zeros(len(extra_owner), bool)],
        }
    )
    return frame.drop_duplicates(["retailer", "day"]).sort_values(
        ["retailer", "day"], kind="stable"
    )


def generate(
    retailers: int, days: int, seed: int, start: str = "2024-01-01", country: str = "ID"
) -> Tables:
    """Generate a deterministic synthetic history of RETAILERS outlets over DAYS days."""
    rng = np.random.default_rng(seed)
    outlets = _retailers(rng, retailers)
    start_day = day_number(start)
    orders = _order_days(rng, outlets, days, start_day)
    orders["day"] = orders["day"].clip(0, days - 1)
    orders = orders.drop_duplicates().reset_index(drop=True)
    values = _order_values(rng, outlets, orders, start_day, country)
    lines = _lines(rng, outlets, orders, values)
    visits = _visits(rng, outlets, orders, days)
    ids = outlets["retailer_id"].to_numpy()
    origin = pd.Timestamp(start)
    sales = pd.DataFrame(
        {
            "retailer_id": pd.Categorical.from_codes(lines["retailer"].to_numpy(), pd.Index(ids)),
            "date": origin + pd.to_timedelta(lines["day"], unit="D"),
            "sku": lines["sku"],
            "quantity": lines["quantity"].astype(float),
            "value": lines["value"].astype(float),
        }
    )
    visit_table = pd.DataFrame(
        {
            "retailer_id": ids[visits["retailer"].to_numpy()],
            "date": origin + pd.to_timedelta(visits["day"].to_numpy(), unit="D"),
            "rep_id": outlets["rep_id"].to_numpy()[visits["retailer"].to_numpy()],
            "productive": visits["productive"].to_numpy(),
        }
    )
    return Tables(outlets.drop(columns="_daily_value"), sales, visit_table.reset_index(drop=True))


def write_tables(tables: Tables, out: str | Path, file_format: str = "csv") -> None:
    """Write the tables as the documented CSV (or Parquet) files."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    if file_format == "parquet":
        for name in ("retailers", "sales", "visits", "offtake"):
            frame = getattr(tables, name)
            if frame is not None:
                frame.to_parquet(folder / f"{name}.parquet", index=False)
        return
    tables.retailers.to_csv(folder / "retailers.csv", index=False)
    for name in ("sales", "visits", "offtake"):
        frame = getattr(tables, name)
        if frame is not None:
            dated = frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d"))
            if "productive" in dated.columns:
                dated["productive"] = dated["productive"].astype(int)
            dated.to_csv(folder / f"{name}.csv", index=False, float_format="%.15g")


def main(argv: list[str] | None = None) -> int:
    """Write a synthetic dataset from the command line."""
    parser = argparse.ArgumentParser(prog="python -m ml.synthetic", description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--retailers", type=int, default=2000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", default="2024-01-01")
    parser.add_argument("--country", default="ID")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    args = parser.parse_args(argv)
    tables = generate(args.retailers, args.days, args.seed, args.start, args.country)
    write_tables(tables, args.out, args.format)
    print(f"wrote {len(tables.retailers)} retailers, {len(tables.sales)} sales lines to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
