"""Features per retailer from data strictly before a cutoff, and the target after it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ml.calendar import holiday_calendar
from ml.history import DAY_EPOCH, History, day_number

LOOKBACK_DAYS = 364
CATEGORICAL_COLUMNS = ("channel", "outlet_class")
SALES_FEATURES = (
    "days_since_last_order",
    "orders_28",
    "orders_91",
    "orders_364",
    "value_28",
    "value_prev_28",
    "value_91",
    "value_182",
    "value_364",
    "trend_28_vs_91",
    "mean_order_value_91",
    "order_interval_days",
    "interval_irregularity",
    "overdue_days",
    "expected_orders_in_horizon",
    "skus_91",
    "quantity_91",
    "weekend_order_share",
    "tenure_days",
    "value_last_year_horizon",
    "value_last_year_before",
)
VISIT_FEATURES = (
    "visits_91",
    "productive_rate_91",
    "days_since_last_visit",
    "visit_interval_days",
    "days_to_next_visit",
)
OFFTAKE_FEATURES = ("offtake_quantity_28", "offtake_quantity_91")
CALENDAR_FEATURES = (
    "cutoff_month",
    "holidays_in_horizon",
    "days_to_major_festival",
)
# On a short history (see `ml.rolling.fit_to_history`) training cutoffs have far less history
# behind them than the cutoffs scored, so totals over fixed windows (91 days, a year…) would mean
# different things in training and in use. The model then reads these instead: daily rates over
# the history observed before the cutoff (the last 364 days at most; the last 28 for `_28`).
RATE_FEATURES = (
    "value_per_day",
    "orders_per_day",
    "quantity_per_day",
    "value_per_day_28",
    "replenishment_per_day",
)
VISIT_RATE_FEATURES = ("visits_per_day",)
OFFTAKE_RATE_FEATURES = ("offtake_per_day",)
# ... and leaves out the features whose meaning depends on how much history there is.
WINDOW_FEATURES = frozenset(
    {
        "orders_28",
        "orders_91",
        "orders_364",
        "value_28",
        "value_prev_28",
        "value_91",
        "value_182",
        "value_364",
        "trend_28_vs_91",
        "skus_91",
        "quantity_91",
        "tenure_days",
        "value_last_year_horizon",
        "value_last_year_before",
        "visits_91",
        "offtake_quantity_28",
        "offtake_quantity_91",
    }
)


@dataclass(frozen=True)
class FeatureSpec:
    """What features a dataset supports and how categories are encoded."""

    horizon_days: int = 28
    country: str = "ID"
    density_radius_km: float = 1.0
    categories: dict[str, list[str]] = field(default_factory=dict)
    has_location: bool = False
    has_visits: bool = False
    has_offtake: bool = False
    short_history: bool = False

    def frame_columns(self) -> list[str]:
        """Return every column `build_features` produces: the model's, then those it leaves out.

        Baselines and reasons read the window totals even when the model does not.
        """
        names = list(SALES_FEATURES) + list(CALENDAR_FEATURES)
        names += [column for column in CATEGORICAL_COLUMNS if column in self.categories]
        if self.has_location:
            names.append("outlets_within_radius")
        if self.has_visits:
            names += VISIT_FEATURES
        if self.has_offtake:
            names += OFFTAKE_FEATURES
        if not self.short_history:
            return names
        rates = list(RATE_FEATURES)
        rates += list(VISIT_RATE_FEATURES) if self.has_visits else []
        rates += list(OFFTAKE_RATE_FEATURES) if self.has_offtake else []
        kept = [name for name in names if name not in WINDOW_FEATURES]
        return kept + rates + [name for name in names if name in WINDOW_FEATURES]

    def feature_names(self) -> list[str]:
        """Return the ordered feature columns the model reads."""
        columns = self.frame_columns()
        if not self.short_history:
            return columns
        return [name for name in columns if name not in WINDOW_FEATURES]

    def categorical_mask(self) -> list[bool]:
        """Return which feature columns are categorical codes."""
        return [name in CATEGORICAL_COLUMNS for name in self.feature_names()]


def model_matrix(frame: pd.DataFrame, spec: FeatureSpec) -> np.ndarray:
    """Return the model's columns of a feature frame as float32 rows."""
    columns = spec.feature_names()
    return (frame if list(frame.columns) == columns else frame[columns]).to_numpy(np.float32)


