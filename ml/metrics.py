"""Ranking metrics per group: NDCG@k, value captured@k, Poisson deviance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Predictions are floored so that a predicted zero against a real purchase costs a
# large but finite deviance instead of infinity.
PREDICTION_FLOOR = 1e-6


def _discounts(count: int) -> np.ndarray:
    return 1.0 / np.log2(np.arange(count) + 2.0)


def _tie_averaged_top_gains(y_true: np.ndarray, y_score: np.ndarray) -> np.ndarray:
    """Return true values in ranked order, each tied block replaced by its mean."""
    order = np.argsort(-y_score, kind="stable")
    ranked_score, ranked_true = y_score[order], y_true[order]
    starts = np.flatnonzero(np.r_[True, ranked_score[1:] != ranked_score[:-1]])
    sums = np.add.reduceat(ranked_true, starts)
    sizes = np.diff(np.r_[starts, len(ranked_true)])
    return np.repeat(sums / sizes, sizes)


def ndcg_at_k(y_true: np.ndarray, y_score: np.ndarray, k: int) -> float:
    """Return NDCG@k with linear gains (true value); ties in score are averaged."""
    y_true, y_score = np.asarray(y_true, float), np.asarray(y_score, float)
    ideal = np.sort(y_true)[::-1][:k]
    ideal_dcg = float(ideal @ _discounts(len(ideal)))
    if ideal_dcg <= 0:
        raise ValueError("NDCG is undefined when no item has positive relevance")
    gains = _tie_averaged_top_gains(y_true, y_score)[:k]
    return float(gains @ _discounts(len(gains))) / ideal_dcg


def value_captured_at_k(y_true: np.ndarray, y_score: np.ndarray, k: int) -> float:
    """Return the share of total true value held by the top K by score (ties averaged)."""
    y_true, y_score = np.asarray(y_true, float), np.asarray(y_score, float)
    total = y_true.sum()
    if total <= 0:
        raise ValueError("value captured is undefined when the group has no value")
    return float(_tie_averaged_top_gains(y_true, y_score)[:k].sum() / total)


def poisson_deviance(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Return the mean Poisson deviance of predictions (floored at a tiny positive value)."""
    y_true = np.asarray(y_true, float)
    mu = np.maximum(np.asarray(y_pred, float), PREDICTION_FLOOR)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_term = np.where(y_true > 0, y_true * np.log(y_true / mu), 0.0)
    return float(np.mean(2.0 * (log_term - y_true + mu)))


@dataclass(frozen=True)
class GroupScores:
    """Metrics of one predictor averaged over the groups that had future sales."""

    ndcg_at_k: float
    value_captured_at_k: float
    poisson_deviance: float
    groups_scored: int


def split_groups(group_ids: np.ndarray) -> tuple[list[object], list[np.ndarray]]:
    """Return group labels and the row positions of each group."""
    labels, inverse = np.unique(np.asarray(group_ids, dtype=str), return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.cumsum(np.bincount(inverse, minlength=len(labels)))[:-1]
    return list(labels), np.split(order, bounds)


def score_groups(
    members: list[np.ndarray], y_true: np.ndarray, y_pred: np.ndarray, k: int
) -> GroupScores:
    """Average the three metrics over groups whose future value is positive."""
    ndcg, captured, deviance = [], [], []
    for rows in members:
        truth, predicted = y_true[rows], y_pred[rows]
        if truth.sum() <= 0:
            continue
        ndcg.append(ndcg_at_k(truth, predicted, k))
        captured.append(value_captured_at_k(truth, predicted, k))
        deviance.append(poisson_deviance(truth, predicted))
    if not ndcg:
        raise ValueError("no group has any future sales; nothing can be scored")
    return GroupScores(
        float(np.mean(ndcg)), float(np.mean(captured)), float(np.mean(deviance)), len(ndcg)
    )
