"""The default model skips scikit-learn's re-encoding of categories without changing a prediction."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor

from ml.modeling import CodedCategoryBoosting, openmp_threads, poisson_boosting
from ml.rolling import RunConfig, make_dataset, training_cutoffs
from ml.tables import Tables


def test_coded_categories_predict_exactly_what_the_stock_estimator_predicts(
    small_tables: Tables,
) -> None:
    config = RunConfig()
    dataset = make_dataset(small_tables, config)
    cutoffs = training_cutoffs(dataset.history, dataset.history.last_day + 1, config)
    features, target = dataset.training_rows(cutoffs, cache=False)
    test = dataset.features(dataset.history.last_day + 1).to_numpy(np.float32)
    mask = np.array(dataset.spec.categorical_mask())
    assert mask.sum() == 2  # channel and outlet class
    # scikit-learn moves categorical columns first when it re-encodes them; do the same here
    # so both grow the same trees (ties between features are broken by column order).
    first = np.r_[np.flatnonzero(mask), np.flatnonzero(~mask)]
    ours = poisson_boosting(dataset.spec, 0)
    assert isinstance(ours, CodedCategoryBoosting)
    ours.set_params(categorical_features=mask[first])
    stock = HistGradientBoostingRegressor(**ours.get_params())

    with openmp_threads():
        ours.fit(np.ascontiguousarray(features[:, first]), target)
        stock.fit(features[:, first], target)

    assert np.array_equal(ours.predict(test[:, first]), stock.predict(test[:, first]))
    assert ours._preprocessor is None and stock._preprocessor is not None


def test_training_rows_are_float32_values_held_in_float64(small_tables: Tables) -> None:
    config = RunConfig()
    dataset = make_dataset(small_tables, config)
    cutoffs = training_cutoffs(dataset.history, dataset.history.last_day + 1, config)[:2]

    features, _ = dataset.training_rows(cutoffs, cache=False)

    assert features.dtype == np.float64 and features.flags.c_contiguous
    expected = dataset.features(cutoffs[1]).to_numpy(np.float32)
    n = dataset.history.n_retailers
    assert np.array_equal(features[n:], expected.astype(np.float64), equal_nan=True)


def test_a_category_code_beyond_the_bins_is_refused() -> None:
    model = CodedCategoryBoosting(categorical_features=[True, False], max_bins=4)
    X = np.array([[0.0, 1.0], [5.0, 2.0]] * 20)  # noqa: N806

    with pytest.raises(ValueError, match="has a code 5 beyond max_bins - 1 = 3"):
        model.fit(X, np.ones(40))
