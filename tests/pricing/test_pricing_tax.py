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
from backend.pricing.tax import document_tax, line_tax, tax_by_rate

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


def test_ppn_is_rounded_down_once_per_document_and_allocated_to_the_lines() -> None:
    # Three ordinary lines of Rp 1,009: each line's exact PPN is 1009 x 11/12 x 12% = 110.99.
    lines = [line_tax("ID_PPN", TaxClass.STANDARD, D("1009.00")) for _ in range(3)]
    # Per line (half-up to the cent) the document would show 3 x 110.99 = 332.97; rounded to the
    # rupiah per line 3 x 110 = 330 or 3 x 111 = 333 — the document's PPN is floor(332.97) = 332.
    assert sum((ln.tax for ln in lines), D(0)) == D("332.97")
    doc = document_tax("ID_PPN", lines)
    assert doc.tax == D("332.00")
    assert [ln.tax for ln in doc.lines] == [D("111.00"), D("111.00"), D("110.00")]
    assert doc.round_off == D("0.00")
    assert doc.total == D("3359.00")
    assert tax_by_rate(doc.lines) == {("PPN", D("0.12")): (D("2774.76"), D("332.00"))}


def test_ppn_groups_per_rate_and_gives_spare_rupiahs_to_the_largest_remainders() -> None:
    ordinary = line_tax("ID_PPN", TaxClass.STANDARD, D("1234.56"))  # exact 135.8016
    luxury = line_tax("ID_PPN", TaxClass.LUXURY, D("999.99"))  # exact 119.9988
    small = line_tax("ID_PPN", TaxClass.STANDARD, D("10.09"))  # exact 1.1099
    exempt = line_tax("ID_PPN", TaxClass.EXEMPT, D("50.00"))
    doc = document_tax("ID_PPN", [ordinary, luxury, small, exempt])
    # The 12%-of-11/12 and 12%-of-full bases share the rate, so one group: exact 256.9103 → 256;
    # floors 135 + 119 + 1 = 255, the spare rupiah goes to the luxury line (remainder .9988).
    assert [ln.tax for ln in doc.lines] == [D("135.00"), D("120.00"), D("1.00"), D("0.00")]
    assert doc.tax == D("256.00")
    summary = tax_by_rate(doc.lines)
    assert summary == {("PPN", D("0.12")): (D("2140.92"), D("256.00"))}


def test_ppn_of_round_prices_is_eleven_percent_without_base_rounding_noise() -> None:
    doc = document_tax("ID_PPN", [line_tax("ID_PPN", TaxClass.STANDARD, D("2000.00"))])
    assert doc.lines[0].components[0].base == D("1833.33")
    assert doc.tax == D("220.00")


def test_gst_stays_per_line_to_the_paisa_and_the_total_rounds_to_the_rupee() -> None:
    lines = [
        line_tax("IN_GST", TaxClass.GST_18, D("99.99"), intra_state=True),  # 9.00 + 9.00
        line_tax("IN_GST", TaxClass.GST_5, D("33.33"), intra_state=True),  # 0.83 + 0.83
    ]
    doc = document_tax("IN_GST", lines)
    assert doc.lines == tuple(lines)
    assert [c.amount for ln in doc.lines for c in ln.components] == [
        D("9.00"),
        D("9.00"),
        D("0.83"),
        D("0.83"),
    ]
    # 133.32 + 19.66 = 152.98 → 153: round-off +0.02 on the document.
    assert (doc.net, doc.tax, doc.round_off, doc.total) == (
        D("133.32"),
        D("19.66"),
        D("0.02"),
        D("153.00"),
    )
    inter = document_tax(
        "IN_GST", [line_tax("IN_GST", TaxClass.GST_18, D("10.40"), intra_state=False)]
    )
    # 10.40 + 1.87 = 12.27 → 12: round-off −0.27.
    assert (inter.round_off, inter.total) == (D("-0.27"), D("12.00"))
    with pytest.raises(ValidationFailed):
        document_tax("US_SALES", lines)


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
