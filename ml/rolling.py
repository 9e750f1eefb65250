"""Rolling-origin cutoffs and cached per-cutoff feature frames."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ml.features import (
    FeatureSpec,
    build_features,
    build_target,
    make_feature_spec,
    model_matrix,
)
from ml.history import History, build_history
from ml.tables import Tables


@dataclass(frozen=True)
class RunConfig:
    """Options shared by evaluation and training."""

    horizon_days: int = 28
    k: int = 30
    n_cutoffs: int = 4
    train_step_days: int = 14
    max_train_cutoffs: int = 12
    min_history_days: int = 56
    country: str = "ID"
    density_radius_km: float = 1.0
    seed: int = 0
    cutoff_step_days: int = 0  # 0: evaluation cutoffs one horizon apart
    short_min_history_days: int = 14
    short_step_days: int = 7


class NotEnoughHistoryError(ValueError):
    """The data is too short for the requested cutoffs and horizon."""


@dataclass
class Dataset:
    """History, feature spec and a cache of feature frames per cutoff day."""

    history: History
    spec: FeatureSpec
    _frames: dict[int, pd.DataFrame] = field(default_factory=dict)

    def features(self, cutoff: int, cache: bool = True) -> pd.DataFrame:
        """Return the feature frame at CUTOFF, kept for reuse when CACHE."""
        if cutoff in self._frames:
            return self._frames[cutoff]
        frame = build_features(self.history, self.spec, cutoff)
        if cache:
            self._frames[cutoff] = frame
        return frame

    def training_rows(
        self, cutoffs: list[int], cache: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Stack features and targets of every retailer at every cutoff, one cutoff at a time.

        Values are rounded to float32 (as scoring sees them) but held in float64, the dtype
        HistGradientBoosting works in: it would otherwise copy a float32 matrix to float64,
        holding both at once.
        """
        n, horizon = self.history.n_retailers, self.spec.horizon_days
        features = np.empty((n * len(cutoffs), len(self.spec.feature_names())), np.float64)
        target = np.empty(n * len(cutoffs))
        for index, cutoff in enumerate(cutoffs):
            rows = slice(index * n, (index + 1) * n)
            features[rows] = model_matrix(self.features(cutoff, cache), self.spec)
            target[rows] = build_target(self.history, cutoff, horizon)
        return features, target


def make_dataset(tables: Tables, config: RunConfig) -> Dataset:
    """Index the tables and derive the feature spec (with rates on a short history)."""
    history = build_history(tables)
    short = fit_to_history(history, config) != config
    spec = make_feature_spec(
        history, config.horizon_days, config.country, config.density_radius_km, short
    )
    return Dataset(history, spec)


def _candidate_cutoffs(history: History, config: RunConfig) -> list[int]:
    """The last N cutoffs, STEP apart (one horizon by default), oldest first."""
    step = config.cutoff_step_days or config.horizon_days
    last_cutoff = history.last_day + 1 - config.horizon_days
    return [last_cutoff - i * step for i in range(config.n_cutoffs)][::-1]


def _fits(history: History, config: RunConfig, cutoff: int) -> bool:
    """Whether one training cutoff with MIN_HISTORY_DAYS behind it has its horizon by CUTOFF."""
    return cutoff - config.horizon_days >= history.first_day + config.min_history_days


def fit_to_history(history: History, config: RunConfig) -> RunConfig:
    """Return CONFIG, or its short-history layout when the history is too short for it.

    The configured layout (N cutoffs one horizon apart, each trained on cutoffs with
    `min_history_days` behind them) is kept whenever it fits. A shorter history (twelve weeks,
    say) gets weekly evaluation and training cutoffs (`short_step_days`), as many evaluation
    cutoffs as fit (at most N), and training cutoffs from `short_min_history_days` of history
    on, the most history that still leaves room for them. Each cutoff's model is still trained
    only on horizons that end by that cutoff. `evaluation_cutoffs` raises when even that does
    not fit.
    """
    cutoffs = _candidate_cutoffs(history, config)
    if cutoffs and _fits(history, config, cutoffs[0]):
        return config
    step = config.short_step_days
    span = history.last_day - history.first_day + 1
    room = span - 2 * config.horizon_days - (config.n_cutoffs - 1) * step
    min_history = min(config.min_history_days, max(config.short_min_history_days, room))
    short = replace(
        config,
        cutoff_step_days=step,
        train_step_days=min(step, config.train_step_days),
        min_history_days=min_history,
    )
    fitting = [c for c in _candidate_cutoffs(history, short) if _fits(history, short, c)]
    return replace(short, n_cutoffs=max(1, len(fitting)))


def evaluation_cutoffs(history: History, config: RunConfig) -> list[int]:
    """Return the last N cutoffs, one horizon (or `cutoff_step_days`) apart, fully observed."""
    cutoffs = _candidate_cutoffs(history, config)
    if not cutoffs or not _fits(history, config, cutoffs[0]):
        span = history.last_day - history.first_day + 1
        step = config.cutoff_step_days or config.horizon_days
        needed = config.min_history_days + 2 * config.horizon_days + (config.n_cutoffs - 1) * step
        raise NotEnoughHistoryError(
            f"{span} days of sales are too few for {config.n_cutoffs} cutoffs of "
            f"{config.horizon_days} days after {config.min_history_days} days of history "
            f"and one training cutoff (at least {needed} days are needed)"
        )
    return cutoffs


def training_cutoffs(history: History, before: int, config: RunConfig) -> list[int]:
    """Return cutoffs whose horizon ends by BEFORE, newest first, within the history."""
    newest = before - config.horizon_days
    earliest = history.first_day + config.min_history_days
    cutoffs = [newest - i * config.train_step_days for i in range(config.max_train_cutoffs)]
    kept = [c for c in cutoffs if c >= earliest]
    if not kept:
        raise NotEnoughHistoryError(f"no training cutoff fits before day {before}")
    return kept
