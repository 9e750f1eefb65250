"""Plain-word reasons a rep can read next to a retailer's score."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Each reason has a strength per retailer (NaN where it does not apply) and a writer.
Writer = Callable[[np.ndarray], list[str]]


@dataclass(frozen=True)
class Reason:
    """One kind of reason: how strongly it applies to each retailer and how to say it."""

    strength: np.ndarray
    write: Writer


def _column(features: pd.DataFrame, name: str) -> np.ndarray:
    if name not in features.columns:
        return np.full(len(features), np.nan)
    return features[name].to_numpy(float)


def _ints(values: np.ndarray, rows: np.ndarray) -> list[int]:
    return [int(v) for v in np.rint(values[rows]).tolist()]


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def _rhythm_reasons(features: pd.DataFrame) -> list[Reason]:
    overdue = _column(features, "overdue_days")
    interval = _column(features, "order_interval_days")
    regular = _column(features, "orders_364") >= 3
    late = regular & (np.round(overdue) >= 1)
    due = regular & (np.round(overdue) <= 0) & (np.round(overdue) >= -7)
    return [
        Reason(
            np.where(late, 0.5 + np.minimum(overdue / interval, 3.0), np.nan),
            lambda rows: [
                f"overdue by {_days(d)} against a {i}-day rhythm"
                for d, i in zip(_ints(overdue, rows), _ints(interval, rows), strict=True)
            ],
        ),
        Reason(
            np.where(due, 0.9, np.nan),
            lambda rows: [
                f"due to order {'today' if d == 0 else 'in ' + _days(d)} on a {i}-day rhythm"
                for d, i in zip(_ints(-overdue, rows), _ints(interval, rows), strict=True)
            ],
        ),
    ]


def _change_reason(now: np.ndarray, before: np.ndarray, period: str, weight: float) -> Reason:
    """Say how much more or less was bought in PERIOD than in the 4 weeks before it."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = now / before
        log_ratio = np.abs(np.log(ratio))
    change = ratio - 1.0
    applies = (before > 0) & (now > 0) & (np.abs(change) >= 0.2)
    strength = np.where(applies, weight * np.minimum(log_ratio, 2.0), np.nan)

    def write(rows: np.ndarray) -> list[str]:
        percent = np.rint(np.abs(change[rows]) * 100).astype(int).tolist()
        ways = np.where(change[rows] > 0, "more", "less").tolist()
        return [
            f"bought {p}% {w} in {period} than in the 4 weeks before"
            for p, w in zip(percent, ways, strict=True)
        ]

    return Reason(strength, write)


def _value_reasons(features: pd.DataFrame) -> list[Reason]:
    value_91 = _column(features, "value_91")
    buyers = value_91 > 0
    percentile = pd.Series(np.where(buyers, value_91, np.nan)).rank(pct=True).to_numpy()
    top = buyers & (percentile >= 0.8)
    return [
        _change_reason(
            _column(features, "value_28"),
            _column(features, "value_prev_28"),
            "the last 4 weeks",
            1.0,
        ),
        _change_reason(
            _column(features, "value_last_year_horizon"),
            _column(features, "value_last_year_before"),
            "these weeks last year",
            0.6,
        ),
        Reason(
            np.where(top, 1.0 + (percentile - 0.8) * 5.0, np.nan),
            lambda rows: [
                f"in the top {max(1, int(np.ceil((1 - p) * 100)))}% of outlets by value "
                "over the last 13 weeks"
                for p in percentile[rows].tolist()
            ],
        ),
    ]


def _activity_reasons(features: pd.DataFrame) -> list[Reason]:
    since = _column(features, "days_since_last_order")
    tenure = _column(features, "tenure_days")
    visits = _column(features, "visits_91")
    rate = _column(features, "productive_rate_91")
    skus = _column(features, "skus_91")
    productive = np.round(rate * visits)
    # Outlets with a rhythm get "overdue" instead; this covers the irregular and the lapsed.
    irregular = _column(features, "orders_364") < 3
    return [
        Reason(
            np.where(np.isnan(since), 2.0, np.where(irregular & (since > 60), 1.5, np.nan)),
            lambda rows: [
                "no order in the last 12 months"
                if np.isnan(d)
                else f"no order for {_days(round(d))}"
                for d in since[rows]
            ],
        ),
        Reason(
            np.where(tenure < 91, 0.6, np.nan),
            lambda rows: [f"new outlet: first order {_days(t)} ago" for t in _ints(tenure, rows)],
        ),
        Reason(
            np.where((visits >= 3) & ((rate >= 0.8) | (rate <= 0.3)), 0.4, np.nan),
            lambda rows: [
                f"{p} of {v} visits in the last 13 weeks ended in an order"
                for p, v in zip(_ints(productive, rows), _ints(visits, rows), strict=True)
            ],
        ),
        Reason(
            np.where(np.isnan(since), np.nan, 0.05),  # so every buyer gets at least one line
            lambda rows: [f"last order {_days(d)} ago" for d in _ints(since, rows)],
        ),
        Reason(
            np.where(skus >= 10, 0.3, np.nan),
            lambda rows: [
                f"bought {s} different SKUs in the last 13 weeks" for s in _ints(skus, rows)
            ],
        ),
    ]


def _festival_reason(
    features: pd.DataFrame, festival: tuple[str, int] | None, horizon: int
) -> list[Reason]:
    if festival is None:
        return []
    name, days = festival
    buyers = _column(features, "orders_364") > 0
    when = "today" if days == 0 else f"in {days} days"
    return [
        Reason(
            np.where(buyers, 0.8, np.nan),
            lambda rows: [f"{name} {when}, within the next {horizon} days"] * len(rows),
        )
    ]


def explain(
    features: pd.DataFrame, festival: tuple[str, int] | None, horizon: int, top: int
) -> list[list[str]]:
    """Return up to TOP reasons per retailer, strongest first."""
    reasons = (
        _rhythm_reasons(features)
        + _value_reasons(features)
        + _activity_reasons(features)
        + _festival_reason(features, festival, horizon)
    )
    strength = np.column_stack([r.strength for r in reasons])
    strength = np.where(np.isnan(strength), -np.inf, strength)
    order = np.argsort(-strength, axis=1, kind="stable")[:, :top]
    texts = np.full((len(features), len(reasons)), None, dtype=object)
    for index, reason in enumerate(reasons):
        rows = np.flatnonzero((order == index).any(axis=1) & np.isfinite(strength[:, index]))
        texts[rows, index] = reason.write(rows)
    picked = np.take_along_axis(texts, order, axis=1).tolist()
    return [[text for text in row if text is not None] for row in picked]
