"""Build the demo tenant's master data: a deterministic, database-free Jakarta world."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from backend.demo import geography as geo
from backend.demo import names, outlets
from backend.demo.catalog import DISTRIBUTOR_MARGIN, build_products, catalogue_size
from backend.demo.hours import opening_hours
from backend.demo.layout import CityLayout, Region, allocate, depot_sites, plan_city
from backend.demo.places import AREA_NIK_PREFIX, AREAS, KECAMATAN, Kecamatan
from backend.demo.records import (
    Channel,
    DemoDistributor,
    DemoManager,
    DemoProduct,
    DemoRep,
    DemoRetailer,
    DemoTenant,
    DemoTerritory,
    DemoUser,
    DemoWorld,
    DistributorTier,
    OutletClass,
)

__all__ = [
    "DemoDistributor",
    "DemoManager",
    "DemoProduct",
    "DemoRep",
    "DemoRetailer",
    "DemoTenant",
    "DemoTerritory",
    "DemoUser",
    "DemoWorld",
    "build_world",
    "world_summary",
]

LONLAT_GRID = 1e-8  # degrees, about 1 mm: polygon vertices are snapped to it
# A coarse envelope of Indonesia; the demo needs a country node, not its coastline.
INDONESIA_ENVELOPE = "POLYGON ((95 -11, 141.1 -11, 141.1 6.1, 95 6.1, 95 -11))"
CREDIT_DAYS: dict[DistributorTier, int] = {"PLATINUM": 30, "GOLD": 21, "SILVER": 14}
RETAILER_MARGIN = Decimal("0.12")


def build_world(
    seed: int = 7,
    *,
    retailers: int = 4000,
    distributors: int = 8,
    reps: int = 40,
    products: int = 150,
) -> DemoWorld:
    """Build the whole demo world; the same arguments always give the same world."""
    _check_sizes(retailers=retailers, distributors=distributors, reps=reps, products=products)
    rng = np.random.default_rng(seed)
    layout = plan_city(rng, retailers, reps)
    lonlat = np.round(geo.to_lonlat(layout.points), geo.COORD_DECIMALS)
    territories = _territories(layout)
    depots, served_by = _depots(rng, layout, geo.to_km(lonlat), distributors)
    retailer_records = _retailers(rng, layout, lonlat, served_by)
    return DemoWorld(
        tenant=DemoTenant(),
        territories=territories,
        distributors=_distributors(rng, depots, retailer_records),
        retailers=retailer_records,
        products=build_products(products),
        reps=_reps(rng, layout),
        managers=_managers(rng),
        admin=DemoUser(code="ADM-01", name="Admin Kantor Pusat", username="admin"),
    )


def _check_sizes(*, retailers: int, distributors: int, reps: int, products: int) -> None:
    """Refuse sizes the generator cannot honour before doing any work."""
    areas = len(AREAS)
    if reps < areas or distributors < areas:
        raise ValueError(f"need at least {areas} reps and {areas} distributors (one per area)")
    if retailers < 2 * (reps + distributors):
        raise ValueError("need at least two retailers per territory and per distributor")
    if not 0 < products <= catalogue_size():
        raise ValueError(f"products must be between 1 and {catalogue_size()}")


def _territories(layout: CityLayout) -> tuple[DemoTerritory, ...]:
    """Return country, region, areas and territories, parents first; areas are unions."""
    leaves = [
        (plan, shapely.set_precision(geo.geometry_to_lonlat(plan.region), LONLAT_GRID))
        for plan in layout.territories
    ]
    area_shapes = {
        code: shapely.union_all(
            [g for p, g in leaves if p.area_code == code], grid_size=LONLAT_GRID
        )
        for code, _ in AREAS
    }
    region = shapely.union_all(list(area_shapes.values()), grid_size=LONLAT_GRID)
    rows = [
        DemoTerritory("CT-ID", "Indonesia", "COUNTRY", None, INDONESIA_ENVELOPE),
        DemoTerritory("RG-JK", "DKI Jakarta", "REGION", "CT-ID", _lonlat_wkt(region)),
    ]
    rows += [
        DemoTerritory(f"AR-{code}", name, "AREA", "RG-JK", _lonlat_wkt(area_shapes[code]))
        for code, name in AREAS
    ]
    rows += [
        DemoTerritory(p.code, p.name, "TERRITORY", f"AR-{p.area_code}", _lonlat_wkt(g))
        for p, g in leaves
    ]
    return tuple(rows)


def _lonlat_wkt(shape: BaseGeometry) -> str:
    return shapely.to_wkt(geo.polygonal_part(shape), trim=True, rounding_precision=-1)


def _depots(
    rng: np.random.Generator, layout: CityLayout, points: np.ndarray, count: int
) -> tuple[list[tuple[str, np.ndarray]], list[int]]:
    """Site warehouses per area; each outlet is served by the nearest one of its area.

    Distances use the published (rounded) coordinates, so anyone can check the choice.
    """
    counts = Counter(layout.area_codes)
    sites: list[tuple[str, np.ndarray]] = []
    served_by = [-1] * len(layout.area_codes)
    for code, k in allocate({c: counts[c] for c, _ in AREAS}, count).items():
        members = [i for i, a in enumerate(layout.area_codes) if a == code]
        centres = depot_sites(rng, points[members], layout.areas[code], k)
        first = len(sites)
        sites += [(code, c) for c in centres]
        d2 = ((points[members, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        for i, nearest in zip(members, np.argmin(d2, axis=1), strict=True):
            served_by[i] = first + int(nearest)
    return sites, served_by


@dataclass(frozen=True)
class _OutletDraft:
    """What is settled about an outlet before it gets a name, an owner and hours."""

    code: str
    index: int
    lon: float
    lat: float
    channel: Channel
    outlet_class: OutletClass
    weekly_value: Decimal
    depot: int


def _retailers(
    rng: np.random.Generator, layout: CityLayout, lonlat: np.ndarray, served_by: list[int]
) -> tuple[DemoRetailer, ...]:
    """Give every outlet its channel, value, class, identity and hours; code them by territory."""
    channels = outlets.assign_channels(rng, layout.kecamatan)
    values = outlets.weekly_values(rng, channels)
    classes = outlets.assign_classes(values)
    order = sorted(
        range(len(channels)), key=lambda i: (int(layout.territory[i]), float(lonlat[i, 0]), i)
    )
    namer = names.OutletNamer()
    drafts = (
        _OutletDraft(
            f"RT-{number:06d}",
            i,
            float(lonlat[i, 0]),
            float(lonlat[i, 1]),
            channels[i],
            classes[i],
            Decimal(int(values[i])),
            served_by[i],
        )
        for number, i in enumerate(order, start=1)
    )
    return tuple(_retailer(rng, namer, layout, draft) for draft in drafts)


def _retailer(
    rng: np.random.Generator, namer: names.OutletNamer, layout: CityLayout, draft: _OutletDraft
) -> DemoRetailer:
    kecamatan = KECAMATAN[int(layout.kecamatan[draft.index])]
    owner = names.person(rng)
    name, owner_name = namer.name(rng, draft.channel, owner, kecamatan.name)
    return DemoRetailer(
        code=draft.code,
        name=name,
        owner_name=owner_name,
        address=_street_address(rng, kecamatan, small_lane=draft.channel == "GT"),
        channel=draft.channel,
        outlet_class=draft.outlet_class,
        lat=draft.lat,
        lon=draft.lon,
        opening_hours=opening_hours(rng, draft.channel),
        distributor_code=f"DB-{draft.depot + 1:02d}",
        territory_code=layout.territories[int(layout.territory[draft.index])].code,
        tax_id=_retailer_tax_id(rng, draft.channel, draft.outlet_class, kecamatan.area, owner),
        phone=_retailer_phone(rng, draft.channel),
        weekly_value=draft.weekly_value,
        order_interval_days=outlets.order_interval_days(rng, draft.outlet_class),
        kecamatan=kecamatan.name,
    )


def _street_address(rng: np.random.Generator, kecamatan: Kecamatan, *, small_lane: bool) -> str:
    """Write an address on a real street of the kecamatan, in the Indonesian order."""
    street = names.pick(rng, kecamatan.streets)
    number = int(rng.integers(1, 180))
    area_name = dict(AREAS)[kecamatan.area]
    tail = f"{kecamatan.name}, {area_name} {kecamatan.postal_code}"
    if small_lane and rng.random() < 0.5:
        rt, rw = int(rng.integers(1, 16)), int(rng.integers(1, 12))
        lane = int(rng.integers(1, 12))
        return f"{street} Gg. {lane} No. {number}, RT {rt:03d}/RW {rw:03d}, {tail}"
    return f"{street} No. {number}, {tail}"


def _retailer_tax_id(
    rng: np.random.Generator,
    channel: Channel,
    outlet_class: OutletClass,
    area: str,
    owner: names.Person,
) -> str | None:
    """Chains always have a company NPWP; traders often, warungs seldom, a personal one."""
    if channel == "MT":
        return names.company_npwp(rng, area)
    chance = {"WHOLESALE": 0.85, "HORECA": 0.5}.get(channel, 0.3 if outlet_class == "A" else 0.05)
    if rng.random() < chance:
        return names.personal_npwp(rng, AREA_NIK_PREFIX[area], owner)
    return None


def _retailer_phone(rng: np.random.Generator, channel: Channel) -> str:
    if channel == "MT" or (channel == "WHOLESALE" and rng.random() < 0.5):
        return names.jakarta_landline(rng)
    return names.mobile_phone(rng)


def _distributors(
    rng: np.random.Generator,
    depots: list[tuple[str, np.ndarray]],
    retailers: tuple[DemoRetailer, ...],
) -> tuple[DemoDistributor, ...]:
    """Turn warehouse sites into distributors; the biggest by served value get the best tier."""
    weekly = [Decimal(0)] * len(depots)
    for r in retailers:
        weekly[int(r.distributor_code[3:]) - 1] += r.weekly_value
    ranked = sorted(range(len(depots)), key=lambda i: (-weekly[i], i))
    tiers: dict[int, DistributorTier] = {}
    for rank, i in enumerate(ranked):
        share = rank / len(depots)
        tiers[i] = "PLATINUM" if share < 0.25 else "GOLD" if share < 0.625 else "SILVER"
    return tuple(
        _distributor(rng, i, area, site, tiers[i], weekly[i])
        for i, (area, site) in enumerate(depots)
    )


def _distributor(
    rng: np.random.Generator,
    index: int,
    area: str,
    site: np.ndarray,
    tier: DistributorTier,
    weekly_sell_out: Decimal,
) -> DemoDistributor:
    lon, lat = np.round(geo.to_lonlat(site[None, :])[0], geo.COORD_DECIMALS)
    kecamatan = KECAMATAN[int(np.argmin(((geo.kecamatan_centres_km() - site) ** 2).sum(axis=1)))]
    days = CREDIT_DAYS[tier]
    # The distributor buys at distributor price what retailers buy at retailer price; the
    # limit covers its credit days of purchases with a quarter of headroom.
    weekly_purchase = weekly_sell_out * (1 - RETAILER_MARGIN) * (1 - DISTRIBUTOR_MARGIN)
    limit = weekly_purchase * days / 7 * Decimal("1.25")
    step = Decimal(50_000_000)
    code = f"DB-{index + 1:02d}"
    return DemoDistributor(
        code=code,
        name=names.distributor_name(index),
        tier=tier,
        territory_code=f"AR-{area}",
        address=_street_address(rng, kecamatan, small_lane=False),
        lat=float(lat),
        lon=float(lon),
        credit_limit=(limit / step).to_integral_value(rounding=ROUND_CEILING) * step,
        credit_days=days,
        tax_id=names.company_npwp(rng, area),
        phone=names.jakarta_landline(rng),
        username=f"distributor.{code.lower().replace('-', '')}",
    )


def _reps(rng: np.random.Generator, layout: CityLayout) -> tuple[DemoRep, ...]:
    """Give each territory one rep living near its middle."""
    taken = {"admin"}
    reps = []
    for number, plan in enumerate(layout.territories, start=1):
        person = names.person(rng)
        home = _home_base(rng, plan.region)
        lon, lat = np.round(geo.to_lonlat(home[None, :])[0], geo.COORD_DECIMALS)
        username = names.unique_username(_login(person.full_name), taken)
        reps.append(
            DemoRep(
                f"RP-{number:02d}", person.full_name, username, plan.code, float(lat), float(lon)
            )
        )
    return tuple(reps)


def _home_base(rng: np.random.Generator, region: Region) -> np.ndarray:
    """Pick a point within about a kilometre of the territory's middle, inside it."""
    middle = region.centroid
    centre = np.array([middle.x, middle.y])
    for _ in range(200):
        candidate = centre + rng.normal(size=2) * 0.6
        if geo.well_inside(region, candidate[None, :])[0]:
            return candidate
    return geo.move_inside(rng, centre, region)


