"""The demo brand's product catalogue: fictional brands, realistic Indonesian packs and prices."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from backend.demo.records import DemoProduct, TaxClass

Pack = tuple[str, int, int]  # (pack label, MRP in rupiah, units per case)


@dataclass(frozen=True)
class ProductLine:
    """A brand's range within a category: every flavour in every pack."""

    brand: str
    flavours: tuple[str, ...]
    packs: tuple[Pack, ...]
    tax_class: TaxClass = "STANDARD"


@dataclass(frozen=True)
class Category:
    """A category with its SKU code, the retailer's margin on MRP and its product lines."""

    code: str
    name: str
    retailer_margin: Decimal
    lines: tuple[ProductLine, ...]


def _line(brand: str, flavours: str, *packs: Pack, tax_class: TaxClass = "STANDARD") -> ProductLine:
    return ProductLine(brand, tuple(flavours.split("; ")), packs, tax_class)


# The first SKU of every category is its flagship and a must-sell SKU.
CATEGORIES: tuple[Category, ...] = (
    Category(
        "NDL",
        "Mi Instan",
        Decimal("0.10"),
        (
            _line(
                "Mienusa",
                "Goreng Original; Goreng Pedas; Soto Ayam; Kari Ayam; Ayam Bawang",
                ("85g", 3500, 40),
                ("Jumbo 120g", 4500, 40),
                ("Cup 75g", 6000, 24),
            ),
            _line("Selera Kita", "Goreng Rendang; Kaldu Ayam; Kuah Pedas", ("80g", 3100, 40)),
        ),
    ),
    Category(
        "COF",
        "Kopi",
        Decimal("0.12"),
        (
            _line(
                "Kopi Pagi Jaya",
                "Susu 3in1; Hitam Manis; Mocca; Gula Aren",
                ("Renceng 10x25g", 14500, 12),
                ("Sachet 25g", 1500, 48),
            ),
            _line(
                "Tubruk Asli",
                "Bubuk Robusta; Bubuk Arabika Gayo",
                ("165g", 13000, 24),
                ("Renceng 10x6.5g", 5500, 48),
            ),
        ),
    ),
    Category(
        "BIS",
        "Biskuit",
        Decimal("0.12"),
        (
            _line(
                "Renyah",
                "Kelapa; Susu; Coklat; Kacang",
                ("Pack 100g", 6000, 24),
                ("Pack 20g", 1000, 48),
            ),
            _line(
                "Krispi Ria",
                "Wafer Coklat; Wafer Vanila; Crackers Gandum",
                ("Pack 40g", 2500, 48),
                ("Kaleng 300g", 27000, 12),
            ),
        ),
    ),
    Category(
        "SOP",
        "Sabun",
        Decimal("0.13"),
        (
            _line(
                "Segarin",
                "Sereh; Melati; Antiseptik; Lemon",
                ("Batang 80g", 4000, 48),
                ("Cair Refill 450ml", 22000, 12),
            ),
            _line("Harum Sari", "Bengkoang; Zaitun; Susu Kambing; Beras", ("Batang 75g", 3500, 48)),
        ),
    ),
    Category(
        "SHP",
        "Sampo",
        Decimal("0.14"),
        (
            _line(
                "Lembutin",
                "Anti Ketombe; Hitam Berkilau; Lidah Buaya; Halal Hijab",
                ("Renceng 12x10ml", 6000, 24),
                ("Botol 170ml", 25000, 24),
            ),
            _line(
                "Rambut Ayu",
                "Urang Aring; Kemiri",
                ("Botol 180ml", 19000, 24),
                ("Renceng 12x9ml", 5500, 24),
            ),
        ),
    ),
    Category(
        "DET",
        "Deterjen",
        Decimal("0.12"),
        (
            _line(
                "BersihKu",
                "Bubuk Wangi Bunga; Bubuk Anti Noda",
                ("800g", 21000, 12),
                ("Renceng 6x40g", 6000, 24),
                ("1.8kg", 45000, 6),
            ),
            _line(
                "Cemerlang",
                "Cair Lemon; Cuci Piring Jeruk Nipis; Pewangi Pakaian",
                ("Pouch 750ml", 16000, 12),
                ("Pouch 400ml", 9500, 24),
            ),
        ),
    ),
    Category(
        "TEA",
        "Teh",
        Decimal("0.12"),
        (
            _line(
                "Teh Kebun Melati",
                "Celup Melati; Celup Original; Tubruk Wangi",
                ("Kotak 25 kantong", 7500, 48),
                ("Kotak 50 kantong", 14000, 24),
            ),
            _line(
                "Teh Segar",
                "Manis; Kurang Gula; Apel",
                ("Botol 350ml", 4500, 24),
                ("Kotak 200ml", 3500, 24),
            ),
        ),
    ),
    Category(
        "DRY",
        "Susu",
        Decimal("0.10"),
        (
            _line(
                "Dairina",
                "Kental Manis Putih; Kental Manis Coklat",
                ("Kaleng 370g", 13500, 48),
                ("Renceng 6x40g", 9000, 24),
            ),
            _line(
                "Dairina UHT",
                "Full Cream; Coklat; Stroberi",
                ("Kotak 200ml", 6000, 24),
                ("Kotak 1L", 19500, 12),
            ),
            _line("Dairina Bubuk", "Full Cream; Coklat", ("Pouch 400g", 48000, 12)),
        ),
    ),
    Category(
        "SNK",
        "Makanan Ringan",
        Decimal("0.15"),
        (
            _line(
                "Kriukin",
                "Kentang Original; Kentang Rumput Laut; Singkong Balado; Kacang Atom; Tempe",
                ("15g", 2000, 48),
                ("68g", 10500, 24),
            ),
            _line("Choco Nusa", "Wafer Stick Coklat; Coklat Susu", ("21g", 2000, 48)),
            _line(
                "Choco Nusa Premium",
                "Praline Kotak Hadiah",
                ("250g", 125000, 6),
                tax_class="LUXURY",
            ),
        ),
    ),
    Category(
        "BEV",
        "Minuman",
        Decimal("0.10"),
        (
            _line(
                "Tirta Murni",
                "Air Mineral",
                ("Botol 600ml", 3500, 24),
                ("Botol 1500ml", 6500, 12),
                ("Gelas 220ml", 700, 48),
            ),
            _line(
                "Segarku",
                "Jeruk; Jambu; Kacang Hijau; Leci; Teh Tarik",
                ("Botol 350ml", 5000, 24),
                ("Kotak 200ml", 3500, 24),
            ),
        ),
    ),
    Category(
        "BUM",
        "Bumbu & Kecap",
        Decimal("0.12"),
        (
            _line(
                "Kecap Cap Merak",
                "Kecap Manis; Kecap Asin",
                ("Pouch 550ml", 21000, 12),
                ("Renceng 12x20ml", 6000, 24),
            ),
            _line(
                "Sambal Nusa",
                "Sambal Terasi; Sambal Bawang; Saus Tomat",
                ("Botol 135ml", 8500, 24),
                ("Renceng 24x9g", 7000, 24),
            ),
            _line("Bumbu Dapurku", "Nasi Goreng; Rendang; Soto", ("Sachet 45g", 4500, 48)),
        ),
    ),
    Category(
        "PRS",
        "Perawatan Diri",
        Decimal("0.15"),
        (
            _line(
                "Senyum",
                "Pasta Gigi Herbal; Pasta Gigi Siwak; Pasta Gigi Anak Stroberi",
                ("Tube 190g", 14000, 48),
                ("Tube 75g", 7000, 48),
            ),
            _line(
                "Wangi Nusa",
                "Eau de Parfum Melati; Eau de Parfum Oud",
                ("50ml", 185000, 6),
                tax_class="LUXURY",
            ),
            _line(
                "Segarin Body",
                "Lotion Pagi; Deodoran Roll-on; Bedak Dingin",
                ("Botol 100ml", 18000, 24),
            ),
        ),
    ),
)
DISTRIBUTOR_MARGIN = Decimal("0.07")


