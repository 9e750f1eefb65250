"""Features read only data dated before the cutoff; the target only the horizon after it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.features import build_features, build_target, make_feature_spec
from ml.history import build_history
from ml.tables import Tables

CUTOFF = pd.Timestamp("2024-10-01")


def scramble_from(tables: Tables, start: pd.Timestamp) -> Tables:
    """Change every dated row on or after START, and add new ones there."""
    sales = tables.sales.astype({"sku": str, "retailer_id": str})
    later = sales["date"] >= start
    sales.loc[later, "value"] = sales.loc[later, "value"] * 7 + 1
    sales.loc[later, "quantity"] = 0.0
    sales.loc[later, "sku"] = "SKU-NEW"
    extra = pd.DataFrame(
        {
            "retailer_id": tables.retailers["retailer_id"],
            "date": start,
            "sku": "SKU-X",
            "quantity": 3.0,
            "value": 999.0,
        }
    )
    visits = tables.visits
    assert visits is not None
    visits = visits.copy()
    visits.loc[visits["date"] >= start, "productive"] = False
    extra_visits = pd.DataFrame(
        {
            "retailer_id": tables.retailers["retailer_id"],
            "date": start,
            "rep_id": "S-X",
            "productive": True,
        }
    )
    return Tables(
        tables.retailers,
        pd.concat([sales, extra], ignore_index=True),
        pd.concat([visits, extra_visits], ignore_index=True),
    )


def features_at(tables: Tables, cutoff: pd.Timestamp, short: bool = False) -> pd.DataFrame:
    history = build_history(tables)
    return build_features(history, make_feature_spec(history, short_history=short), cutoff)


@pytest.mark.parametrize("short", [False, True], ids=["windows", "short-history rates"])
def test_no_feature_reads_data_at_or_after_the_cutoff(tiny_tables: Tables, short: bool) -> None:
    original = features_at(tiny_tables, CUTOFF, short)
    perturbed = features_at(scramble_from(tiny_tables, CUTOFF), CUTOFF, short)
    pd.testing.assert_frame_equal(original, perturbed)


@pytest.mark.parametrize("short", [False, True], ids=["windows", "short-history rates"])
def test_the_leakage_check_notices_data_the_day_before(tiny_tables: Tables, short: bool) -> None:
    original = features_at(tiny_tables, CUTOFF, short)
    perturbed = features_at(
        scramble_from(tiny_tables, CUTOFF - pd.Timedelta(days=1)), CUTOFF, short
    )
    changed = [c for c in original.columns if not original[c].equals(perturbed[c])]
    assert {"value_28", "days_since_last_order", "skus_91", "visits_91"} <= set(changed)
    if short:
        assert {"value_per_day", "value_per_day_28", "visits_per_day"} <= set(changed)


def test_short_history_model_reads_rates_not_window_totals(tiny_tables: Tables) -> None:
    history = build_history(tiny_tables)
    spec = make_feature_spec(history, short_history=True)
    model_columns = set(spec.feature_names())
    assert {"value_per_day", "orders_per_day", "value_per_day_28", "visits_per_day"} <= (
        model_columns
    )
    assert not model_columns & {"value_28", "value_91", "value_364", "orders_91", "tenure_days"}
    # The frame still carries the totals that baselines and reasons read, after the model's.
    frame = build_features(history, spec, CUTOFF)
    assert list(frame.columns[: len(spec.feature_names())]) == spec.feature_names()
    assert {"value_28", "orders_91", "value_364", "orders_364"} <= set(frame.columns)
    observed = (CUTOFF - tiny_tables.sales["date"].min()).days
    before = tiny_tables.sales[tiny_tables.sales["date"] < CUTOFF]
    first = frame.index[0]
    expected = before.loc[before["retailer_id"] == first, "value"].sum() / min(364, observed)
    assert frame.loc[first, "value_per_day"] == pytest.approx(expected)


def test_target_sums_the_horizon_only() -> None:
    retailers = pd.DataFrame({"retailer_id": ["A", "B"]})
    dates = pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-29", "2025-01-28", "2024-12-31"])
    sales = pd.DataFrame(
        {
            "retailer_id": ["A", "A", "A", "B", "B"],
            "date": dates,
            "sku": "S",
            "quantity": 1.0,
            "value": [10.0, 20.0, 40.0, 5.0, 7.0],
        }
    )
    history = build_history(Tables(retailers, sales))
    target = build_target(history, pd.Timestamp("2025-01-01"), horizon_days=28)
    assert target.tolist() == [30.0, 5.0]


def test_features_hand_checked_and_missing_columns_skipped() -> None:
    retailers = pd.DataFrame({"retailer_id": ["A", "B"]})
    dates = pd.to_datetime(["2025-01-01", "2025-01-08", "2025-01-15", "2025-01-29"])
    sales = pd.DataFrame(
        {
            "retailer_id": ["A", "A", "A", "B"],
            "date": dates,
            "sku": ["S1", "S2", "S1", "S1"],
            "quantity": 1.0,
            "value": [10.0, 20.0, 30.0, 5.0],
        }
    )
    history = build_history(Tables(retailers, sales))
    spec = make_feature_spec(history)
    features = build_features(history, spec, pd.Timestamp("2025-01-20"))
    row = features.loc["A"]
    assert (row["orders_28"], row["value_28"], row["skus_91"]) == (3.0, 60.0, 2.0)
    assert (row["days_since_last_order"], row["order_interval_days"]) == (5.0, 7.0)
    assert row["overdue_days"] == -2.0
    assert features.loc["B", "orders_364"] == 0.0
    assert np.isnan(features["days_since_last_order"].to_numpy()[1])
    for skipped in ("channel", "outlet_class", "outlets_within_radius", "visits_91"):
        assert skipped not in features.columns


def test_unknown_holiday_country_is_a_clear_error(tiny_tables: Tables) -> None:
    history = build_history(tiny_tables)
    spec = make_feature_spec(history, country="XX")
    with pytest.raises(ValueError, match="country 'XX' is not known"):
        build_features(history, spec, CUTOFF)


def test_replenishment_rate_and_visit_rhythm_hand_checked() -> None:
    retailers = pd.DataFrame({"retailer_id": ["A", "B"]})
    sales = pd.DataFrame(
        {
            "retailer_id": ["A", "A", "A", "B"],
            "date": pd.to_datetime(["2025-01-01", "2025-01-08", "2025-01-15", "2025-01-10"]),
            "sku": "S1",
            "quantity": 1.0,
            "value": [70.0, 20.0, 36.0, 5.0],
        }
    )
    visits = pd.DataFrame(
        {
            "retailer_id": ["A", "A", "A", "B"],
            "date": pd.to_datetime(["2025-01-01", "2025-01-08", "2025-01-15", "2025-01-10"]),
            "rep_id": "S1",
            "productive": True,
        }
    )
    history = build_history(Tables(retailers, sales, visits))
    features = build_features(
        history, make_feature_spec(history, short_history=True), pd.Timestamp("2025-01-20")
    )
    # the orders after the first (20 + 36) over the 14 days from the first to the last
    assert features.loc["A", "replenishment_per_day"] == 4.0
    # a beat every 7 days, last call 5 days before the cutoff: the next is due in 2
    assert (features.loc["A", "visit_interval_days"], features.loc["A", "days_to_next_visit"]) == (
        7.0,
        2.0,
    )
    # one order, one visit: no rate, no rhythm
    for column in ("replenishment_per_day", "visit_interval_days", "days_to_next_visit"):
        assert np.isnan(features[column].to_numpy()[1])
