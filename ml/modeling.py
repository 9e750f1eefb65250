"""Candidate estimators and fitting them on retailer-cutoff rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from ml.features import FeatureSpec

DEFAULT_MODEL = "model"
SINGLE_THREAD_BELOW_ROWS = 200_000


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
        learning_rate=0.08,
        max_iter=150,
        max_leaf_nodes=31,
        min_samples_leaf=20,
        l2_regularization=1.0,
        categorical_features=mask if any(mask) else None,
        early_stopping=False,
        random_state=seed,
    )


def openmp_threads(n_rows: int) -> Any:
    """Limit OpenMP to one thread on small matrices (returns a context manager).

    Boosting threads synchronise at every split; on a small matrix, or on a machine whose
    cores are busy, that waiting makes two threads several times slower than one.
    """
    return threadpool_limits(
        limits=1 if n_rows < SINGLE_THREAD_BELOW_ROWS else None, user_api="openmp"
    )


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
    with openmp_threads(len(features)):
        estimator.fit(features, target)
    return estimator


def predict_values(estimator: Regressor, features: np.ndarray) -> np.ndarray:
    """Return non-negative expected values."""
    with openmp_threads(len(features)):
        predicted = estimator.predict(features)
    return np.maximum(np.asarray(predicted, dtype=float), 0.0)
