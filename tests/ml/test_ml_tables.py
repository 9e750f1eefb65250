"""Input format validation: errors name the file, row and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ml.tables import InputFormatError, load_tables, tables_hash, validate_tables

RETAILERS = (
    "retailer_id,channel,outlet_class,lat,lon,rep_id,extra\nR1,gt,A,-6.2,106.8,S1,x\nR2,,,,,,\n"
)
SALES = (
    "retailer_id,date,sku,quantity,value,note\n"
    "R1,2025-01-02,SKU1,2,1000,a\nR2,2025-01-03,SKU2,1,500,b\n"
)


def write(folder: Path, retailers: str = RETAILERS, sales: str = SALES, **extra: str) -> Path:
    (folder / "retailers.csv").write_text(retailers)
    (folder / "sales.csv").write_text(sales)
    for name, text in extra.items():
        (folder / f"{name}.csv").write_text(text)
    return folder


def load_error(folder: Path) -> InputFormatError:
    with pytest.raises(InputFormatError) as caught:
        load_tables(folder)
    return caught.value


def test_valid_folder_loads_and_ignores_unknown_columns(tmp_path: Path) -> None:
    tables = load_tables(write(tmp_path))
    assert list(tables.retailers.columns) == [
        "retailer_id",
        "channel",
        "outlet_class",
        "rep_id",
        "lat",
        "lon",
    ]
    assert list(tables.sales.columns) == ["retailer_id", "date", "sku", "quantity", "value"]
    assert tables.sales["value"].tolist() == [1000.0, 500.0]
    assert tables.retailers["channel"].isna().tolist() == [False, True]
    assert tables.visits is None and tables.offtake is None


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, sales="retailer_id,date,sku,value\nR1,2025-01-02,S,1\n"))
    assert (error.file, error.row, error.column) == ("sales.csv", None, "quantity")
    assert str(error) == "sales.csv, column 'quantity': required column missing"


def test_unparsable_date_names_row_and_column(tmp_path: Path) -> None:
    sales = SALES + "R1,2025-13-01,SKU1,1,10,c\n"
    error = load_error(write(tmp_path, sales=sales))
    assert (error.file, error.row, error.column) == ("sales.csv", 3, "date")
    assert "unparsable date '2025-13-01'" in str(error)


def test_negative_quantity_names_row_and_column(tmp_path: Path) -> None:
    sales = SALES.replace("R2,2025-01-03,SKU2,1,", "R2,2025-01-03,SKU2,-4,")
    error = load_error(write(tmp_path, sales=sales))
    assert str(error) == "sales.csv row 2, column 'quantity': negative quantity -4.0"


def test_non_numeric_value_is_refused(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, sales=SALES.replace(",1000,", ",lots,")))
    assert (error.row, error.column) == (1, "value")


def test_sale_for_unknown_retailer_is_refused(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, sales=SALES + "R9,2025-01-05,SKU1,1,10,z\n"))
    assert (error.file, error.row, error.column) == ("sales.csv", 3, "retailer_id")


def test_duplicate_retailer_is_refused(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, retailers=RETAILERS + "R1,gt,B,,,,\n"))
    assert (error.file, error.row, error.column) == ("retailers.csv", 3, "retailer_id")


def test_bad_productive_flag_in_visits(tmp_path: Path) -> None:
    visits = "retailer_id,date,rep_id,productive\nR1,2025-01-02,S1,yes\nR1,2025-01-09,S1,maybe\n"
    error = load_error(write(tmp_path, visits=visits))
    assert (error.file, error.row, error.column) == ("visits.csv", 2, "productive")


def test_missing_sales_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "retailers.csv").write_text(RETAILERS)
    error = load_error(tmp_path)
    assert error.file == "sales.csv" and "required file missing" in str(error)


def test_parquet_is_accepted_and_hash_ignores_row_order(tmp_path: Path) -> None:
    csv_tables = load_tables(write(tmp_path))
    parquet = tmp_path / "pq"
    parquet.mkdir()
    csv_tables.retailers.to_parquet(parquet / "retailers.parquet")
    csv_tables.sales.iloc[::-1].to_parquet(parquet / "sales.parquet")
    parquet_tables = load_tables(parquet)
    assert tables_hash(parquet_tables) == tables_hash(csv_tables)


def test_dataframes_from_another_source_are_validated() -> None:
    retailers = pd.DataFrame({"retailer_id": ["R1"]})
    sales = pd.DataFrame(
        {
            "retailer_id": ["R1"],
            "date": pd.to_datetime(["2025-02-01"]),
            "sku": ["S"],
            "quantity": [1.0],
            "value": [float("nan")],
        }
    )
    with pytest.raises(InputFormatError, match=r"sales.csv row 1, column 'value'"):
        validate_tables(retailers, sales)
