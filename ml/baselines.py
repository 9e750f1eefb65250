"""Baseline rankers that the model must beat, expressed as expected value in the horizon."""

from __future__ import annotations

import numpy as np
import pandas as pd

LAST_4_WEEKS = "last_4_weeks"
SAME_PERIOD_LAST_YEAR = "same_period_last_year"
RECENCY_FREQUENCY = "recency_frequency"
RANDOM = "random"
BASELINE_NAMES = (LAST_4_WEEKS, SAME_PERIOD_LAST_YEAR, RECENCY_FREQUENCY, RANDOM)
# A reference floor only: production never activates a random ranking.
ACTIVATABLE_BASELINES = (LAST_4_WEEKS, SAME_PERIOD_LAST_YEAR, RECENCY_FREQUENCY)
RECENCY_HALF_LIFE_DAYS = 28.0


def last_4_weeks(features: pd.DataFrame, horizon_days: int) -> np.ndarray:
    """Predict the last 28 days' value, scaled to the horizon."""
    return features["value_28"].to_numpy(float) * horizon_days / 28.0


def same_period_last_year(features: pd.DataFrame) -> np.ndarray | None:
    """Predict the value bought in the same horizon a year earlier, or None without history."""
    values = features["value_last_year_horizon"].to_numpy(float)
    return None if np.isnan(values).any() else values


def recency_frequency(features: pd.DataFrame, horizon_days: int) -> np.ndarray:
    """Predict order rate times order size, halved for every 28 days since the last order."""
    orders_91 = features["orders_91"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        order_size = features["value_364"].to_numpy(float) / features["orders_364"].to_numpy(float)
    recency = features["days_since_last_order"].to_numpy(float)
    decay = np.power(0.5, recency / RECENCY_HALF_LIFE_DAYS)
    expected = orders_91 / 91.0 * horizon_days * order_size * decay
    return np.nan_to_num(expected, nan=0.0)


def random_ranking(features: pd.DataFrame, horizon_days: int, seed: int) -> np.ndarray:
    """Predict a seeded random value around the portfolio's mean recent value."""
    scale = float(features["value_28"].mean()) * horizon_days / 28.0
    return np.random.default_rng(seed).uniform(0.0, 2.0, len(features)) * scale


def baseline_predictions(
    features: pd.DataFrame, horizon_days: int, seed: int
) -> dict[str, np.ndarray]:
    """Return every baseline's predictions that the available history allows."""
    predictions = {
        LAST_4_WEEKS: last_4_weeks(features, horizon_days),
        RECENCY_FREQUENCY: recency_frequency(features, horizon_days),
        RANDOM: random_ranking(features, horizon_days, seed),
    }
    last_year = same_period_last_year(features)
    if last_year is not None:
        predictions[SAME_PERIOD_LAST_YEAR] = last_year
    return predictions
