"""Taxes per tenant regime, as pure functions over exact decimals.

Indonesia (ID_PPN): PPN 12% on a base (DPP) of 11/12 of the price for ordinary goods, on the full
price for luxury goods. India (IN_GST): GST slabs split into CGST + SGST inside a state, IGST
across states. Each line is rounded half-up to the cent; an invoice's tax per rate is the sum of
its lines' taxes, so the lines shown always add up to the invoice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from backend.catalog.models import TaxClass
from backend.kit.errors import ValidationFailed

CENT = Decimal("0.01")
PPN_RATE = Decimal("0.12")
PPN_ORDINARY_BASE = Decimal(11) / Decimal(12)
GST_SLABS = {
    TaxClass.GST_5: Decimal("0.05"),
    TaxClass.GST_18: Decimal("0.18"),
    TaxClass.GST_40: Decimal("0.40"),
}


def to_cents(value: Decimal) -> Decimal:
    """Round half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TaxComponent:
    """One tax on one line: its name (PPN, CGST, SGST, IGST), rate, taxable base and amount."""

    name: str
    rate: Decimal
    base: Decimal
    amount: Decimal


@dataclass(frozen=True)
class LineTax:
    """The taxes of one line's net amount."""

    net: Decimal
    components: tuple[TaxComponent, ...]

    @property
    def tax(self) -> Decimal:
        """Total tax of the line."""
        return sum((c.amount for c in self.components), Decimal("0.00"))

    @property
    def gross(self) -> Decimal:
        """Net plus tax."""
        return self.net + self.tax

    @property
    def rate_label(self) -> str:
        """The rates as one label, e.g. 'PPN 12%' or 'CGST 9% + SGST 9%'."""
        return (
            " + ".join(f"{c.name} {(c.rate * 100).normalize():f}%" for c in self.components)
            or "EXEMPT"
        )


def _component(name: str, rate: Decimal, base: Decimal) -> TaxComponent:
    base = to_cents(base)
    return TaxComponent(name=name, rate=rate, base=base, amount=to_cents(base * rate))


def ppn_line(tax_class: TaxClass, net: Decimal) -> LineTax:
    """PPN of a line under Indonesian rules."""
    if tax_class is TaxClass.EXEMPT:
        return LineTax(net=net, components=())
    if tax_class is TaxClass.STANDARD:
        return LineTax(net=net, components=(_component("PPN", PPN_RATE, net * PPN_ORDINARY_BASE),))
    if tax_class is TaxClass.LUXURY:
        return LineTax(net=net, components=(_component("PPN", PPN_RATE, net),))
    raise ValidationFailed(
        f"tax class {tax_class.value} does not exist under PPN", code="TAX_CLASS"
    )


def gst_line(tax_class: TaxClass, net: Decimal, *, intra_state: bool) -> LineTax:
    """GST of a line under Indian rules: CGST + SGST inside a state, IGST across states."""
    if tax_class is TaxClass.EXEMPT:
        return LineTax(net=net, components=())
    rate = GST_SLABS.get(tax_class)
    if rate is None:
        raise ValidationFailed(f"tax class {tax_class.value} has no GST slab", code="TAX_CLASS")
    if not intra_state:
        return LineTax(net=net, components=(_component("IGST", rate, net),))
    half = rate / 2
    return LineTax(
        net=net, components=(_component("CGST", half, net), _component("SGST", half, net))
    )


def line_tax(
    regime: str, tax_class: TaxClass, net: Decimal, *, intra_state: bool = True
) -> LineTax:
    """The taxes of a line's net amount under the tenant's regime."""
    net = to_cents(net)
    if regime == "ID_PPN":
        return ppn_line(tax_class, net)
    if regime == "IN_GST":
        return gst_line(tax_class, net, intra_state=intra_state)
    raise ValidationFailed(f"unknown tax regime {regime}", code="TAX_REGIME")


def tax_by_rate(lines: Iterable[LineTax]) -> dict[tuple[str, Decimal], tuple[Decimal, Decimal]]:
    """Invoice tax summary: (name, rate) → (taxable base, tax), summed over the lines."""
    summary: dict[tuple[str, Decimal], tuple[Decimal, Decimal]] = {}
    for line in lines:
        for c in line.components:
            base, amount = summary.get((c.name, c.rate), (Decimal("0.00"), Decimal("0.00")))
            summary[(c.name, c.rate)] = (base + c.base, amount + c.amount)
    return summary
