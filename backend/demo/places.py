"""Real Jakarta places the demo data is built around: the land outline and the kecamatan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# What kind of neighbourhood a kecamatan is; it steers the channel mix of its outlets.
PlaceKind = Literal["core", "market", "upscale", "residential", "periphery"]

AREAS: tuple[tuple[str, str], ...] = (
    ("JP", "Jakarta Pusat"),
    ("JU", "Jakarta Utara"),
    ("JB", "Jakarta Barat"),
    ("JS", "Jakarta Selatan"),
    ("JT", "Jakarta Timur"),
)

# Kode wilayah of the five kota, used as the first digits of residents' NIK (and NPWP).
AREA_NIK_PREFIX: dict[str, str] = {
    "JS": "3171",
    "JT": "3172",
    "JP": "3173",
    "JB": "3174",
    "JU": "3175",
}

# Mainland DKI Jakarta, simplified, as (lon, lat). The north edge follows the coast of
# Jakarta Bay (about -6.10 to -6.12), so no point inside it lies in the sea.
JAKARTA_OUTLINE: tuple[tuple[float, float], ...] = (
    (106.688, -6.100),
    (106.720, -6.096),
    (106.760, -6.101),
    (106.790, -6.106),
    (106.812, -6.112),
    (106.836, -6.121),
    (106.860, -6.116),
    (106.880, -6.101),
    (106.902, -6.100),
    (106.930, -6.106),
    (106.968, -6.096),
    (106.973, -6.120),
    (106.975, -6.160),
    (106.966, -6.200),
    (106.946, -6.232),
    (106.936, -6.280),
    (106.926, -6.320),
    (106.902, -6.345),
    (106.862, -6.356),
    (106.822, -6.365),
    (106.792, -6.346),
    (106.776, -6.312),
    (106.760, -6.291),
    (106.745, -6.262),
    (106.734, -6.231),
    (106.719, -6.210),
    (106.708, -6.181),
    (106.690, -6.160),
    (106.686, -6.130),
)


@dataclass(frozen=True)
class Kecamatan:
    """A district centre: where outlets cluster, how densely, and its street names."""

    name: str
    area: str
    lat: float
    lon: float
    outlet_weight: float  # relative share of the city's outlets; 0 = shapes the map only
    sigma_km: float  # Gaussian scatter of outlets around the centre
    kind: PlaceKind
    postal_code: str
    streets: tuple[str, ...]


def _k(
    name: str,
    area: str,
    lat: float,
    lon: float,
    weight: float,
    sigma: float,
    kind: PlaceKind,
    postal: str,
    streets: str,
) -> Kecamatan:
    return Kecamatan(name, area, lat, lon, weight, sigma, kind, postal, tuple(streets.split("; ")))


# Weights follow population, raised in the dense old core where shops per head are highest.
# fmt: off
KECAMATAN: tuple[Kecamatan, ...] = (
    _k("Gambir", "JP", -6.172, 106.815, 1.3, 0.7, "upscale", "10110",
       "Jl. Kebon Sirih; Jl. Cideng Barat; Jl. Tanah Abang II; Jl. Ir. H. Juanda; Jl. Biak"),
    _k("Tanah Abang", "JP", -6.203, 106.812, 2.4, 0.8, "market", "10250",
       "Jl. KH Mas Mansyur; Jl. Kebon Kacang Raya; Jl. Jati Baru Raya; Jl. Fachrudin; Jl. "
       "Bendungan Hilir Raya"),
    _k("Menteng", "JP", -6.197, 106.835, 1.2, 0.7, "upscale", "10310",
       "Jl. Cikini Raya; Jl. H. Agus Salim; Jl. Teuku Umar; Jl. HOS Cokroaminoto; Jl. "
       "Pegangsaan Timur"),
    _k("Senen", "JP", -6.18, 106.846, 1.9, 0.6, "market", "10410",
       "Jl. Kramat Raya; Jl. Kwitang Raya; Jl. Salemba Raya; Jl. Pasar Senen; Jl. Kenari"),
    _k("Cempaka Putih", "JP", -6.178, 106.868, 1.4, 0.7, "residential", "10510",
       "Jl. Cempaka Putih Raya; Jl. Letjen Suprapto; Jl. Rawasari Selatan; Jl. Percetakan "
       "Negara"),
    _k("Johar Baru", "JP", -6.184, 106.856, 2.0, 0.5, "core", "10560",
       "Jl. Johar Baru Raya; Jl. Tanah Tinggi; Jl. Kampung Rawa; Jl. Galur"),
    _k("Kemayoran", "JP", -6.16, 106.855, 3.0, 0.8, "core", "10620",
       "Jl. Garuda; Jl. Serdang Baru; Jl. Utan Panjang; Jl. Kemayoran Gempol; Jl. Sumur Batu "
       "Raya"),
    _k("Sawah Besar", "JP", -6.153, 106.83, 1.9, 0.6, "core", "10710",
       "Jl. Gunung Sahari; Jl. Mangga Besar Raya; Jl. Karang Anyar; Jl. Pasar Baru; Jl. "
       "Samanhudi"),
    _k("Penjaringan", "JU", -6.12, 106.785, 2.6, 1.1, "residential", "14440",
       "Jl. Pluit Raya; Jl. Muara Karang Raya; Jl. Kapuk Muara; Jl. Teluk Gong Raya; Jl. "
       "Pluit Karang Ayu"),
    _k("Kamal Muara", "JU", -6.104, 106.738, 0.0, 1.0, "periphery", "14470",
       "Jl. Kamal Muara Raya; Jl. Pantai Indah Kapuk"),
    _k("Pademangan", "JU", -6.133, 106.84, 1.7, 0.8, "core", "14420",
       "Jl. Pademangan Raya; Jl. Budi Mulia; Jl. Gunung Sahari Raya; Jl. Ampera"),
    _k("Tanjung Priok", "JU", -6.135, 106.873, 3.4, 1.0, "market", "14310",
       "Jl. Enggano; Jl. Sunter Jaya; Jl. Yos Sudarso; Jl. Plumpang Semper; Jl. Warakas Raya"),
    _k("Koja", "JU", -6.117, 106.906, 2.7, 0.9, "core", "14210",
       "Jl. Walang Permai; Jl. Mindi Raya; Jl. Lagoa Terusan; Jl. Tugu Raya; Jl. Rawa Badak"),
    _k("Kelapa Gading", "JU", -6.158, 106.905, 1.5, 1.0, "upscale", "14240",
       "Jl. Boulevard Raya; Jl. Kelapa Hybrida; Jl. Gading Kirana; Jl. Pegangsaan Dua; Jl. "
       "Kelapa Nias"),
    _k("Cilincing", "JU", -6.125, 106.94, 3.0, 1.3, "periphery", "14120",
       "Jl. Cilincing Raya; Jl. Marunda Makmur; Jl. Kalibaru Timur; Jl. Semper Barat; Jl. "
       "Rorotan"),
    _k("Taman Sari", "JB", -6.146, 106.817, 2.0, 0.5, "market", "11150",
       "Jl. Pancoran Glodok; Jl. Hayam Wuruk; Jl. Mangga Besar; Jl. Kemenangan Raya; Jl. "
       "Keagungan"),
    _k("Tambora", "JB", -6.148, 106.8, 3.4, 0.6, "core", "11220",
       "Jl. Jembatan Lima; Jl. Tubagus Angke; Jl. Kalianyar; Jl. Pekojan Raya; Jl. Duri "
       "Utara"),
    _k("Grogol Petamburan", "JB", -6.167, 106.79, 2.5, 0.9, "residential", "11450",
       "Jl. Dr. Susilo Raya; Jl. Tawakal; Jl. Tanjung Duren Raya; Jl. Latumenten; Jl. "
       "Jelambar Baru"),
    _k("Palmerah", "JB", -6.197, 106.795, 2.4, 0.8, "core", "11480",
       "Jl. Palmerah Barat; Jl. Kemanggisan Raya; Jl. Kota Bambu Utara; Jl. Slipi; Jl. "
       "Anggrek Cendrawasih"),
    _k("Kebon Jeruk", "JB", -6.195, 106.77, 3.0, 1.1, "residential", "11530",
       "Jl. Panjang; Jl. Kebon Jeruk Raya; Jl. Arjuna Utara; Jl. Sulaiman; Jl. Kelapa Dua "
       "Raya"),
    _k("Kembangan", "JB", -6.19, 106.74, 2.4, 1.2, "periphery", "11610",
       "Jl. Meruya Ilir Raya; Jl. Puri Kembangan; Jl. Joglo Raya; Jl. Srengseng Raya"),
    _k("Cengkareng", "JB", -6.15, 106.735, 4.4, 1.4, "residential", "11730",
       "Jl. Daan Mogot; Jl. Kamal Raya; Jl. Bangun Nusa; Jl. Kapuk Raya; Jl. Utama Raya"),
    _k("Kalideres", "JB", -6.135, 106.705, 3.3, 1.4, "periphery", "11840",
       "Jl. Peta Selatan; Jl. Tegal Alur Raya; Jl. Semanan Raya; Jl. Kalideres Raya; Jl. "
       "Pegadungan Raya"),
    _k("Setiabudi", "JS", -6.218, 106.83, 1.4, 0.8, "upscale", "12920",
       "Jl. Karet Pedurenan; Jl. Guntur; Jl. Menteng Pulo; Jl. Prof. Dr. Satrio; Jl. Halimun"),
    _k("Tebet", "JS", -6.232, 106.852, 2.1, 0.8, "residential", "12810",
       "Jl. Tebet Raya; Jl. Tebet Barat Dalam; Jl. Casablanca; Jl. Saharjo; Jl. Kebon Baru"),
    _k("Mampang Prapatan", "JS", -6.25, 106.823, 1.5, 0.7, "residential", "12790",
       "Jl. Mampang Prapatan Raya; Jl. Kapten Tendean; Jl. Bangka Raya; Jl. Tegal Parang"),
    _k("Pancoran", "JS", -6.255, 106.845, 1.6, 0.8, "residential", "12780",
       "Jl. Pengadegan Timur; Jl. Duren Tiga Raya; Jl. Kalibata Raya; Jl. Rawajati Timur"),
    _k("Kebayoran Baru", "JS", -6.24, 106.8, 1.4, 0.9, "upscale", "12110",
       "Jl. Senopati; Jl. Wolter Monginsidi; Jl. Panglima Polim; Jl. Kyai Maja; Jl. Radio "
       "Dalam"),
    _k("Kebayoran Lama", "JS", -6.245, 106.775, 2.7, 1.0, "residential", "12240",
       "Jl. Kebayoran Lama Raya; Jl. Ciputat Raya; Jl. Pondok Pinang; Jl. Cipulir; Jl. "
       "Kramat Pela"),
    _k("Pesanggrahan", "JS", -6.258, 106.755, 2.0, 1.0, "periphery", "12320",
       "Jl. Ulujami Raya; Jl. Bintaro Permai; Jl. Pesanggrahan Raya; Jl. Cidodol Raya"),
    _k("Cilandak", "JS", -6.288, 106.798, 1.8, 1.2, "upscale", "12430",
       "Jl. RS Fatmawati; Jl. TB Simatupang; Jl. Cilandak KKO; Jl. Lebak Bulus Raya; Jl. "
       "Haji Nawi"),
    _k("Pasar Minggu", "JS", -6.287, 106.84, 2.7, 1.1, "market", "12520",
       "Jl. Raya Pasar Minggu; Jl. Ragunan; Jl. Kebagusan Raya; Jl. Jati Padang Raya; Jl. "
       "Siaga Raya"),
    _k("Jagakarsa", "JS", -6.333, 106.822, 3.1, 1.4, "periphery", "12620",
       "Jl. Moh. Kahfi; Jl. Srengseng Sawah; Jl. Lenteng Agung Raya; Jl. Ciganjur Raya; Jl. "
       "Tanjung Barat Raya"),
    _k("Matraman", "JT", -6.203, 106.858, 1.6, 0.6, "core", "13140",
       "Jl. Matraman Raya; Jl. Pramuka Raya; Jl. Utan Kayu Raya; Jl. Kayu Manis; Jl. Pal "
       "Meriam"),
    _k("Pulo Gadung", "JT", -6.19, 106.895, 2.4, 1.0, "residential", "13260",
       "Jl. Pemuda; Jl. Rawamangun Muka; Jl. Balai Pustaka; Jl. Kayu Putih Raya; Jl. "
       "Cipinang Baru Raya"),
    _k("Jatinegara", "JT", -6.225, 106.872, 2.5, 0.8, "market", "13310",
       "Jl. Jatinegara Barat; Jl. Otto Iskandardinata; Jl. Cipinang Muara Raya; Jl. Bali "
       "Mester"),
    _k("Duren Sawit", "JT", -6.235, 106.915, 3.4, 1.2, "residential", "13440",
       "Jl. Kolonel Sugiono; Jl. Pahlawan Revolusi; Jl. Pondok Kelapa Raya; Jl. Inspeksi "
       "Kalimalang; Jl. Pondok Bambu Raya"),
    _k("Kramat Jati", "JT", -6.272, 106.868, 2.5, 0.9, "market", "13510",
       "Jl. Raya Bogor; Jl. Dewi Sartika; Jl. Batu Ampar; Jl. Condet Raya; Jl. Raya Inpres"),
    _k("Makasar", "JT", -6.262, 106.89, 1.6, 1.0, "residential", "13570",
       "Jl. Cipinang Melayu; Jl. Pinang Ranti; Jl. Kebon Pala Raya; Jl. Halim Perdanakusuma"),
    _k("Pasar Rebo", "JT", -6.31, 106.858, 1.8, 1.0, "residential", "13760",
       "Jl. Raya Kalisari; Jl. Pekayon; Jl. Gedong; Jl. Raya Bogor"),
    _k("Ciracas", "JT", -6.328, 106.876, 2.4, 1.1, "periphery", "13740",
       "Jl. Raya Ciracas; Jl. Raya Cibubur; Jl. Kelapa Dua Wetan; Jl. Susukan; Jl. Rambutan"),
    _k("Cipayung", "JT", -6.318, 106.905, 2.2, 1.3, "periphery", "13840",
       "Jl. Raya Cipayung; Jl. Bambu Apus Raya; Jl. Lubang Buaya; Jl. Setu Cipayung; Jl. "
       "Pondok Ranggon"),
    _k("Cakung", "JT", -6.18, 106.942, 4.2, 1.5, "periphery", "13910",
       "Jl. Raya Bekasi; Jl. Penggilingan Raya; Jl. Pulo Gebang; Jl. Ujung Menteng; Jl. Rawa "
       "Terate"),
)
# fmt: on