def catalogue_size() -> int:
    """Return how many distinct SKUs the catalogue can offer."""
    return sum(len(_category_products(c)) for c in CATEGORIES)


def build_products(count: int) -> tuple[DemoProduct, ...]:
    """Take count SKUs round-robin across categories, each category's first one a must-sell."""
    queues = [_category_products(c) for c in CATEGORIES]
    available = sum(len(q) for q in queues)
    if not 0 < count <= available:
        raise ValueError(f"products must be between 1 and {available}, got {count}")
    chosen: list[DemoProduct] = []
    depth = 0
    while len(chosen) < count:
        chosen.extend(q[depth] for q in queues if depth < len(q) and len(chosen) < count)
        depth += 1
    return tuple(sorted(chosen, key=lambda p: p.sku))


def _category_products(category: Category) -> list[DemoProduct]:
    products: list[DemoProduct] = []
    for line in category.lines:
        for pack_label, mrp, case_size in line.packs:
            for flavour in line.flavours:
                sku = f"SKU-{category.code}-{len(products) + 1:03d}"
                products.append(
                    _product(
                        sku,
                        f"{line.brand} {flavour} {pack_label}",
                        line,
                        category,
                        Decimal(mrp),
                        case_size,
                        must_sell=not products,
                    )
                )
    return products


def _product(
    sku: str,
    name: str,
    line: ProductLine,
    category: Category,
    mrp: Decimal,
    case_size: int,
    *,
    must_sell: bool,
) -> DemoProduct:
    retailer_price = _rupiah(mrp * (1 - category.retailer_margin))
    return DemoProduct(
        sku=sku,
        name=name,
        brand=line.brand,
        category=category.name,
        case_size=case_size,
        tax_class=line.tax_class,
        must_sell=must_sell,
        distributor_price=_rupiah(retailer_price * (1 - DISTRIBUTOR_MARGIN)),
        retailer_price=retailer_price,
        mrp=mrp,
    )


def _rupiah(amount: Decimal) -> Decimal:
    """Round to a whole rupiah, half up."""
    return amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
