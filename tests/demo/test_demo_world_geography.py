"""The demo world's places: hierarchy, polygons, and every point where it should be."""

from collections import Counter

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from backend.demo.geography import to_km
from backend.demo.places import JAKARTA_OUTLINE, KECAMATAN
from backend.demo.world import DemoTerritory, DemoWorld

JAKARTA = Polygon(JAKARTA_OUTLINE)
TOLERANCE_DEG = 1e-9  # about 0.1 mm: float noise of overlays, far below anything visible


def _shapes(world: DemoWorld, level: str) -> dict[str, BaseGeometry]:
    return {t.code: shapely.from_wkt(t.boundary_wkt) for t in world.territories if t.level == level}


def _by_code(world: DemoWorld) -> dict[str, DemoTerritory]:
    return {t.code: t for t in world.territories}


def test_hierarchy_has_one_country_one_region_five_areas_forty_territories(
    demo_world: DemoWorld,
) -> None:
    levels = Counter(t.level for t in demo_world.territories)

    assert levels == {"COUNTRY": 1, "REGION": 1, "AREA": 5, "TERRITORY": 40}
    assert sorted(_shapes(demo_world, "AREA")) == ["AR-JB", "AR-JP", "AR-JS", "AR-JT", "AR-JU"]


def test_territories_list_parents_before_children_at_the_level_above(
    demo_world: DemoWorld,
) -> None:
    above = {"REGION": "COUNTRY", "AREA": "REGION", "TERRITORY": "AREA"}
    seen: dict[str, str] = {}
    for territory in demo_world.territories:
        if territory.parent_code is None:
            assert territory.level == "COUNTRY"
        else:
            assert seen[territory.parent_code] == above[territory.level]
        seen[territory.code] = territory.level
    assert len(seen) == len(demo_world.territories)


def test_every_boundary_is_a_valid_lonlat_polygon(demo_world: DemoWorld) -> None:
    for territory in demo_world.territories:
        shape = shapely.from_wkt(territory.boundary_wkt)

        assert territory.boundary_wkt.startswith(("POLYGON", "MULTIPOLYGON"))
        assert isinstance(shape, Polygon | MultiPolygon)
        assert shape.is_valid and not shape.is_empty
        minx, miny, maxx, maxy = shape.bounds
        assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def test_areas_are_the_union_of_their_territories_and_tile_jakarta(demo_world: DemoWorld) -> None:
    areas = _shapes(demo_world, "AREA")
    leaves = _shapes(demo_world, "TERRITORY")
    parent = {code: t.parent_code for code, t in _by_code(demo_world).items()}

    for area_code, area in areas.items():
        children = [shape for code, shape in leaves.items() if parent[code] == area_code]
        for child in children:
            assert area.buffer(TOLERANCE_DEG).covers(child)
        assert shapely.union_all(children).symmetric_difference(area).area < TOLERANCE_DEG
    region = shapely.from_wkt(_by_code(demo_world)["RG-JK"].boundary_wkt)
    # Vertices snap to a 1 mm grid, so neighbouring areas may gap or overlap by a millimetre:
    # allow one part in ten million of the city's area (about 70 m2 of 664 km2).
    slack = JAKARTA.area * 1e-7
    assert region.symmetric_difference(JAKARTA).area < slack
    assert shapely.union_all(list(areas.values())).symmetric_difference(region).area < slack
    codes = sorted(areas)
    for i, first in enumerate(codes):
        for second in codes[i + 1 :]:
            assert areas[first].intersection(areas[second]).area < slack


def test_jakarta_areas_have_roughly_their_real_sizes(demo_world: DemoWorld) -> None:
    km2_per_deg2 = 110.67 * 110.57
    sizes = {code: shape.area * km2_per_deg2 for code, shape in _shapes(demo_world, "AREA").items()}

    # Official land areas: Pusat 48, Utara 146, Barat 129, Selatan 141, Timur 188 km2.
    assert 40 < sizes["AR-JP"] < 60
    assert 110 < sizes["AR-JU"] < 160
    assert 110 < sizes["AR-JB"] < 150
    assert 130 < sizes["AR-JS"] < 175
    assert 170 < sizes["AR-JT"] < 215
    assert 640 < sum(sizes.values()) < 680


