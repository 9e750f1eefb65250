"""Input tables: the documented plain format, loading and validation."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow

RETAILER_COLUMNS = (
    "retailer_id",
    "channel",
    "outlet_class",
    "lat",
    "lon",
    "distributor_id",
    "territory_id",
    "rep_id",
)
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "retailers": ("retailer_id",),
    "sales": ("retailer_id", "date", "sku", "quantity", "value"),
    "visits": ("retailer_id", "date", "rep_id", "productive"),
    "offtake": ("retailer_id", "date", "sku", "quantity"),
}
OPTIONAL_RETAILER_TEXT = ("channel", "outlet_class", "distributor_id", "territory_id", "rep_id")
REPEATED_IDS = ("retailer_id", "sku", "rep_id")
TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y"})
FALSE_WORDS = frozenset({"0", "false", "f", "no", "n"})


class InputFormatError(ValueError):
    """A table breaks the documented format; names the file, row and column."""

    def __init__(self, file: str, row: int | None, column: str | None, problem: str) -> None:
        self.file = file
        self.row = row
        self.column = column
        self.problem = problem
        where = file
        if row is not None:
            where += f" row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Tables:
    """The validated input tables; visits and offtake are optional."""

    retailers: pd.DataFrame
    sales: pd.DataFrame
    visits: pd.DataFrame | None = None
    offtake: pd.DataFrame | None = None

    def last_date(self) -> pd.Timestamp:
        """Return the last date seen in any dated table."""
        dates = [self.sales["date"].max()]
        for extra in (self.visits, self.offtake):
            if extra is not None and len(extra):
                dates.append(extra["date"].max())
        return pd.Timestamp(max(d for d in dates if pd.notna(d)))

    def first_date(self) -> pd.Timestamp:
        """Return the first sales date."""
        return pd.Timestamp(self.sales["date"].min())


def _read_table(folder: Path, name: str) -> tuple[pd.DataFrame, str] | None:
    """Read NAME.csv or NAME.parquet as text columns, or None when absent."""
    csv_path, parquet_path = folder / f"{name}.csv", folder / f"{name}.parquet"
    if csv_path.exists():
        # Ids repeat on every row: categories keep millions of rows small.
        dtypes = defaultdict(lambda: "str", {column: "category" for column in REPEATED_IDS})
        frame = pd.read_csv(csv_path, dtype=dtypes, keep_default_na=False, na_values=[])
        return frame, csv_path.name
    if parquet_path.exists():
        frame = pd.read_parquet(parquet_path)
        _release_arrow_memory()
        return frame, parquet_path.name
    return None


def load_tables(folder: str | Path) -> Tables:
    """Load and validate the tables in FOLDER (CSV or Parquet)."""
    path = Path(folder)
    if not path.is_dir():
        raise InputFormatError(str(path), None, None, "data folder does not exist")
    found: dict[str, tuple[pd.DataFrame, str]] = {}
    for name in REQUIRED_COLUMNS:
        table = _read_table(path, name)
        if table is not None:
            found[name] = table
    for name in ("retailers", "sales"):
        if name not in found:
            raise InputFormatError(f"{name}.csv", None, None, f"required file missing in {path}")
    tables = validate_tables(
        **{name: frame for name, (frame, _) in found.items()},
        file_names={name: file for name, (_, file) in found.items()},
    )
    found.clear()  # the raw frames: validation made clean copies
    _release_arrow_memory()
    return tables


def _release_arrow_memory() -> None:
    """Hand Arrow's freed buffers back to the system.

    Parquet decoding and pandas' Arrow-backed strings allocate from Arrow's pool, which keeps
    freed memory for reuse; left there it sits under every later step's peak (measured: about
    twice the raw tables).
    """
    pyarrow.default_memory_pool().release_unused()


def validate_tables(
    retailers: pd.DataFrame,
    sales: pd.DataFrame,
    visits: pd.DataFrame | None = None,
    offtake: pd.DataFrame | None = None,
    file_names: dict[str, str] | None = None,
) -> Tables:
    """Check and normalise raw frames (any dtypes) into Tables; rows count from 1."""
    names = {name: f"{name}.csv" for name in REQUIRED_COLUMNS} | (file_names or {})
    clean_retailers = _clean_retailers(retailers, names["retailers"])
    known = set(clean_retailers["retailer_id"])
    clean_sales = _clean_dated(sales, names["sales"], "sales", known)
    clean_visits = (
        None if visits is None else _clean_dated(visits, names["visits"], "visits", known)
    )
    clean_offtake = (
        None if offtake is None else _clean_dated(offtake, names["offtake"], "offtake", known)
    )
    if clean_sales.empty:
        raise InputFormatError(names["sales"], None, None, "no sales rows")
    return Tables(clean_retailers, clean_sales, clean_visits, clean_offtake)


def _require_columns(frame: pd.DataFrame, file: str, table: str) -> None:
    for column in REQUIRED_COLUMNS[table]:
        if column not in frame.columns:
            raise InputFormatError(file, None, column, "required column missing")


def _as_text(series: pd.Series) -> pd.Series:
    """Return the column as stripped strings with empty cells as missing."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return _categorical_text(series)
    text = series.astype("string").str.strip()
    return text.mask(text == "")


