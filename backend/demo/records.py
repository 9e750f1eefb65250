"""Plain, immutable records of the demo tenant's master data (no database types)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

TerritoryLevel = Literal["COUNTRY", "REGION", "AREA", "TERRITORY"]
DistributorTier = Literal["PLATINUM", "GOLD", "SILVER"]
Channel = Literal["GT", "MT", "HORECA", "WHOLESALE"]
OutletClass = Literal["A", "B", "C"]
TaxClass = Literal["STANDARD", "LUXURY"]
# Weekday 0=Monday..6=Sunday -> ordered ("HH:MM", "HH:MM") windows; an empty tuple means closed.
OpeningHours = dict[int, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class DemoTenant:
    """The brand company that owns every other demo record."""

    code: str = "jkt-demo"
    name: str = "PT Nusantara Pangan Sejahtera Tbk"
    country: str = "ID"
    currency: str = "IDR"
    timezone: str = "Asia/Jakarta"
    tax_regime: str = "ID_PPN"


@dataclass(frozen=True)
class DemoTerritory:
    """A node of the sales hierarchy with its boundary as WKT in lon/lat (EPSG:4326)."""

    code: str
    name: str
    level: TerritoryLevel
    parent_code: str | None
    boundary_wkt: str


@dataclass(frozen=True)
class DemoDistributor:
    """A stockist serving the retailers of one area from its warehouse."""

    code: str
    name: str
    tier: DistributorTier
    territory_code: str
    address: str
    lat: float
    lon: float
    credit_limit: Decimal
    credit_days: int
    tax_id: str
    phone: str
    username: str


@dataclass(frozen=True)
class DemoRetailer:
    """An outlet with its location, trading hours and latent buying behaviour."""

    code: str
    name: str
    owner_name: str
    address: str
    channel: Channel
    outlet_class: OutletClass
    lat: float
    lon: float
    # A dict cannot be hashed; leaving it out of the hash keeps records usable in sets.
    opening_hours: OpeningHours = field(hash=False)
    distributor_code: str
    territory_code: str
    tax_id: str | None
    phone: str
    weekly_value: Decimal
    order_interval_days: int
    kecamatan: str


@dataclass(frozen=True)
class DemoProduct:
    """A sellable SKU with its three price points in IDR."""

    sku: str
    name: str
    brand: str
    category: str
    case_size: int
    tax_class: TaxClass
    must_sell: bool
    distributor_price: Decimal
    retailer_price: Decimal
    mrp: Decimal
    unit: str = "PCS"


@dataclass(frozen=True)
class DemoRep:
    """A field sales rep who owns one territory and starts the day from home."""

    code: str
    name: str
    username: str
    territory_code: str
    start_lat: float
    start_lon: float
    shift_start: str = "08:30"
    shift_end: str = "17:30"
    break_start: str = "12:00"
    break_minutes: int = 45
    max_visits: int = 35


@dataclass(frozen=True)
class DemoManager:
    """An area sales manager who owns one AREA subtree."""

    code: str
    name: str
    username: str
    territory_code: str


@dataclass(frozen=True)
class DemoUser:
    """A brand HQ user (the admin)."""

    code: str
    name: str
    username: str


@dataclass(frozen=True)
class DemoWorld:
    """The complete master data of the demo tenant; territories list parents first."""

    tenant: DemoTenant
    territories: tuple[DemoTerritory, ...]
    distributors: tuple[DemoDistributor, ...]
    retailers: tuple[DemoRetailer, ...]
    products: tuple[DemoProduct, ...]
    reps: tuple[DemoRep, ...]
    managers: tuple[DemoManager, ...]
    admin: DemoUser
