"""The planar helpers behind the demo map: cells, balanced clusters, allocation."""

import numpy as np
import pytest
import shapely

from backend.demo import geography as geo
from backend.demo.layout import allocate, area_regions
from backend.demo.places import JAKARTA_OUTLINE


def test_projection_round_trips_and_measures_kilometres() -> None:
    lonlat = np.array([[106.8272, -6.1754], [106.8456, -6.2088]])  # Monas, Semanggi

    xy = geo.to_km(lonlat)

    assert np.allclose(geo.to_lonlat(xy), lonlat, atol=1e-12)
    assert np.hypot(*(xy[0] - xy[1])) == pytest.approx(4.22, abs=0.05)


def test_power_cells_contain_exactly_the_points_labelled_for_them() -> None:
    rng = np.random.default_rng(1)
    points = rng.uniform(-5, 5, size=(2000, 2))
    centres = rng.uniform(-4, 4, size=(6, 2))
    weights = rng.uniform(-2, 2, size=6)

    labels = geo.power_labels(points, centres, weights)

    for i in range(6):
        inside = shapely.contains_xy(
            geo.power_cell(i, centres, weights), points[:, 0], points[:, 1]
        )
        assert np.array_equal(inside, labels == i)


def test_balanced_clusters_are_equal_and_are_power_cells() -> None:
    rng = np.random.default_rng(2)
    dense = rng.normal(0, 0.3, size=(703, 2))
    sparse = rng.normal(4, 2.5, size=(500, 2))
    points = np.vstack([dense, sparse])

    centres, weights, labels = geo.balanced_clusters(rng, points, 8)

    assert sorted(np.bincount(labels, minlength=8)) == [150] * 5 + [151] * 3
    power = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2) - weights
    # Each point's own centre is (up to float rounding) its least-power centre.
    assert np.max(power[np.arange(len(points)), labels] - power.min(axis=1)) < 1e-9


def test_allocate_is_proportional_with_at_least_one_each() -> None:
    assert allocate({"a": 616, "b": 629, "c": 952, "d": 796, "e": 1007}, 40) == {
        "a": 6, "b": 6, "c": 10, "d": 8, "e": 10
    }  # fmt: skip
    assert allocate({"a": 1, "b": 1000}, 5) == {"a": 1, "b": 4}
    assert sum(allocate({"a": 3, "b": 3, "c": 3}, 8).values()) == 8
    with pytest.raises(ValueError):
        allocate({"a": 1, "b": 1, "c": 1}, 2)


def test_area_regions_partition_the_outline() -> None:
    regions = area_regions()
    outline = geo.outline_km()

    assert sorted(regions) == ["JB", "JP", "JS", "JT", "JU"]
    assert all(r.geom_type == "Polygon" and r.is_valid for r in regions.values())
    union = shapely.union_all(list(regions.values()))
    assert union.symmetric_difference(outline).area < 1e-3  # km2
    assert shapely.Polygon(JAKARTA_OUTLINE).is_valid