def _categorical_text(series: pd.Series) -> pd.Series:
    """Clean a categorical column through its few labels instead of its many rows."""
    labels = pd.Series(series.cat.categories.astype(str)).str.strip()
    label_codes, uniques = pd.factorize(labels.mask(labels == ""))
    codes = series.cat.codes.to_numpy()
    mapped = np.where(codes >= 0, label_codes[np.maximum(codes, 0)], -1)
    cleaned = pd.Categorical.from_codes(mapped, pd.Index(np.asarray(uniques, dtype=object)))
    return pd.Series(cleaned, index=series.index)


def _first_bad_row(bad: np.ndarray) -> int:
    return int(np.flatnonzero(bad)[0]) + 1


def _text_column(frame: pd.DataFrame, file: str, column: str) -> pd.Series:
    text = _as_text(frame[column])
    missing = text.isna().to_numpy()
    if missing.any():
        raise InputFormatError(file, _first_bad_row(missing), column, "empty value")
    return text


def _date_column(frame: pd.DataFrame, file: str) -> pd.Series:
    raw = frame["date"]
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = pd.to_datetime(raw).dt.tz_localize(None) if raw.dt.tz is not None else raw
    else:
        text = _as_text(raw)
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    bad = parsed.isna().to_numpy()
    if bad.any():
        row = _first_bad_row(bad)
        value = frame["date"].iloc[row - 1]
        raise InputFormatError(file, row, "date", f"unparsable date {value!r} (want YYYY-MM-DD)")
    return parsed.dt.normalize().astype("datetime64[ns]")


def _number_column(frame: pd.DataFrame, file: str, column: str, allow_empty: bool) -> pd.Series:
    raw = frame[column]
    text = raw if pd.api.types.is_numeric_dtype(raw) else _as_text(raw)
    numbers = pd.to_numeric(text, errors="coerce").astype(float)
    bad = (numbers.isna() & text.notna()).to_numpy()
    if not allow_empty:
        bad = bad | numbers.isna().to_numpy()
    if bad.any():
        row = _first_bad_row(bad)
        raise InputFormatError(file, row, column, f"not a number: {raw.iloc[row - 1]!r}")
    return numbers


def _non_negative(numbers: pd.Series, file: str, column: str) -> None:
    negative = (numbers < 0).to_numpy()
    if negative.any():
        row = _first_bad_row(negative)
        raise InputFormatError(file, row, column, f"negative {column} {numbers.iloc[row - 1]}")


def _clean_retailers(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    _require_columns(frame, file, "retailers")
    frame = frame.reset_index(drop=True)
    clean = pd.DataFrame({"retailer_id": _text_column(frame, file, "retailer_id").astype(str)})
    duplicated = clean["retailer_id"].duplicated().to_numpy()
    if duplicated.any():
        raise InputFormatError(file, _first_bad_row(duplicated), "retailer_id", "duplicate id")
    for column in OPTIONAL_RETAILER_TEXT:
        if column in frame.columns:
            clean[column] = _as_text(frame[column]).astype(object)
    for column in ("lat", "lon"):
        if column in frame.columns:
            clean[column] = _number_column(frame, file, column, allow_empty=True)
    return clean.sort_values("retailer_id", kind="stable").reset_index(drop=True)


def _productive_column(frame: pd.DataFrame, file: str) -> pd.Series:
    text = _as_text(frame["productive"]).str.lower()
    is_true, is_false = text.isin(TRUE_WORDS), text.isin(FALSE_WORDS)
    bad = ~(is_true.fillna(False) | is_false.fillna(False)).to_numpy(dtype=bool)
    if bad.any():
        row = _first_bad_row(bad)
        problem = f"not a yes/no value: {frame['productive'].iloc[row - 1]!r}"
        raise InputFormatError(file, row, "productive", problem)
    return is_true.fillna(False).astype(bool)


def _clean_dated(frame: pd.DataFrame, file: str, table: str, known: set[str]) -> pd.DataFrame:
    _require_columns(frame, file, table)
    frame = frame.reset_index(drop=True)
    clean = pd.DataFrame({"retailer_id": _text_column(frame, file, "retailer_id")})
    unknown = ~clean["retailer_id"].isin(known).to_numpy()
    if unknown.any():
        row = _first_bad_row(unknown)
        problem = f"retailer {clean['retailer_id'].iloc[row - 1]!r} is not in retailers"
        raise InputFormatError(file, row, "retailer_id", problem)
    clean["date"] = _date_column(frame, file)
    if "sku" in REQUIRED_COLUMNS[table]:
        clean["sku"] = _text_column(frame, file, "sku")
    for column in ("quantity", "value"):
        if column in REQUIRED_COLUMNS[table]:
            clean[column] = _number_column(frame, file, column, allow_empty=False)
            _non_negative(clean[column], file, column)
    if table == "visits":
        clean["rep_id"] = _as_text(frame["rep_id"])
        clean["productive"] = _productive_column(frame, file)
    return clean


def tables_hash(tables: Tables) -> str:
    """Return a SHA-256 of the tables' content, independent of row order."""
    digest = hashlib.sha256()
    for name in ("retailers", "sales", "visits", "offtake"):
        frame = getattr(tables, name)
        digest.update(name.encode())
        if frame is None:
            continue
        ordered = frame[sorted(frame.columns)]
        row_hashes = np.sort(pd.util.hash_pandas_object(ordered, index=False).to_numpy())
        digest.update(row_hashes.tobytes())
    return digest.hexdigest()
