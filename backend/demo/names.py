"""Indonesian people, shop and company names, phone numbers and tax ids for the demo."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from backend.demo.records import Channel

MALE_NAMES = (
    "Budi", "Agus", "Andi", "Joko", "Hendra", "Rudi", "Dedi", "Slamet", "Bambang", "Eko",
    "Ahmad", "Muhammad", "Rizky", "Fajar", "Hadi", "Iwan", "Yusuf", "Teguh", "Wahyu", "Arif",
    "Dimas", "Bayu", "Sutrisno", "Hasan", "Asep", "Ujang", "Darmawan", "Herman", "Irfan",
    "Kevin", "Steven", "Johan", "Rahmat", "Sugeng", "Taufik", "Hendrik", "Anton", "Fadli",
)  # fmt: skip
FEMALE_NAMES = (
    "Siti", "Sri", "Dewi", "Ani", "Rina", "Yuni", "Wati", "Endang", "Lestari", "Ratna",
    "Nur", "Fitri", "Nurul", "Aisyah", "Dian", "Maya", "Indah", "Sari", "Ayu", "Rahma",
    "Tuti", "Yanti", "Mega", "Putri", "Novi", "Lina", "Susi", "Fransiska", "Melati", "Wulan",
    "Imas", "Neneng", "Lilis", "Mei Ling", "Linda", "Kartini", "Hartini", "Suryani",
)  # fmt: skip
SURNAMES = (
    "Santoso", "Wijaya", "Saputra", "Hidayat", "Setiawan", "Kurniawan", "Pratama", "Susanto",
    "Gunawan", "Nugroho", "Siregar", "Nasution", "Simanjuntak", "Harahap", "Lubis", "Hutapea",
    "Rahmawati", "Wulandari", "Handayani", "Purnomo", "Hakim", "Syahputra", "Sutanto",
    "Tanoto", "Halim", "Salim", "Tanuwijaya", "Sitompul", "Manurung", "Permana", "Sulaiman",
    "Hermawan", "Firmansyah", "Ramadhan", "Maulana", "Suhendra", "Fauzi", "Effendi",
)  # fmt: skip
SHOP_WORDS = (
    "Berkah Jaya", "Sumber Rejeki", "Maju Jaya", "Sinar Abadi", "Makmur", "Barokah",
    "Rezeki Lancar", "Sejahtera", "Harapan Baru", "Mitra Usaha", "Sentosa", "Amanah",
    "Bintang Terang", "Cahaya Baru", "Sumber Makmur", "Jaya Abadi", "Sinar Mas Mulia",
    "Karya Mandiri", "Tiga Saudara", "Dua Putri", "Anugerah", "Rizki Ilahi", "Murah Meriah",
    "Serba Ada", "Mekar Sari", "Lancar Jaya", "Sumber Berkah", "Al-Ikhlas", "Bahagia",
    "Setia Kawan", "Subur", "Kencana", "Mulia", "Prima", "Indah Jaya", "Usaha Bersama",
)  # fmt: skip
# Fictional minimarket chains and the companies that run them.
MINIMARKET_CHAINS: dict[str, str] = {
    "Cempaka Mart": "PT Cempaka Ritel Nusantara",
    "Seruni Swalayan": "PT Seruni Niaga Swalayan",
    "Mekar Mart": "PT Mekar Sarana Ritel",
    "Pelita Mart": "PT Pelita Retailindo",
    "Kenari Swalayan": "PT Kenari Mitra Swalayan",
    "Serba Hemat Mart": "PT Serba Hemat Indonesia",
}
HORECA_FORMATS = (
    "Rumah Makan Padang {w}", "Warteg {w}", "Kedai Kopi {w}", "Bakso {p}", "Soto Betawi {p}",
    "Mie Ayam {p}", "Nasi Uduk {p}", "Kafe {w}", "Rumah Makan Sunda {w}", "Katering {w}",
    "Pecel Lele {p}", "Ayam Bakar {p}",
)  # fmt: skip
COMPANY_WORDS = (
    "Sinar Jaya", "Maju Bersama", "Anugerah Sentosa", "Mitra Niaga", "Cahaya Abadi",
    "Sumber Makmur", "Karya Utama", "Bintang Timur", "Nusa Prima", "Sejahtera Abadi",
    "Tunas Harapan", "Gemilang Raya",
)  # fmt: skip
COMPANY_SUFFIXES = ("Distribusi", "Niaga", "Perkasa", "Distrindo", "Logistik", "Sentosa")
MOBILE_PREFIXES = ("811", "812", "813", "821", "822", "852", "853", "857", "858", "877",
                   "878", "895", "896", "838")  # fmt: skip
# Jakarta tax offices (KPP Pratama) by area: the three digits an old NPWP ends its office part with.
KPP_CODES = {"JP": ("071", "072", "073"), "JU": ("041", "042", "043"),
             "JB": ("031", "032", "033"), "JS": ("011", "012", "013"),
             "JT": ("051", "052", "053")}  # fmt: skip


@dataclass(frozen=True)
class Person:
    """A named person with the title shop names use for them."""

    first: str
    last: str
    female: bool

    @property
    def full_name(self) -> str:
        """Return 'First Last'."""
        return f"{self.first} {self.last}"

    @property
    def honorific(self) -> str:
        """Return how a neighbourhood shop calls its owner ('Bu Siti', 'Pak Budi')."""
        return f"{'Bu' if self.female else 'Pak'} {self.first}"


def pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    """Pick one option uniformly."""
    return options[int(rng.integers(len(options)))]


def person(rng: np.random.Generator) -> Person:
    """Draw a person with a common Indonesian first name and surname."""
    female = bool(rng.random() < 0.5)
    first = pick(rng, FEMALE_NAMES if female else MALE_NAMES)
    return Person(first=first, last=pick(rng, SURNAMES), female=female)


class OutletNamer:
    """Name outlets the way each channel names itself; chain branches are numbered per place."""

    def __init__(self) -> None:
        self._branches: Counter[tuple[str, str]] = Counter()

    def name(
        self, rng: np.random.Generator, channel: Channel, owner: Person, kecamatan: str
    ) -> tuple[str, str]:
        """Return (outlet name, owner name); a chain store is owned by its operating company."""
        if channel == "MT":
            chain = pick(rng, tuple(MINIMARKET_CHAINS))
            self._branches[chain, kecamatan] += 1
            branch = self._branches[chain, kecamatan]
            suffix = f" {branch}" if branch > 1 else ""
            return f"{chain} {kecamatan}{suffix}", MINIMARKET_CHAINS[chain]
        return _independent_name(rng, channel, owner), owner.full_name


def _independent_name(rng: np.random.Generator, channel: Channel, owner: Person) -> str:
    if channel == "WHOLESALE":
        form = pick(rng, ("Grosir {w}", "Toko Grosir {w}", "UD {w}", "Agen Sembako {w}"))
        return form.format(w=pick(rng, SHOP_WORDS))
    if channel == "HORECA":
        return pick(rng, HORECA_FORMATS).format(w=pick(rng, SHOP_WORDS), p=owner.honorific)
    form = pick(rng, ("Toko {w}", "Toko {w}", "Warung {p}", "Warung {w}", "Toko Kelontong {w}",
                      "Toko Sembako {w}", "Warung Madura {w}"))  # fmt: skip
    return form.format(w=pick(rng, SHOP_WORDS), p=owner.honorific)


def distributor_name(index: int) -> str:
    """Name the index-th distributor company ('PT Sinar Jaya Distribusi', 'CV Maju Bersama')."""
    words = COMPANY_WORDS[index % len(COMPANY_WORDS)]
    if index % 3 == 1:
        return f"CV {words}"
    return f"PT {words} {COMPANY_SUFFIXES[index % len(COMPANY_SUFFIXES)]}"


def mobile_phone(rng: np.random.Generator) -> str:
    """Draw an Indonesian mobile number in E.164 (+62 8xx, 10-11 digits after the country)."""
    width = int(rng.integers(7, 9))
    return f"+62{pick(rng, MOBILE_PREFIXES)}{int(rng.integers(10**width)):0{width}d}"


def jakarta_landline(rng: np.random.Generator) -> str:
    """Draw a Jakarta landline (area code 21, eight digits) in E.164."""
    return f"+6221{int(rng.integers(2, 9))}{int(rng.integers(10**7)):07d}"


def company_npwp(rng: np.random.Generator, area: str) -> str:
    """Draw a 16-digit company NPWP: '0' + the old 15-digit number (type, serial, check, KPP)."""
    serial = [int(d) for d in rng.integers(0, 10, size=6)]
    body = [0, int(rng.integers(1, 4)), *serial]
    check = _luhn_digit(body)
    old = "".join(str(d) for d in body) + str(check) + pick(rng, KPP_CODES[area]) + "000"
    return "0" + old


def personal_npwp(rng: np.random.Generator, area_nik_prefix: str, owner: Person) -> str:
    """Draw a 16-digit personal NPWP, which since 2024 is the owner's NIK."""
    day = int(rng.integers(1, 29)) + (40 if owner.female else 0)
    month = int(rng.integers(1, 13))
    year = int(rng.integers(55, 100))
    district = int(rng.integers(1, 11))
    serial = int(rng.integers(1, 3000))
    return f"{area_nik_prefix}{district:02d}{day:02d}{month:02d}{year:02d}{serial:04d}"


def _luhn_digit(digits: Sequence[int]) -> int:
    """Return the Luhn check digit of a digit sequence."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        doubled = d * 2 if i % 2 == 0 else d
        total += doubled - 9 if doubled > 9 else doubled
    return (10 - total % 10) % 10


def unique_username(base: str, taken: set[str]) -> str:
    """Return base, or base2, base3... whichever is still free, and reserve it."""
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}{n}"
    taken.add(candidate)
    return candidate