def make_feature_spec(
    history: History,
    horizon_days: int = 28,
    country: str = "ID",
    density_radius_km: float = 1.0,
    short_history: bool = False,
) -> FeatureSpec:
    """Derive the feature spec from the columns the data actually has."""
    categories = {
        column: sorted(history.retailers[column].dropna().unique().tolist())
        for column in CATEGORICAL_COLUMNS
        if column in history.retailers.columns and history.retailers[column].notna().any()
    }
    return FeatureSpec(
        horizon_days=horizon_days,
        country=country,
        density_radius_km=density_radius_km,
        categories=categories,
        has_location=history.has_location,
        has_visits=history.visits is not None,
        has_offtake=history.offtake is not None,
        short_history=short_history,
    )


def _window(
    n: int, retailer: np.ndarray, age: np.ndarray, days: int, weights: np.ndarray | None
) -> np.ndarray:
    mask = age <= days
    chosen = None if weights is None else weights[mask]
    return np.bincount(retailer[mask], weights=chosen, minlength=n).astype(float)


def _between(
    n: int, retailer: np.ndarray, day: np.ndarray, start: int, end: int, weights: np.ndarray
) -> np.ndarray:
    mask = (day >= start) & (day < end)
    return np.bincount(retailer[mask], weights=weights[mask], minlength=n)


