"""Planar geometry for the demo: sampling outlet points, power-diagram cells, balanced clusters.

Work happens in a local kilometre plane centred on Jakarta (an equirectangular projection,
accurate to well under 0.1% at this size); a linear map keeps straight edges straight, so cells
computed here stay exact after conversion back to lon/lat.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from backend.demo.places import JAKARTA_OUTLINE, KECAMATAN

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

ORIGIN_LON = 106.83
ORIGIN_LAT = -6.20
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON = 111.320 * math.cos(math.radians(ORIGIN_LAT))
# Points closer than this to any boundary are moved, so that rounding coordinates to six
# decimals (about 0.1 m) or testing in PostGIS geography never flips a containment.
BOUNDARY_MARGIN_KM = 0.003
COORD_DECIMALS = 6  # about 0.1 m: how points are published
_BIG_BOX_KM = 200.0
# Squared kilometres to integer flow costs: a resolution of a square metre.
_COST_SCALE = 1e6


def to_km(lonlat: FloatArray) -> FloatArray:
    """Project (lon, lat) rows into the local kilometre plane."""
    x = (lonlat[:, 0] - ORIGIN_LON) * KM_PER_DEG_LON
    y = (lonlat[:, 1] - ORIGIN_LAT) * KM_PER_DEG_LAT
    return np.column_stack([x, y])


def to_lonlat(xy: FloatArray) -> FloatArray:
    """Map local kilometre rows back to (lon, lat)."""
    lon = xy[:, 0] / KM_PER_DEG_LON + ORIGIN_LON
    lat = xy[:, 1] / KM_PER_DEG_LAT + ORIGIN_LAT
    return np.column_stack([lon, lat])


def snap_to_published(xy: FloatArray) -> FloatArray:
    """Round kilometre points to the lon/lat the world publishes (six decimals) and back."""
    return to_km(np.round(to_lonlat(xy), COORD_DECIMALS))


def geometry_to_lonlat(geometry: BaseGeometry) -> BaseGeometry:
    """Map a kilometre-plane geometry to lon/lat."""
    return shapely.transform(geometry, to_lonlat)


def outline_km() -> Polygon:
    """Return the mainland DKI Jakarta outline in the kilometre plane."""
    return Polygon(to_km(np.array(JAKARTA_OUTLINE, dtype=np.float64)))


def kecamatan_centres_km() -> FloatArray:
    """Return the centre of every kecamatan, in table order, in the kilometre plane."""
    lonlat = np.array([(k.lon, k.lat) for k in KECAMATAN], dtype=np.float64)
    return to_km(lonlat)


def power_labels(points: FloatArray, centres: FloatArray, weights: FloatArray) -> IntArray:
    """Label each point with the centre of least power distance |p - c|^2 - w."""
    # |p|^2 is the same for every centre of a row, so it drops out of the comparison.
    power = (centres**2).sum(axis=1) - weights - 2.0 * (points @ centres.T)
    return np.argmin(power, axis=1).astype(np.int64)


def power_cell(index: int, centres: FloatArray, weights: FloatArray) -> Polygon:
    """Return the power-diagram cell of one centre (a convex polygon, clipped to a big box)."""
    c = centres[index]
    h = _BIG_BOX_KM
    vertices = np.array([[c[0] - h, c[1] - h], [c[0] + h, c[1] - h],
                         [c[0] + h, c[1] + h], [c[0] - h, c[1] + h]])  # fmt: skip
    for j in range(len(centres)):
        if j == index:
            continue
        # |p-ci|^2 - wi <= |p-cj|^2 - wj  <=>  2 p.(cj-ci) <= |cj|^2 - |ci|^2 - wj + wi
        normal = 2.0 * (centres[j] - c)
        bound = centres[j] @ centres[j] - c @ c - weights[j] + weights[index]
        vertices = _clip_half_plane(vertices, normal, bound)
        if len(vertices) < 3:
            return Polygon()
    return Polygon(vertices)


def _clip_half_plane(vertices: FloatArray, normal: FloatArray, bound: float) -> FloatArray:
    """Keep the part of a convex polygon where normal . p <= bound (Sutherland-Hodgman)."""
    kept: list[FloatArray] = []
    values = vertices @ normal - bound
    for i in range(len(vertices)):
        a, b = vertices[i], vertices[(i + 1) % len(vertices)]
        va, vb = values[i], values[(i + 1) % len(vertices)]
        if va <= 0:
            kept.append(a)
        if (va < 0 < vb) or (vb < 0 < va):
            kept.append(a + (b - a) * (va / (va - vb)))
    return np.array(kept) if kept else np.empty((0, 2))


def polygonal_part(geometry: BaseGeometry) -> Polygon | MultiPolygon:
    """Drop the points and lines an overlay can leave, keeping a valid (multi)polygon."""
    geometry = shapely.make_valid(geometry)
    if isinstance(geometry, Polygon | MultiPolygon):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    merged = shapely.union_all(parts)
    if isinstance(merged, Polygon | MultiPolygon):
        return merged
    return Polygon()


def kecamatan_cells() -> list[Polygon | MultiPolygon]:
    """Return each kecamatan's Voronoi cell clipped to the outline, in table order."""
    centres = kecamatan_centres_km()
    weights = np.zeros(len(centres))
    outline = outline_km()
    return [
        polygonal_part(power_cell(i, centres, weights).intersection(outline))
        for i in range(len(centres))
    ]


