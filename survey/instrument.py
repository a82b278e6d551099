"""The SKM questionnaire: the nine unsur of PermenPANRB 14/2017 and the fourteen of KepMenPAN 25/2004."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Unsur:
    """One survey element (unsur) of PermenPANRB 14/2017 with its four answer labels (score 1..4)."""

    code: str
    name_id: str
    name_en: str
    labels_id: tuple[str, str, str, str]
    labels_en: tuple[str, str, str, str]


@dataclass(frozen=True)
class Unsur2004:
    """One of the fourteen unsur of KepMenPAN 25/2004 (legacy form; answered on 1..4)."""

    code: str
    name_id: str
    name_en: str


UNSUR_2017: tuple[Unsur, ...] = (
    Unsur("U1", "Persyaratan", "Requirements",
          ("tidak sesuai", "kurang sesuai", "sesuai", "sangat sesuai"),
          ("not as stated", "partly as stated", "as stated", "fully as stated")),
    Unsur("U2", "Sistem, mekanisme, dan prosedur", "Systems, mechanisms and procedures",
          ("tidak mudah", "kurang mudah", "mudah", "sangat mudah"),
          ("not easy", "rather difficult", "easy", "very easy")),
    Unsur("U3", "Waktu penyelesaian", "Completion time",
          ("tidak cepat", "kurang cepat", "cepat", "sangat cepat"),
          ("slow", "rather slow", "fast", "very fast")),
    Unsur("U4", "Biaya/tarif", "Fees/tariffs",
          ("sangat mahal", "cukup mahal", "murah", "gratis"),
          ("very expensive", "rather expensive", "cheap", "free")),
    Unsur("U5", "Produk spesifikasi jenis pelayanan", "Product specification of the service type",
          ("tidak sesuai", "kurang sesuai", "sesuai", "sangat sesuai"),
          ("not as stated", "partly as stated", "as stated", "fully as stated")),
    Unsur("U6", "Kompetensi pelaksana", "Staff competence",
          ("tidak kompeten", "kurang kompeten", "kompeten", "sangat kompeten"),
          ("not competent", "not very competent", "competent", "very competent")),
    Unsur("U7", "Perilaku pelaksana", "Staff conduct",
          ("tidak sopan dan ramah", "kurang sopan dan ramah", "sopan dan ramah", "sangat sopan dan ramah"),
          ("rude and unfriendly", "not very polite or friendly", "polite and friendly",
           "very polite and friendly")),
    Unsur("U8", "Penanganan pengaduan, saran dan masukan", "Handling of complaints, suggestions and feedback",
          ("tidak ada", "ada tetapi tidak berfungsi", "berfungsi kurang maksimal", "dikelola dengan baik"),
          ("no channel", "a channel that does not work", "works, but not well", "well managed")),
    Unsur("U9", "Sarana dan prasarana", "Facilities and infrastructure",
          ("buruk", "cukup", "baik", "sangat baik"),
          ("poor", "adequate", "good", "very good")),
)

UNSUR_2004: tuple[Unsur2004, ...] = tuple(
    Unsur2004(f"U{i}", name_id, name_en)
    for i, (name_id, name_en) in enumerate(
        [
            ("Prosedur pelayanan", "Service procedure"),
            ("Persyaratan pelayanan", "Service requirements"),
            ("Kejelasan petugas pelayanan", "Clarity of service officers"),
            ("Kedisiplinan petugas pelayanan", "Discipline of service officers"),
            ("Tanggung jawab petugas pelayanan", "Responsibility of service officers"),
            ("Kemampuan petugas pelayanan", "Ability of service officers"),
            ("Kecepatan pelayanan", "Speed of service"),
            ("Keadilan mendapatkan pelayanan", "Fairness in obtaining service"),
            ("Kesopanan dan keramahan petugas", "Courtesy and friendliness of officers"),
            ("Kewajaran biaya pelayanan", "Reasonableness of service fees"),
            ("Kepastian biaya pelayanan", "Certainty of service fees"),
            ("Kepastian jadwal pelayanan", "Certainty of service schedule"),
            ("Kenyamanan lingkungan", "Comfort of the environment"),
            ("Keamanan pelayanan", "Security of service"),
        ],
        start=1,
    )
)

#: KepMenPAN 25/2004 weight: each of the 14 unsur weighs 1/14 (the decree prints 0,071).
WEIGHT_2004 = 1 / 14


def category_2004(ni: float) -> str:
    """Mutu band of an unconverted NI (1..4) under KepMenPAN 25/2004.

    KepMenPAN 25/2004 bands: 1.00-1.75 D, 1.76-2.50 C, 2.51-3.25 B, 3.26-4.00 A. The bands leave gaps, so the
    NI is first rounded half-up to 2 decimals (as printed in reports) and classified with thresholds
    >= 3.26 A, >= 2.51 B, >= 1.76 C, else D. NaN (no answers) gives "-".
    """
    if ni != ni:  # NaN
        return "-"
    d = Decimal(repr(float(ni))).quantize(Decimal("1e-9"), rounding=ROUND_HALF_EVEN)  # drop float noise
    r = float(d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    if r >= 3.26:
        return "A"
    if r >= 2.51:
        return "B"
    if r >= 1.76:
        return "C"
    return "D"
