"""The spatial plan of the demo city: outlet points, areas, balanced territories, depots."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from backend.demo import geography as geo
from backend.demo.places import AREAS, KECAMATAN

Region = Polygon | MultiPolygon
# Snapping every planar polygon to a 1 mm grid makes neighbouring cells share exact edges,
# so unions come out as clean single polygons instead of slivers.
GRID_KM = 1e-6
COAST_SETBACK_KM = 0.15


@dataclass(frozen=True)
class TerritoryPlan:
    """One rep territory: a compact cell of its area holding about the same outlets as others."""

    code: str
    name: str
    area_code: str
    region: Region


@dataclass(frozen=True)
class CityLayout:
    """Outlet points (kilometre plane) with their kecamatan, area and territory."""

    points: geo.FloatArray
    kecamatan: geo.IntArray
    area_codes: tuple[str, ...]
    territory: geo.IntArray
    areas: dict[str, Region]
    territories: tuple[TerritoryPlan, ...]


def plan_city(rng: np.random.Generator, outlets: int, territories: int) -> CityLayout:
    """Scatter outlets over Jakarta and cut each area into balanced territories."""
    if territories < len(AREAS):
        raise ValueError(f"need at least {len(AREAS)} territories (one per area)")
    areas = area_regions()
    allowed = geo.outline_km().buffer(-COAST_SETBACK_KM)
    points = geo.sample_outlet_points(rng, outlets, allowed)
    area_codes = _areas_of(points)
    counts = {code: area_codes.count(code) for code, _ in AREAS}
    plans: list[TerritoryPlan] = []
    territory = np.full(outlets, -1, dtype=np.int64)
    for code, k in allocate(counts, territories).items():
        members = np.array([i for i, a in enumerate(area_codes) if a == code], dtype=np.int64)
        if len(members) < k:
            raise ValueError(f"area {code} has {len(members)} outlets for {k} territories")
        regions, labels = _cut_area(rng, points[members], areas[code], k)
        for local, region in enumerate(regions):
            plans.append(_territory_plan(code, local, region))
        territory[members] = labels + (len(plans) - k)
    points = _settle_inside(rng, points, territory, plans)
    kecamatan = nearest_kecamatan(points, area_codes)
    named = _name_after_main_kecamatan(plans, territory, kecamatan)
    return CityLayout(points, kecamatan, tuple(area_codes), territory, areas, named)


def area_regions() -> dict[str, Region]:
    """Return each area as the union of its kecamatan's Voronoi cells inside the outline."""
    cells = [shapely.set_precision(c, GRID_KM) for c in geo.kecamatan_cells()]
    return {
        code: geo.polygonal_part(
            shapely.union_all(
                [c for c, k in zip(cells, KECAMATAN, strict=True) if k.area == code],
                grid_size=GRID_KM,
            )
        )
        for code, _ in AREAS
    }


def allocate(weights: dict[str, int], total: int) -> dict[str, int]:
    """Split total over the keys in proportion to weight (largest remainder), at least 1 each."""
    keys = [k for k in weights if weights[k] > 0]
    if total < len(keys):
        raise ValueError(f"cannot give {len(keys)} groups at least one of {total}")
    whole = sum(weights[k] for k in keys)
    exact = {k: total * weights[k] / whole for k in keys}
    shares = {k: int(exact[k]) for k in keys}
    by_remainder = sorted(keys, key=lambda k: (-(exact[k] - shares[k]), k))
    for k in by_remainder[: total - sum(shares.values())]:
        shares[k] += 1
    for k in keys:
        if shares[k] == 0:
            # An almost empty group still needs one; take it from the largest share.
            largest = max(keys, key=lambda key: (shares[key], key))
            shares[largest] -= 1
            shares[k] = 1
    return shares


def nearest_kecamatan(points: geo.FloatArray, area_codes: list[str]) -> geo.IntArray:
    """Return for each point the nearest kecamatan centre within the point's own area."""
    centres = geo.kecamatan_centres_km()
    d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    foreign = np.array([[k.area != a for k in KECAMATAN] for a in area_codes], dtype=bool)
    d2[foreign] = np.inf
    return np.argmin(d2, axis=1).astype(np.int64)


def _areas_of(points: geo.FloatArray) -> list[str]:
    """Place each point in the area of its nearest kecamatan centre (its Voronoi cell)."""
    labels = geo.power_labels(points, geo.kecamatan_centres_km(), np.zeros(len(KECAMATAN)))
    return [KECAMATAN[int(i)].area for i in labels]


def _cut_area(
    rng: np.random.Generator, points: geo.FloatArray, area: Region, k: int
) -> tuple[list[Region], geo.IntArray]:
    """Cluster an area's outlets into k balanced groups; return their cells, north first."""
    centres, weights, labels = geo.balanced_clusters(rng, points, k)
    order = np.lexsort((centres[:, 0], -centres[:, 1]))
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    regions = [
        geo.polygonal_part(
            shapely.intersection(geo.power_cell(int(i), centres, weights), area, grid_size=GRID_KM)
        )
        for i in order
    ]
    return regions, rank[labels]


def _territory_plan(area_code: str, local: int, region: Region) -> TerritoryPlan:
    area_name = dict(AREAS)[area_code]
    return TerritoryPlan(
        code=f"TR-{area_code}-{local + 1:02d}",
        name=f"{area_name} {local + 1:02d}",
        area_code=area_code,
        region=region,
    )


def _name_after_main_kecamatan(
    plans: list[TerritoryPlan], territory: geo.IntArray, kecamatan: geo.IntArray
) -> tuple[TerritoryPlan, ...]:
    """Add the kecamatan most of a territory's outlets are in to its name, as people say it."""
    named = []
    for index, plan in enumerate(plans):
        counts = np.bincount(kecamatan[territory == index], minlength=len(KECAMATAN))
        main = KECAMATAN[int(np.argmax(counts))].name
        named.append(replace(plan, name=f"{plan.name} ({main})"))
    return tuple(named)


def _settle_inside(
    rng: np.random.Generator,
    points: geo.FloatArray,
    territory: geo.IntArray,
    plans: list[TerritoryPlan],
) -> geo.FloatArray:
    """Nudge the rare point on or near its territory's edge to just inside it."""
    points = points.copy()
    for index, plan in enumerate(plans):
        members = np.flatnonzero(territory == index)
        ok = geo.well_inside(plan.region, points[members])
        for i in members[~ok]:
            points[i] = geo.move_inside(rng, points[i], plan.region)
    return points


def depot_sites(
    rng: np.random.Generator, points: geo.FloatArray, area: Region, count: int
) -> geo.FloatArray:
    """Place count distributor warehouses at the centres of balanced groups of an area's outlets."""
    centres, _, _ = geo.balanced_clusters(rng, points, count)
    for i, centre in enumerate(centres):
        if not geo.well_inside(area, centre[None, :])[0]:
            centres[i] = geo.move_inside(rng, centre, area)
    return geo.snap_to_published(centres)
