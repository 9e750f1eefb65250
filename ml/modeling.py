"""Candidate estimators and fitting them on retailer-cutoff rows."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from ml.features import FeatureSpec

DEFAULT_MODEL = "model"
THREADS_VARIABLE = "JALUR_ML_THREADS"


class Regressor(Protocol):
    """The part of the scikit-learn estimator interface Jalur uses."""

    def fit(self, X: Any, y: Any) -> Any:  # noqa: N803 - scikit-learn's names
        """Fit on features X and target y."""

    def predict(self, X: Any) -> Any:  # noqa: N803
        """Predict expected values for X."""


CandidateFactory = Callable[[FeatureSpec, int], Regressor]


def poisson_boosting(spec: FeatureSpec, seed: int) -> Regressor:
    """Build the default model: Poisson-loss gradient boosting with native categories."""
    mask = spec.categorical_mask()
    return HistGradientBoostingRegressor(
        loss="poisson",
        learning_rate=0.12,
        max_iter=80,
        max_leaf_nodes=31,
        max_bins=127,
        min_samples_leaf=20,
        l2_regularization=1.0,
        categorical_features=mask if any(mask) else None,
        early_stopping=False,
        random_state=seed,
    )


def openmp_threads() -> Any:
    """Limit OpenMP threads to $JALUR_ML_THREADS, default 1 (returns a context manager).

    Boosting threads synchronise at every split; on a machine whose cores are busy with
    other work, that waiting made two threads 3x slower than one on 1M rows (measured).
    """
    threads = int(os.environ.get(THREADS_VARIABLE, "1"))
    return threadpool_limits(limits=threads, user_api="openmp")


def default_candidates() -> dict[str, CandidateFactory]:
    """Return the candidate models that compete in evaluation."""
    return {DEFAULT_MODEL: poisson_boosting}


def fit_candidate(
    factory: CandidateFactory,
    spec: FeatureSpec,
    seed: int,
    features: np.ndarray,
    target: np.ndarray,
) -> Regressor:
    """Fit one candidate on the training rows."""
    # A column with no value at all (e.g. last year's sales in a one-year history) breaks
    # binning; a constant in its place is never split on, so prediction is unaffected.
    empty = np.isnan(features).all(axis=0)
    if empty.any():
        features = features.copy()
        features[:, empty] = 0.0
    estimator = factory(spec, seed)
    with openmp_threads():
        estimator.fit(features, target)
    return estimator


def predict_values(estimator: Regressor, features: np.ndarray) -> np.ndarray:
    """Return non-negative expected values."""
    with openmp_threads():
        predicted = estimator.predict(features)
    return np.maximum(np.asarray(predicted, dtype=float), 0.0)