def sample_outlet_points(rng: np.random.Generator, count: int, allowed: Polygon) -> FloatArray:
    """Scatter outlets around kecamatan centres by weight, keeping only points inside allowed."""
    weights = np.array([k.outlet_weight for k in KECAMATAN], dtype=np.float64)
    sigmas = np.array([k.sigma_km for k in KECAMATAN], dtype=np.float64)
    centres = kecamatan_centres_km()
    source = rng.choice(len(KECAMATAN), size=count, p=weights / weights.sum())
    points = np.empty((count, 2))
    pending = np.arange(count)
    while len(pending):
        offsets = rng.normal(size=(len(pending), 2)) * sigmas[source[pending], None]
        points[pending] = centres[source[pending]] + offsets
        inside = shapely.contains_xy(allowed, points[pending, 0], points[pending, 1])
        pending = pending[~inside]
    return points


def balanced_clusters(
    rng: np.random.Generator, points: FloatArray, k: int, rounds: int = 12
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Split points into k compact clusters of equal size (±1); return centres, weights, labels."""
    # Balanced k-means: each round assigns points to centres at least total squared distance
    # with fixed cluster sizes, then moves centres to their clusters' means. The optimal
    # assignment's dual prices are power weights, so the clusters are power-diagram cells.
    centres = _farthest_first_centres(rng, points, k)
    sizes = np.full(k, len(points) // k)
    sizes[: len(points) % k] += 1
    labels = _balanced_assignment(points, centres, sizes)
    for _ in range(rounds):
        centres = np.array([points[labels == i].mean(axis=0) for i in range(k)])
        moved = _balanced_assignment(points, centres, sizes)
        if np.array_equal(moved, labels):
            break
        labels = moved
    centres = np.array([points[labels == i].mean(axis=0) for i in range(k)])
    labels = _balanced_assignment(points, centres, sizes)
    return centres, _power_weights(points, centres, labels), labels


def _farthest_first_centres(rng: np.random.Generator, points: FloatArray, k: int) -> FloatArray:
    """Seed centres k-means++ style: each next one likely far from those already chosen."""
    chosen = [int(rng.integers(len(points)))]
    d2 = ((points - points[chosen[0]]) ** 2).sum(axis=1)
    for _ in range(1, k):
        nxt = int(rng.choice(len(points), p=d2 / d2.sum()))
        chosen.append(nxt)
        d2 = np.minimum(d2, ((points - points[nxt]) ** 2).sum(axis=1))
    return points[chosen].copy()


def _balanced_assignment(points: FloatArray, centres: FloatArray, sizes: IntArray) -> IntArray:
    """Assign points to centres with exactly sizes[i] points each, least total squared distance."""
    n, k = len(points), len(centres)
    d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    flow = min_cost_flow.SimpleMinCostFlow()
    # Nodes: points 0..n-1, clusters n..n+k-1; points supply one unit, clusters absorb sizes.
    tails = np.repeat(np.arange(n), k)
    heads = n + np.tile(np.arange(k), n)
    costs = np.round(d2.ravel() * _COST_SCALE).astype(np.int64)
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, np.ones(n * k, np.int64), costs)
    flow.set_nodes_supplies(np.arange(n + k), np.concatenate([np.ones(n, np.int64), -sizes]))
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("balanced assignment found no optimal solution")
    used = flow.flows(arcs).reshape(n, k)
    return np.argmax(used, axis=1).astype(np.int64)


def _power_weights(points: FloatArray, centres: FloatArray, labels: IntArray) -> FloatArray:
    """Find weights under which every point's power-nearest centre is its assigned one."""
    k = len(centres)
    d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    slack = d2 - d2[np.arange(len(points)), labels][:, None]
    # Point p of cluster a stays in a iff w_b - w_a <= slack[p, b] for every b: difference
    # constraints, solved by shortest paths over the k clusters (Bellman-Ford).
    bound = np.zeros((k, k))
    for a in range(k):
        bound[a] = slack[labels == a].min(axis=0)
    forward, backward = np.zeros(k), np.zeros(k)
    for _ in range(k):
        forward = np.minimum(forward, (forward[:, None] + bound).min(axis=0))
        backward = np.minimum(backward, (bound + backward[None, :]).min(axis=1))
    # Both solutions are feasible; their mean keeps the boundaries off the tight points.
    return np.asarray((forward - backward) / 2.0, dtype=np.float64)


def move_inside(
    rng: np.random.Generator, point: FloatArray, region: Polygon | MultiPolygon
) -> FloatArray:
    """Move a point that sits on or near a region's edge to a nearby point well inside it."""
    inner = region.buffer(-BOUNDARY_MARGIN_KM * 2)
    target = inner if not inner.is_empty else region
    for scale in (0.02, 0.05, 0.1, 0.2, 0.5):
        for _ in range(20):
            candidate = point + rng.normal(size=2) * scale
            if target.contains(shapely.Point(candidate)):
                return np.asarray(candidate, dtype=np.float64)
    p = target.representative_point()
    return np.array([p.x, p.y])


def well_inside(region: Polygon | MultiPolygon, points: FloatArray) -> NDArray[np.bool_]:
    """Tell which points lie inside the region and at least the margin from its edge."""
    if len(points) == 0:
        return np.zeros(0, dtype=bool)
    inside = shapely.contains_xy(region, points[:, 0], points[:, 1])
    distance = shapely.distance(region.boundary, shapely.points(points))
    return np.asarray(inside & (distance >= BOUNDARY_MARGIN_KM))
