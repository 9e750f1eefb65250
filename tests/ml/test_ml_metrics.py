"""Metrics against small cases computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ml.metrics import ndcg_at_k, poisson_deviance, score_groups, value_captured_at_k


def test_ndcg_hand_computed() -> None:
    truth = np.array([3.0, 0.0, 2.0, 1.0])
    predicted = np.array([0.9, 0.8, 0.1, 0.5])  # ranks: 3, 0, 1, 2
    dcg = 3 / math.log2(2) + 0 / math.log2(3) + 1 / math.log2(4)
    ideal = 3 / math.log2(2) + 2 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(truth, predicted, k=3) == pytest.approx(dcg / ideal, abs=1e-12)
    assert ndcg_at_k(truth, truth, k=3) == 1.0


def test_ndcg_averages_ties() -> None:
    truth = np.array([4.0, 0.0])
    tied = np.array([1.0, 1.0])
    # Either order is equally likely: gain 2 at rank 1 and 2 at rank 2.
    expected = (2 / 1 + 2 / math.log2(3)) / 4
    assert ndcg_at_k(truth, tied, k=2) == pytest.approx(expected, abs=1e-12)


def test_value_captured_hand_computed() -> None:
    truth = np.array([10.0, 30.0, 0.0, 60.0])
    predicted = np.array([4.0, 1.0, 3.0, 2.0])  # top 2: 10 and 0
    assert value_captured_at_k(truth, predicted, k=2) == pytest.approx(0.1)
    assert value_captured_at_k(truth, truth, k=2) == pytest.approx(0.9)
    assert value_captured_at_k(truth, np.zeros(4), k=2) == pytest.approx(0.5)


def test_poisson_deviance_hand_computed() -> None:
    truth = np.array([0.0, 2.0])
    predicted = np.array([1.0, 1.0])
    # d = 2 * [ (0 - 0 + 1) + (2 ln 2 - 2 + 1) ] / 2
    expected = (2 * 1 + 2 * (2 * math.log(2) - 1)) / 2
    assert poisson_deviance(truth, predicted) == pytest.approx(expected, abs=1e-12)
    assert poisson_deviance(truth, truth) == pytest.approx(0.0, abs=1e-5)


def test_groups_without_value_are_not_scored() -> None:
    truth = np.array([1.0, 0.0, 0.0, 0.0])
    predicted = np.array([1.0, 0.5, 0.3, 0.2])
    members = [np.array([0, 1]), np.array([2, 3])]
    scores = score_groups(members, truth, predicted, k=1)
    assert scores.groups_scored == 1
    assert (scores.ndcg_at_k, scores.value_captured_at_k) == (1.0, 1.0)
    with pytest.raises(ValueError, match="undefined"):
        ndcg_at_k(np.zeros(3), np.ones(3), 2)
