"""Rolling-origin cutoffs and cached per-cutoff feature frames."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ml.features import FeatureSpec, build_features, build_target, make_feature_spec
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
        """Stack features (float32) and targets of every retailer at every cutoff."""
        n, horizon = self.history.n_retailers, self.spec.horizon_days
        features = np.empty((n * len(cutoffs), len(self.spec.feature_names())), np.float32)
        target = np.empty(n * len(cutoffs))
        for index, cutoff in enumerate(cutoffs):
            rows = slice(index * n, (index + 1) * n)
            features[rows] = self.features(cutoff, cache).to_numpy(np.float32)
            target[rows] = build_target(self.history, cutoff, horizon)
        return features, target


def make_dataset(tables: Tables, config: RunConfig) -> Dataset:
    """Index the tables and derive the feature spec."""
    history = build_history(tables)
    spec = make_feature_spec(history, config.horizon_days, config.country, config.density_radius_km)
    return Dataset(history, spec)


def evaluation_cutoffs(history: History, config: RunConfig) -> list[int]:
    """Return the last N cutoffs, one horizon apart, whose horizons are fully observed."""
    last_cutoff = history.last_day + 1 - config.horizon_days
    cutoffs = [last_cutoff - i * config.horizon_days for i in range(config.n_cutoffs)][::-1]
    earliest = history.first_day + config.min_history_days
    if not cutoffs or cutoffs[0] - config.horizon_days - earliest < 0:
        span = history.last_day - history.first_day + 1
        raise NotEnoughHistoryError(
            f"{span} days of sales are too few for {config.n_cutoffs} cutoffs of "
            f"{config.horizon_days} days after {config.min_history_days} days of history "
            f"and one training cutoff"
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