def test_every_retailer_lies_inside_its_territory_and_jakarta(demo_world: DemoWorld) -> None:
    leaves = _shapes(demo_world, "TERRITORY")
    for shape in leaves.values():
        shapely.prepare(shape)
    shapely.prepare(JAKARTA)

    for retailer in demo_world.retailers:
        assert leaves[retailer.territory_code].contains(shapely.Point(retailer.lon, retailer.lat))
        assert JAKARTA.contains(shapely.Point(retailer.lon, retailer.lat))


def test_no_outlet_sits_in_jakarta_bay(demo_world: DemoWorld) -> None:
    # The coast runs at about -6.10 to -6.12; the outline keeps a 150 m setback from it.
    assert max(r.lat for r in demo_world.retailers) < -6.096
    assert min(r.lat for r in demo_world.retailers) > -6.37
    assert min(r.lon for r in demo_world.retailers) > 106.68
    assert max(r.lon for r in demo_world.retailers) < 106.98


def test_territories_hold_about_the_same_number_of_outlets(demo_world: DemoWorld) -> None:
    sizes = Counter(r.territory_code for r in demo_world.retailers)

    assert len(sizes) == 40
    assert min(sizes.values()) >= 85
    assert max(sizes.values()) <= 115


def test_territories_are_compact(demo_world: DemoWorld) -> None:
    km_per_deg = 110.6
    for code, shape in _shapes(demo_world, "TERRITORY").items():
        minx, miny, maxx, maxy = shape.bounds
        assert max(maxx - minx, maxy - miny) * km_per_deg < 16, code


def test_the_old_core_is_denser_and_more_general_trade(demo_world: DemoWorld) -> None:
    per_area = Counter(
        _by_code(demo_world)[r.territory_code].parent_code for r in demo_world.retailers
    )
    density = {
        code: per_area[code] / shape.area for code, shape in _shapes(demo_world, "AREA").items()
    }
    kind = {k.name: k.kind for k in KECAMATAN}
    core = [r for r in demo_world.retailers if kind[r.kecamatan] == "core"]
    outer = [r for r in demo_world.retailers if kind[r.kecamatan] != "core"]

    assert max(density, key=lambda code: density[code]) == "AR-JP"
    assert np.mean([r.channel == "GT" for r in core]) > np.mean([r.channel == "GT" for r in outer])


def test_reps_live_inside_their_own_territory(demo_world: DemoWorld) -> None:
    leaves = _shapes(demo_world, "TERRITORY")

    assert sorted(rep.territory_code for rep in demo_world.reps) == sorted(leaves)
    for rep in demo_world.reps:
        assert leaves[rep.territory_code].contains(shapely.Point(rep.start_lon, rep.start_lat))


def test_distributors_sit_in_their_area_and_serve_its_outlets(demo_world: DemoWorld) -> None:
    areas = _shapes(demo_world, "AREA")
    parent = {code: t.parent_code for code, t in _by_code(demo_world).items()}
    distributors = {d.code: d for d in demo_world.distributors}

    for d in demo_world.distributors:
        assert areas[d.territory_code].contains(shapely.Point(d.lon, d.lat))
    for r in demo_world.retailers:
        area = parent[r.territory_code]
        assert distributors[r.distributor_code].territory_code == area
        same_area = [d for d in demo_world.distributors if d.territory_code == area]
        depots = to_km(np.array([(d.lon, d.lat) for d in same_area]))
        outlet = to_km(np.array([(r.lon, r.lat)]))
        nearest = int(np.argmin(((depots - outlet) ** 2).sum(axis=1)))
        assert same_area[nearest].code == r.distributor_code
