"""Taxes per tenant regime, as pure functions over exact decimals.

Indonesia (ID_PPN): PPN 12% on a base (DPP) of 11/12 of the price for ordinary goods, on the full
price for luxury goods. India (IN_GST): GST slabs split into CGST + SGST inside a state, IGST
across states. Each line's base and tax are first computed to the cent (half-up); then
`document_tax` applies the regime's invoice-level rule to every document (primary invoices,
credit and debit notes, secondary invoices and credit notes go through it):

- ID_PPN (e-Faktur practice; PER-29/PJ/2015 Lampiran II and SE-22/PJ.24/1990: "PPN dihitung dalam
  satuan rupiah penuh, dibulatkan ke bawah"): per PPN rate, the document's PPN is the sum of its
  lines' unrounded bases (DPP, or DPP nilai lain = 11/12 of the price) times the rate, rounded
  down once to the whole rupiah (amounts keep the codebase's two decimals, as .00). The
  tax shown on each line is an allocation of that figure (largest remainder), so the lines add up
  to the document exactly.
- IN_GST (CGST Rules 46: tax per item per component; Section 170 CGST Act: amounts rounded to the
  nearest rupee): each line's CGST/SGST/IGST stays rounded to the paisa; the document's total is
  rounded half-up to the rupee and the difference is an explicit round-off amount.

The tax summary per rate (`tax_by_rate`) is always the sum of the lines as shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from backend.catalog.models import TaxClass
from backend.kit.errors import ValidationFailed

CENT = Decimal("0.01")
WHOLE = Decimal(1)
EXACT = Decimal("1e-10")
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
    """One tax on one line: its name (PPN, CGST, SGST, IGST), rate, taxable base and amount;
    `exact` is the unrounded base times the rate (what document-level rounding sums)."""

    name: str
    rate: Decimal
    base: Decimal
    amount: Decimal
    exact: Decimal | None = None


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
    # The exact figure is kept to 1e-10, which removes the last-digit noise of 11/12 in Decimal.
    exact = (base * rate).quantize(EXACT, rounding=ROUND_HALF_UP)
    base = to_cents(base)
    return TaxComponent(name=name, rate=rate, base=base, amount=to_cents(base * rate), exact=exact)


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


@dataclass(frozen=True)
class DocumentTax:
    """A document's lines with their taxes as shown, and its round-off (GST; zero otherwise)."""

    lines: tuple[LineTax, ...]
    round_off: Decimal

    @property
    def net(self) -> Decimal:
        """Sum of the lines' net amounts."""
        return sum((line.net for line in self.lines), Decimal("0.00"))

    @property
    def tax(self) -> Decimal:
        """Sum of the lines' taxes as shown (equal to the document's tax)."""
        return sum((line.tax for line in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        """Net plus tax plus round-off: what the document asks to be paid."""
        return self.net + self.tax + self.round_off


def document_tax(regime: str, lines: Sequence[LineTax]) -> DocumentTax:
    """Apply the regime's invoice-level rounding to a document's per-line taxes.

    The one function every invoice and note (primary and secondary) uses; see the module notes
    for the rules followed.
    """
    if regime == "ID_PPN":
        return DocumentTax(lines=_ppn_allocated(lines), round_off=Decimal("0.00"))
    if regime == "IN_GST":
        shown = tuple(lines)
        gross = sum((line.gross for line in shown), Decimal("0.00"))
        rounded = gross.quantize(WHOLE, rounding=ROUND_HALF_UP).quantize(CENT)
        return DocumentTax(lines=shown, round_off=rounded - gross)
    raise ValidationFailed(f"unknown tax regime {regime}", code="TAX_REGIME")


def _ppn_allocated(lines: Sequence[LineTax]) -> tuple[LineTax, ...]:
    """Per (name, rate): the document's PPN = floor(sum of bases x rate) to the rupiah; each
    component gets the floor of its exact share, and the rupiahs left go one each to the
    components with the largest remainders (ties: the earlier line)."""
    shares: dict[tuple[str, Decimal], list[tuple[int, int, Decimal]]] = {}
    for i, line in enumerate(lines):
        for j, c in enumerate(line.components):
            share = c.base * c.rate if c.exact is None else c.exact
            shares.setdefault((c.name, c.rate), []).append((i, j, share))
    amounts: dict[tuple[int, int], Decimal] = {}
    for group in shares.values():
        exact = sum((share for _, _, share in group), Decimal(0))
        total = _rupiah_down(exact)
        floors = {(i, j): _rupiah_down(share) for i, j, share in group}
        left = int(total - sum(floors.values(), Decimal(0)))
        by_remainder = sorted(group, key=lambda g: (-(g[2] - floors[(g[0], g[1])]), g[0], g[1]))
        for i, j, _ in by_remainder[:left]:
            floors[(i, j)] += WHOLE
        amounts.update(floors)
    return tuple(
        replace(
            line,
            components=tuple(
                replace(c, amount=amounts[(i, j)]) for j, c in enumerate(line.components)
            ),
        )
        for i, line in enumerate(lines)
    )


def _rupiah_down(value: Decimal) -> Decimal:
    """Down to the whole rupiah, kept with the codebase's two decimals (e.g. 110.99 → 110.00)."""
    return value.quantize(WHOLE, rounding=ROUND_DOWN).quantize(CENT)