def _managers(rng: np.random.Generator) -> tuple[DemoManager, ...]:
    taken = {"admin"}
    managers = []
    for code, _ in AREAS:
        person = names.person(rng)
        username = names.unique_username("asm." + _login(person.full_name), taken)
        managers.append(DemoManager(f"MG-{code}", person.full_name, username, f"AR-{code}"))
    return tuple(managers)


def _login(full_name: str) -> str:
    return ".".join(full_name.lower().split())


def world_summary(world: DemoWorld) -> dict[str, Any]:
    """Summarise a world: counts by channel, class and area, and how value concentrates."""
    retailers = world.retailers
    values = np.array([float(r.weekly_value) for r in retailers])
    area_of = {t.code: t.parent_code for t in world.territories if t.level == "TERRITORY"}
    class_a = [r for r in retailers if r.outlet_class == "A"]
    per_distributor = Counter(r.distributor_code for r in retailers)
    per_territory = Counter(r.territory_code for r in retailers)
    return {
        "retailers": len(retailers),
        "distributors": len(world.distributors),
        "products": len(world.products),
        "reps": len(world.reps),
        "managers": len(world.managers),
        "territories_by_level": dict(Counter(t.level for t in world.territories)),
        "retailers_by_channel": dict(sorted(Counter(r.channel for r in retailers).items())),
        "retailers_by_class": dict(sorted(Counter(r.outlet_class for r in retailers).items())),
        "retailers_by_area": dict(
            sorted(Counter(area_of[r.territory_code] for r in retailers).items())
        ),
        "top20_value_share": round(outlets.top_share(values, 0.2), 4),
        "class_a_share": round(len(class_a) / len(retailers), 4),
        "class_a_value_share": round(
            sum(float(r.weekly_value) for r in class_a) / float(values.sum()), 4
        ),
        "retailers_per_distributor": (min(per_distributor.values()), max(per_distributor.values())),
        "retailers_per_territory": (min(per_territory.values()), max(per_territory.values())),
        "must_sell_skus": sum(p.must_sell for p in world.products),
        "luxury_skus": sum(p.tax_class == "LUXURY" for p in world.products),
    }
