"""Expected value per retailer at a date, with the top reasons in plain words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.artefact import Artefact
from ml.baselines import (
    LAST_4_WEEKS,
    RECENCY_FREQUENCY,
    SAME_PERIOD_LAST_YEAR,
    last_4_weeks,
    recency_frequency,
    same_period_last_year,
)
from ml.calendar import festival_name_on, holiday_calendar
from ml.evaluate import portfolio_groups
from ml.features import build_features, model_matrix
from ml.history import History, build_history, day_number, day_to_date
from ml.modeling import predict_values
from ml.reasons import explain
from ml.tables import Tables

TOP_REASONS = 3


def _baseline_values(active: str, features: pd.DataFrame, horizon: int) -> np.ndarray:
    if active == LAST_4_WEEKS:
        return last_4_weeks(features, horizon)
    if active == RECENCY_FREQUENCY:
        return recency_frequency(features, horizon)
    if active == SAME_PERIOD_LAST_YEAR:
        values = same_period_last_year(features)
        if values is None:
            raise ValueError("same_period_last_year needs a year of history before as_of")
        return values
    raise ValueError(f"unknown baseline {active!r}")


def _festival(artefact: Artefact, as_of: int) -> tuple[str, int] | None:
    """Return the next major festival within the horizon and how many days away it is."""
    year = day_to_date(as_of).year
    calendar = holiday_calendar(artefact.spec.country, year - 1, year + 2)
    upcoming = calendar.festival_days[calendar.festival_days >= as_of]
    if not len(upcoming) or upcoming[0] - as_of >= artefact.spec.horizon_days:
        return None
    return festival_name_on(calendar, int(upcoming[0])), int(upcoming[0] - as_of)


def score(
    model: Artefact,
    tables: Tables | History,
    as_of: pd.Timestamp | str,
    top_reasons: int = TOP_REASONS,
) -> pd.DataFrame:
    """Return expected value over the horizon per retailer, its rank in its portfolio and reasons.

    Only data dated strictly before AS_OF is used. Columns: retailer_id, expected_value,
    group_id, rank (1 = visit first within the group), reasons (list of plain sentences).
    """
    history = tables if isinstance(tables, History) else build_history(tables)
    day = day_number(pd.Timestamp(as_of))
    features = build_features(history, model.spec, day)
    if model.estimator is not None:
        values = predict_values(model.estimator, model_matrix(features, model.spec))
    else:
        values = _baseline_values(model.active, features, model.spec.horizon_days)
    _, groups = portfolio_groups(history.retailers)
    result = pd.DataFrame(
        {"retailer_id": history.retailer_ids, "expected_value": values, "group_id": groups}
    )
    result["rank"] = (
        result.groupby("group_id")["expected_value"]
        .rank(method="first", ascending=False)
        .astype(int)
    )
    result["reasons"] = explain(
        features, _festival(model, day), model.spec.horizon_days, top_reasons
    )
    return result
