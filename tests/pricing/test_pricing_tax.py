"""PPN and GST per line, exact to the cent, and the price a tier gets on a date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backend.catalog.models import TaxClass
from backend.kit.errors import ValidationFailed
from backend.ledger.errors import NumberTooLong
from backend.ledger.numbering import fiscal_label, fiscal_year, format_number
from backend.pricing.prices import PriceRow, pick_price
from backend.pricing.tax import line_tax, tax_by_rate

D = Decimal


def test_ppn_ordinary_goods_is_12_percent_of_eleven_twelfths() -> None:
    tax = line_tax("ID_PPN", TaxClass.STANDARD, D("1000000.00"))
    assert [(c.name, c.base, c.amount) for c in tax.components] == [
        ("PPN", D("916666.67"), D("110000.00"))
    ]
    assert tax.gross == D("1110000.00")


def test_ppn_rounds_the_base_then_the_tax_half_up() -> None:
    tax = line_tax("ID_PPN", TaxClass.STANDARD, D("12345.67"))
    assert tax.components[0].base == D("11316.86")
    assert tax.components[0].amount == D("1358.02")


def test_ppn_luxury_goods_pay_12_percent_of_the_full_price() -> None:
    tax = line_tax("ID_PPN", TaxClass.LUXURY, D("1000000.00"))
    assert tax.tax == D("120000.00")
    assert line_tax("ID_PPN", TaxClass.EXEMPT, D("500.00")).tax == D("0.00")


def test_gst_splits_inside_a_state_and_is_igst_across_states() -> None:
    intra = line_tax("IN_GST", TaxClass.GST_18, D("999.99"), intra_state=True)
    inter = line_tax("IN_GST", TaxClass.GST_18, D("999.99"), intra_state=False)
    assert [(c.name, c.amount) for c in intra.components] == [
        ("CGST", D("90.00")),
        ("SGST", D("90.00")),
    ]
    assert [(c.name, c.amount) for c in inter.components] == [("IGST", D("180.00"))]
    assert intra.rate_label == "CGST 9% + SGST 9%"


def test_gst_slab_of_40_percent_and_unknown_classes_are_refused() -> None:
    assert line_tax("IN_GST", TaxClass.GST_40, D("10.01"), intra_state=False).tax == D("4.00")
    with pytest.raises(ValidationFailed) as refused:
        line_tax("IN_GST", TaxClass.STANDARD, D("10.00"))
    assert refused.value.code == "TAX_CLASS"


def test_invoice_summary_sums_line_taxes_per_rate() -> None:
    lines = [
        line_tax("IN_GST", TaxClass.GST_5, D("33.33")),
        line_tax("IN_GST", TaxClass.GST_5, D("33.33")),
    ]
    summary = tax_by_rate(lines)
    assert summary[("CGST", D("0.025"))] == (D("66.66"), D("1.66"))


def test_tier_row_beats_all_tier_row_and_dates_are_half_open() -> None:
    rows = [
        PriceRow("*", date(2026, 1, 1), None, D("100"), D("110"), D("120")),
        PriceRow("GOLD", date(2026, 1, 1), date(2026, 6, 1), D("95"), D("110"), D("120")),
        PriceRow("GOLD", date(2026, 6, 1), None, D("97"), D("110"), D("120")),
    ]
    assert pick_price(rows, tier="GOLD", on=date(2026, 5, 31)).distributor_price == D("95")  # type: ignore[union-attr]
    assert pick_price(rows, tier="GOLD", on=date(2026, 6, 1)).distributor_price == D("97")  # type: ignore[union-attr]
    assert pick_price(rows, tier="SILVER", on=date(2026, 6, 1)).distributor_price == D("100")  # type: ignore[union-attr]
    assert pick_price(rows, tier="GOLD", on=date(2025, 12, 31)) is None


def test_numbers_follow_the_fiscal_year_and_stay_within_16_characters() -> None:
    assert fiscal_year(date(2027, 3, 31), 4) == 2026
    assert fiscal_label(2026, 4) == "2627"
    assert format_number("{series}/{fy}/{n:05d}", series="INV", fy="2627", n=42) == "INV/2627/00042"
    with pytest.raises(NumberTooLong):
        format_number("{series}/{fy}/{n:08d}", series="INVOICE", fy="2627", n=1)