def _last_day(n: int, retailer: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Each retailer's last day (int64 min where none) from rows sorted by retailer then day.

    The last row of each retailer's run holds it (np.maximum.at took a third of scoring time).
    """
    last = np.full(n, np.iinfo(np.int64).min)
    if len(retailer):
        run_end = np.r_[retailer[1:] != retailer[:-1], True]
        last[retailer[run_end]] = day[run_end]
    return last


def _order_intervals(
    n: int, retailer: np.ndarray, day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return each retailer's median gap between orders and the gaps' spread."""
    same = retailer[1:] == retailer[:-1]
    gaps = pd.Series((day[1:] - day[:-1])[same].astype(float))
    grouped = gaps.groupby(retailer[1:][same])
    median = grouped.median().reindex(range(n)).to_numpy()
    spread = (grouped.std() / grouped.mean()).reindex(range(n)).to_numpy()
    return median, spread


def _first_last(
    n: int, retailer: np.ndarray, day: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each retailer's first and last day (-1 where none) and which rows open a retailer's run,
    from rows sorted by retailer then day."""
    first, last = np.full(n, -1), np.full(n, -1)
    run_start = np.r_[True, retailer[1:] != retailer[:-1]] if len(retailer) else np.ones(0, bool)
    run_end = np.r_[retailer[1:] != retailer[:-1], True] if len(retailer) else np.ones(0, bool)
    first[retailer[run_start]] = day[run_start]
    last[retailer[run_end]] = day[run_end]
    return first, last, run_start


def _mean_gap(n: int, retailer: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Each retailer's mean gap between its first and last row's days (NaN below two rows),
    from rows sorted by retailer then day: O(rows), no grouping."""
    first, last, _ = _first_last(n, retailer, day)
    count = np.bincount(retailer, minlength=n)
    gap = np.full(n, np.nan)
    several = count > 1
    gap[several] = (last[several] - first[several]) / (count[several] - 1)
    return gap


def _sales_features(history: History, cutoff: int, horizon: int) -> dict[str, np.ndarray]:
    n, daily = history.n_retailers, history.daily
    keep = (daily.day < cutoff) & (daily.day >= cutoff - LOOKBACK_DAYS)
    retailer, day = daily.retailer[keep], daily.day[keep]
    value, quantity = daily.value[keep], daily.quantity[keep]
    age = cutoff - day
    out: dict[str, np.ndarray] = {}
    for days in (28, 91, 364):
        out[f"orders_{days}"] = _window(n, retailer, age, days, None)
    for days in (28, 91, 182, 364):
        out[f"value_{days}"] = _window(n, retailer, age, days, value)
    out["value_prev_28"] = _window(n, retailer, age, 56, value) - out["value_28"]
    out["trend_28_vs_91"] = np.log1p(out["value_28"]) - np.log1p(out["value_91"] * 28 / 91)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean_order_value_91"] = out["value_91"] / out["orders_91"]
    last = _last_day(n, retailer, day)
    has_order = last > np.iinfo(np.int64).min
    out["days_since_last_order"] = np.where(has_order, cutoff - last, np.nan)
    interval, spread = _order_intervals(n, retailer, day)
    out["order_interval_days"], out["interval_irregularity"] = interval, spread
    out["overdue_days"] = out["days_since_last_order"] - interval
    out["expected_orders_in_horizon"] = horizon / interval
    out["quantity_91"] = _window(n, retailer, age, 91, quantity)
    weekend = (((day + 3) % 7) >= 5).astype(float)  # day 0 (1970-01-01) was a Thursday
    with np.errstate(invalid="ignore", divide="ignore"):
        out["weekend_order_share"] = _window(n, retailer, age, 364, weekend) / out["orders_364"]
    first = history.first_order_day
    out["tenure_days"] = np.where(first < cutoff, cutoff - first, np.nan)
    out["skus_91"] = _distinct_skus(history, cutoff, n)
    out.update(_last_year(history, cutoff, horizon, retailer, day, value))
    observed = _observed_days(history, cutoff)
    out["value_per_day"] = _window(n, retailer, age, LOOKBACK_DAYS, value) / observed
    out["orders_per_day"] = out["orders_364"] / observed
    out["quantity_per_day"] = _window(n, retailer, age, LOOKBACK_DAYS, quantity) / observed
    out["value_per_day_28"] = out["value_28"] / min(28, observed)
    out["replenishment_per_day"] = _replenishment_rate(n, retailer, day, value)
    return out


def _replenishment_rate(
    n: int, retailer: np.ndarray, day: np.ndarray, value: np.ndarray
) -> np.ndarray:
    """Value per day between a retailer's first and last order, the first order left out.

    An order restocks what sold since the previous one, so the orders after the first, over the
    days they cover, estimate the outlet's rate of sale without the bias of a window that cuts
    into its first cycle (NaN with fewer than two order days). Rows sorted by retailer and day.
    """
    first, last, run_start = _first_last(n, retailer, day)
    after_first = np.bincount(retailer[~run_start], weights=value[~run_start], minlength=n)
    span = last - first
    covered = span > 0
    rate = np.full(n, np.nan)
    rate[covered] = after_first[covered] / span[covered]
    return rate


def _observed_days(history: History, cutoff: int) -> int:
    """Days of the data set's history before CUTOFF, at most the lookback (at least 1)."""
    return max(1, min(LOOKBACK_DAYS, cutoff - history.first_day))


def _distinct_skus(history: History, cutoff: int, n: int) -> np.ndarray:
    lines = history.lines
    keep = (lines.day < cutoff) & (lines.day >= cutoff - 91)
    pair, retailer = lines.pair[keep], lines.retailer[keep]
    first_of_pair = np.r_[True, pair[1:] != pair[:-1]]  # pairs are adjacent: no sort needed
    return np.bincount(retailer[first_of_pair], minlength=n).astype(float)


def _last_year(
    history: History,
    cutoff: int,
    horizon: int,
    retailer: np.ndarray,
    day: np.ndarray,
    value: np.ndarray,
) -> dict[str, np.ndarray]:
    n, start = history.n_retailers, cutoff - LOOKBACK_DAYS
    if start - horizon < history.first_day:
        nothing = np.full(n, np.nan)
        return {"value_last_year_horizon": nothing, "value_last_year_before": nothing.copy()}
    return {
        "value_last_year_horizon": _between(n, retailer, day, start, start + horizon, value),
        "value_last_year_before": _between(n, retailer, day, start - horizon, start, value),
    }


def _visit_features(history: History, cutoff: int) -> dict[str, np.ndarray]:
    visits, n = history.visits, history.n_retailers
    assert visits is not None
    keep = (visits.day < cutoff) & (visits.day >= cutoff - LOOKBACK_DAYS)
    retailer, age = visits.retailer[keep], cutoff - visits.day[keep]
    count = _window(n, retailer, age, 91, None)
    productive = _window(n, retailer, age, 91, visits.productive[keep].astype(float))
    last = _last_day(n, retailer, visits.day[keep])
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = productive / count
    since = np.where(last > np.iinfo(np.int64).min, cutoff - last, np.nan)
    per_day = _window(n, retailer, age, LOOKBACK_DAYS, None) / _observed_days(history, cutoff)
    # a beat comes round on its cycle: the next call is about one visit interval after the last
    interval = _mean_gap(n, retailer, visits.day[keep])
    return {
        "visits_91": count,
        "productive_rate_91": rate,
        "days_since_last_visit": since,
        "visit_interval_days": interval,
        "days_to_next_visit": interval - since,
        "visits_per_day": per_day,
    }


def _offtake_features(history: History, cutoff: int) -> dict[str, np.ndarray]:
    offtake, n = history.offtake, history.n_retailers
    assert offtake is not None
    keep = (offtake.day < cutoff) & (offtake.day >= cutoff - 91)
    retailer, age, quantity = (
        offtake.retailer[keep],
        cutoff - offtake.day[keep],
        offtake.quantity[keep],
    )
    return {
        "offtake_quantity_28": _window(n, retailer, age, 28, quantity),
        "offtake_quantity_91": _window(n, retailer, age, 91, quantity),
        "offtake_per_day": _window(n, retailer, age, 91, quantity)
        / min(91, _observed_days(history, cutoff)),
    }


def _calendar_features(spec: FeatureSpec, cutoff: int, n: int) -> dict[str, np.ndarray]:
    """Calendar facts about the cutoff and its horizon: public knowledge, not data."""
    year = int(str(DAY_EPOCH + np.timedelta64(cutoff, "D"))[:4])
    calendar = holiday_calendar(spec.country, year - 1, year + 2)
    horizon = spec.horizon_days
    in_horizon = np.count_nonzero(
        (calendar.holiday_days >= cutoff) & (calendar.holiday_days < cutoff + horizon)
    )
    upcoming = calendar.festival_days[calendar.festival_days >= cutoff]
    to_festival = float(min(upcoming[0] - cutoff, 366)) if len(upcoming) else 366.0
    month = float(int(str(DAY_EPOCH + np.timedelta64(cutoff, "D"))[5:7]))
    return {
        "cutoff_month": np.full(n, month),
        "holidays_in_horizon": np.full(n, float(in_horizon)),
        "days_to_major_festival": np.full(n, to_festival),
    }


def build_features(history: History, spec: FeatureSpec, cutoff: pd.Timestamp | int) -> pd.DataFrame:
    """Return one row of features per retailer using only data dated before CUTOFF."""
    day = cutoff if isinstance(cutoff, int) else day_number(cutoff)
    n = history.n_retailers
    columns = _sales_features(history, day, spec.horizon_days)
    columns.update(_calendar_features(spec, day, n))
    for name, levels in spec.categories.items():
        codes = pd.Categorical(history.retailers[name], categories=levels).codes.astype(float)
        columns[name] = np.where(codes < 0, np.nan, codes)
    if spec.has_location and history.has_location:
        columns["outlets_within_radius"] = history.density(spec.density_radius_km)
    if spec.has_visits and history.visits is not None:
        columns.update(_visit_features(history, day))
    if spec.has_offtake and history.offtake is not None:
        columns.update(_offtake_features(history, day))
    # A model trained on visits, offtake or coordinates the data no longer has is refused here.
    missing = [name for name in spec.frame_columns() if name not in columns]
    if missing:
        raise ValueError(f"the data cannot produce features {missing} that the model needs")
    return pd.DataFrame(
        {name: columns[name] for name in spec.frame_columns()},
        index=pd.Index(history.retailer_ids, name="retailer_id"),
    )


def build_target(history: History, cutoff: pd.Timestamp | int, horizon_days: int) -> np.ndarray:
    """Return each retailer's purchase value in the HORIZON_DAYS from CUTOFF on."""
    day = cutoff if isinstance(cutoff, int) else day_number(cutoff)
    daily = history.daily
    return _between(
        history.n_retailers, daily.retailer, daily.day, day, day + horizon_days, daily.value
    )
