"""Candidate estimators and fitting them on retailer-cutoff rows."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.ensemble._hist_gradient_boosting.gradient_boosting import (
    _check_categorical_features,
)
from sklearn.utils.validation import validate_data
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


class CodedCategoryBoosting(HistGradientBoostingRegressor):
    """Gradient boosting whose categorical columns already hold codes 0..n-1 (NaN: missing).

    Given categorical columns, scikit-learn re-encodes them through a ColumnTransformer, which
    copies the whole matrix to float64 and holds two more partial copies while doing it: on a
    million retailer-cutoff rows that was more than half of training's peak memory. Our
    feature matrix already holds the codes (`FeatureSpec` fixes the levels), so this skips the
    re-encoding and bins the columns as given; a float64 matrix is then not copied at all.
    Every other step is scikit-learn's; `tests/ml` checks the predictions equal the stock
    estimator's.
    """

    def _preprocess_X(self, X: Any, *, reset: bool) -> Any:  # noqa: N802, N803 - sklearn's names
        check = {"dtype": [np.float64], "ensure_all_finite": False}
        if not reset:
            return validate_data(self, X, reset=False, **check)
        X = validate_data(self, X, **check)  # noqa: N806
        self.is_categorical_ = _check_categorical_features(X, self.categorical_features)
        self._preprocessor = None
        self._is_categorical_remapped = self.is_categorical_
        if self.is_categorical_ is None:
            return X, None
        known: list[np.ndarray | None] = [None] * X.shape[1]
        for column in np.flatnonzero(self.is_categorical_):
            codes = X[:, column]
            top = np.nanmax(codes) if not np.isnan(codes).all() else -1.0
            if top >= self.max_bins:
                raise ValueError(
                    f"categorical feature at index {column} has a code {top:.0f} "
                    f"beyond max_bins - 1 = {self.max_bins - 1}"
                )
            known[column] = np.arange(int(top) + 1, dtype=np.float64)
        return X, known


def poisson_boosting(spec: FeatureSpec, seed: int) -> Regressor:
    """Build the default model: Poisson-loss gradient boosting with native categories.

    On a short history (`spec.short_history`) the trees model the ratio to the retailer's own
    past daily rate (`RateBoosting`).
    """
    mask = spec.categorical_mask()
    categorical = mask if any(mask) else None
    if spec.short_history:  # fewer rows, a correction to learn: smaller, slower trees
        booster = CodedCategoryBoosting(
            loss="poisson",
            learning_rate=0.05,
            max_iter=100,
            max_leaf_nodes=7,
            max_bins=127,
            min_samples_leaf=50,
            l2_regularization=1.0,
            categorical_features=categorical,
            early_stopping=False,
            random_state=seed,
        )
        rate_column = spec.feature_names().index("value_per_day")
        return RateBoosting(booster, rate_column, spec.horizon_days)
    return CodedCategoryBoosting(
        loss="poisson",
        learning_rate=0.12,
        max_iter=80,
        max_leaf_nodes=31,
        max_bins=127,
        min_samples_leaf=20,
        l2_regularization=1.0,
        categorical_features=categorical,
        early_stopping=False,
        random_state=seed,
    )


class RateBoosting:
    """Poisson boosting of the ratio of future value to the retailer's own past rate.

    Used on a short history, where a few thousand training rows are too few for trees to rank
    outlets finely by value alone: the trees' leaves would tie outlets that the past rate
    tells apart. The past rate (`value_per_day` × horizon, floored at the 5th percentile of the
    positive ones) is the exposure; the trees learn the multiplicative correction (rhythm,
    how overdue, class, calendar, visits) by Poisson loss on `target / exposure` weighted by the
    exposure, which is Poisson regression with the log exposure as an offset. The exposure
    comes from features dated before the cutoff, like every other input.
    """

    def __init__(self, booster: Any, rate_column: int, horizon_days: int) -> None:
        self.booster = booster
        self.rate_column = rate_column
        self.horizon_days = horizon_days
        self.floor_ = 1.0

    def _exposure(self, X: Any) -> np.ndarray:  # noqa: N803 - scikit-learn's names
        rate = np.nan_to_num(np.asarray(X[:, self.rate_column], dtype=float), nan=0.0)
        return np.maximum(rate * self.horizon_days, self.floor_)

    def fit(self, X: Any, y: Any) -> RateBoosting:  # noqa: N803
        """Fit the trees on target / exposure, weighted by the exposure."""
        raw = np.asarray(X[:, self.rate_column], dtype=float) * self.horizon_days
        positive = raw[np.isfinite(raw) & (raw > 0)]
        self.floor_ = float(np.percentile(positive, 5)) if len(positive) else 1.0
        exposure = self._exposure(X)
        self.booster.fit(X, np.asarray(y, dtype=float) / exposure, sample_weight=exposure)
        return self

    def predict(self, X: Any) -> np.ndarray:  # noqa: N803
        """Return the exposure times the predicted ratio."""
        return self._exposure(X) * np.asarray(self.booster.predict(X), dtype=float)


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
