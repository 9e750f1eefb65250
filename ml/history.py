"""Tables turned into compact integer arrays, built once and sliced per cutoff."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ml.tables import Tables

DAY_EPOCH = np.datetime64("1970-01-01", "D")
EARTH_RADIUS_KM = 6371.0


def day_number(date: pd.Timestamp | str) -> int:
    """Return the day number (days since 1970-01-01) of DATE."""
    return int((np.datetime64(pd.Timestamp(date).date(), "D") - DAY_EPOCH).astype(int))


def day_to_date(day: int) -> pd.Timestamp:
    """Return the date of day number DAY."""
    return pd.Timestamp(DAY_EPOCH + np.timedelta64(day, "D"))


def _days(dates: pd.Series) -> np.ndarray:
    """Day numbers as int32 (4 bytes a row: these arrays are the size of the sales table)."""
    return dates.to_numpy(dtype="datetime64[D]").view(np.int64).astype(np.int32)


@dataclass(frozen=True)
class DailySales:
    """Sales summed per retailer and day, sorted by retailer then day."""

    retailer: np.ndarray
    day: np.ndarray
    value: np.ndarray
    quantity: np.ndarray


@dataclass(frozen=True)
class SaleLines:
    """Distinct (retailer, sku, day) purchases sorted by retailer, sku, day: basket breadth."""

    retailer: np.ndarray
    day: np.ndarray
    pair: np.ndarray  # one number per (retailer, sku); equal pairs are adjacent


@dataclass(frozen=True)
class VisitEvents:
    """Visits as arrays, sorted by retailer then day."""

    retailer: np.ndarray
    day: np.ndarray
    productive: np.ndarray


@dataclass(frozen=True)
class OfftakeEvents:
    """Offtake quantities as arrays."""

    retailer: np.ndarray
    day: np.ndarray
    quantity: np.ndarray


@dataclass
class History:
    """Everything features need, indexed by retailer position in `retailer_ids`."""

    retailers: pd.DataFrame
    retailer_ids: np.ndarray
    daily: DailySales
    lines: SaleLines
    first_order_day: np.ndarray
    first_day: int
    last_day: int
    visits: VisitEvents | None = None
    offtake: OfftakeEvents | None = None
    _density: dict[float, np.ndarray] = field(default_factory=dict)

    @property
    def n_retailers(self) -> int:
        """Return the number of retailers."""
        return len(self.retailer_ids)

    @property
    def has_location(self) -> bool:
        """Return whether retailers carry coordinates."""
        columns = self.retailers.columns
        if "lat" not in columns or "lon" not in columns:
            return False
        return bool((self.retailers["lat"].notna() & self.retailers["lon"].notna()).any())

    def density(self, radius_km: float) -> np.ndarray:
        """Return how many other outlets lie within RADIUS_KM of each outlet."""
        if radius_km not in self._density:
            self._density[radius_km] = _count_neighbours(self.retailers, radius_km)
        return self._density[radius_km]


def _count_neighbours(retailers: pd.DataFrame, radius_km: float) -> np.ndarray:
    """Count outlets within a great-circle radius, via chord distance on the sphere."""
    from scipy.spatial import cKDTree

    located = (retailers["lat"].notna() & retailers["lon"].notna()).to_numpy()
    lat, lon = (np.radians(retailers.loc[located, c].to_numpy(float)) for c in ("lat", "lon"))
    points = (
        EARTH_RADIUS_KM * np.c_[np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]
    )
    chord = 2 * EARTH_RADIUS_KM * np.sin(radius_km / (2 * EARTH_RADIUS_KM))
    counts = np.full(len(retailers), np.nan)
    if len(points):
        found = cKDTree(points).query_ball_point(points, r=chord, return_length=True)
        counts[located] = np.asarray(found, dtype=float) - 1
    return counts


def _positions(ids: pd.Series, retailer_ids: np.ndarray) -> np.ndarray:
    """Map ids to int32 positions in RETAILER_IDS, matching each distinct id only once."""
    if isinstance(ids.dtype, pd.CategoricalDtype):
        codes, uniques = ids.cat.codes.to_numpy(), ids.cat.categories
    else:
        codes, uniques = pd.factorize(ids)
    return pd.Index(retailer_ids).get_indexer(uniques).astype(np.int32)[codes]


def _codes(values: pd.Series) -> np.ndarray:
    """Small integer codes of a column (a categorical's own codes: no 8-byte copy)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy()
    return pd.factorize(values)[0]


def _daily_sales(
    retailer: np.ndarray, day: np.ndarray, value: np.ndarray, quantity: np.ndarray
) -> DailySales:
    """Sum lines per (retailer, day) with one sort of a combined key (no pandas groupby copy)."""
    first = int(day.min())
    key = retailer.astype(np.int64)
    key <<= 20  # days fit 20 bits (2,800 years)
    key += day
    key -= first
    order = np.argsort(key, kind="stable")
    key.sort()  # equal to key[order], without a second array
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    summed_value = np.add.reduceat(value[order], starts)
    summed_quantity = np.add.reduceat(quantity[order], starts)
    del order
    retailer_of, offset = np.divmod(key[starts], 1 << 20)
    return DailySales(
        retailer_of.astype(np.int32),
        (offset + first).astype(np.int32),
        summed_value,
        summed_quantity,
    )


def _sale_lines(retailer: np.ndarray, day: np.ndarray, sku: np.ndarray) -> SaleLines:
    n_skus = int(sku.max()) + 1 if len(sku) else 1
    first = int(day.min())
    key = retailer.astype(np.int64)  # becomes pair * 2**20 + day offset, built in place
    key *= n_skus
    key += sku
    key <<= 20  # days fit 20 bits (2,800 years)
    key += day
    key -= first
    key.sort()
    distinct = np.empty(len(key), dtype=bool)
    distinct[:1] = True
    np.not_equal(key[1:], key[:-1], out=distinct[1:])
    key = key[distinct]
    del distinct
    pair = key >> 20
    key &= (1 << 20) - 1  # the day offset, in place
    key += first
    day_of = key.astype(np.int32)
    del key
    return SaleLines((pair // n_skus).astype(np.int32), day_of, pair)


def build_history(tables: Tables) -> History:
    """Index TABLES by retailer position and day number for fast per-cutoff slicing."""
    retailer_ids = tables.retailers["retailer_id"].to_numpy(dtype=object)
    sales = tables.sales
    sale_retailer = _positions(sales["retailer_id"], retailer_ids)
    sale_day = _days(sales["date"])
    daily = _daily_sales(
        sale_retailer, sale_day, sales["value"].to_numpy(float), sales["quantity"].to_numpy(float)
    )
    lines = _sale_lines(sale_retailer, sale_day, _codes(sales["sku"]))
    del sale_retailer, sale_day
    first_order = np.full(len(retailer_ids), np.iinfo(np.int64).max)
    np.minimum.at(first_order, daily.retailer, daily.day)
    history = History(
        retailers=tables.retailers,
        retailer_ids=retailer_ids,
        daily=daily,
        lines=lines,
        first_order_day=first_order,
        first_day=int(daily.day.min()),
        last_day=day_number(tables.last_date()),
    )
    if tables.visits is not None:
        visits = tables.visits
        retailer, day = _positions(visits["retailer_id"], retailer_ids), _days(visits["date"])
        order = np.lexsort((day, retailer))
        history.visits = VisitEvents(
            retailer[order], day[order], visits["productive"].to_numpy(bool)[order]
        )
    if tables.offtake is not None:
        offtake = tables.offtake
        history.offtake = OfftakeEvents(
            _positions(offtake["retailer_id"], retailer_ids),
            _days(offtake["date"]),
            offtake["quantity"].to_numpy(float),
        )
    return history
