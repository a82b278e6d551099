"""The demo city's content: units, maklumat, services with their standard versions (UU 25/2009 Pasal 21), counters,
accounts and the simulation parameters of each service. Everything here is DEMO DATA: names of officials are
fictional and addresses are indicative only."""

from __future__ import annotations

GOVERNMENT = {
    "slug": "kota-kupang-demo",
    "name": "Pemerintah Kota Kupang (data demo)",
    "kind": "kota",
    "province": "Nusa Tenggara Timur",
}

LAPOR = "SP4N-LAPOR! di lapor.go.id atau SMS 1708"

MAKLUMAT = (
    "Dengan ini kami menyatakan sanggup menyelenggarakan pelayanan sesuai dengan standar pelayanan yang telah "
    "ditetapkan, memberikan pelayanan yang cepat, tepat, transparan dan tanpa pungutan di luar ketentuan, "
    "serta melakukan perbaikan secara terus-menerus. Apabila kami tidak menepati janji ini, kami siap menerima "
    "sanksi sesuai dengan peraturan perundang-undangan yang berlaku."
)

# slug, name, short name, kind, parent slug, timezone, address, phone, email, signer, maklumat days ago
UNITS = [
    {
        "slug": "disdukcapil-kupang", "name": "Dinas Kependudukan dan Pencatatan Sipil Kota Kupang",
        "short_name": "Disdukcapil", "kind": "OPD", "parent": None, "timezone": "Asia/Makassar",
        "address": "Jl. S.K. Lerik, Kelapa Lima, Kota Kupang, Nusa Tenggara Timur (alamat demo)",
        "phone": "0380-000101", "email": "disdukcapil@kupangkota.demo",
        "signer": "Yohanes M. Ndoen, S.Sos., M.Si. (nama fiktif), Kepala Dinas", "maklumat_days": 400,
    },
    {
        "slug": "dpmptsp-kupang", "name": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Kupang",
        "short_name": "DPMPTSP", "kind": "OPD", "parent": None, "timezone": "Asia/Makassar",
        "address": "Jl. Timor Raya, Oesapa, Kota Kupang, Nusa Tenggara Timur (alamat demo)",
        "phone": "0380-000202", "email": "dpmptsp@kupangkota.demo",
        "signer": "Maria F. Lay, S.H., M.H. (nama fiktif), Kepala Dinas", "maklumat_days": 380,
    },
    {
        "slug": "dinkes-kupang", "name": "Dinas Kesehatan Kota Kupang",
        "short_name": "Dinkes", "kind": "OPD", "parent": None, "timezone": "Asia/Makassar",
        "address": "Jl. Frans Seda, Fatululi, Kota Kupang, Nusa Tenggara Timur (alamat demo)",
        "phone": "0380-000303", "email": "dinkes@kupangkota.demo",
        "signer": "dr. Agustina Tallo, M.Kes. (nama fiktif), Kepala Dinas", "maklumat_days": 390,
    },
    {
        "slug": "puskesmas-oesapa", "name": "UPT Puskesmas Oesapa",
        "short_name": "Puskesmas Oesapa", "kind": "UPT", "parent": "dinkes-kupang", "timezone": "Asia/Makassar",
        "address": "Jl. Suratim, Oesapa, Kelapa Lima, Kota Kupang, Nusa Tenggara Timur (alamat demo)",
        "phone": "0380-000404", "email": "pkm.oesapa@kupangkota.demo",
        "signer": "dr. Benediktus Seran (nama fiktif), Kepala Puskesmas", "maklumat_days": 370,
    },
    {
        "slug": "rsud-sk-lerik", "name": "RSUD S.K. Lerik Kota Kupang",
        "short_name": "RSUD S.K. Lerik", "kind": "OPD", "parent": None, "timezone": "Asia/Makassar",
        "address": "Jl. Timor Raya No. 134, Pasir Panjang, Kota Kupang, Nusa Tenggara Timur (alamat demo)",
        "phone": "0380-000505", "email": "rsud.sklerik@kupangkota.demo",
        "signer": "dr. Stefanus Kana, Sp.PD. (nama fiktif), Direktur", "maklumat_days": 360,
    },
    {
        "slug": "kecamatan-kelapa-lima", "name": "Kantor Kecamatan Kelapa Lima",
        "short_name": "Kec. Kelapa Lima", "kind": "OPD", "parent": None, "timezone": "Asia/Makassar",
        "address": "Jl. Adi Sucipto, Kelapa Lima, Kota Kupang, Nusa Tenggara Timur (alamat demo)",
        "phone": "0380-000606", "email": "kec.kelapalima@kupangkota.demo",
        "signer": "Paulus Bessie, S.STP. (nama fiktif), Camat", "maklumat_days": 350,
    },
    {
        "slug": "kantor-penghubung-jakarta", "name": "Kantor Penghubung Pemerintah Kota Kupang di Jakarta",
        "short_name": "Kantor Penghubung", "kind": "UPT", "parent": None, "timezone": "Asia/Jakarta",
        "address": "Jl. Kramat Raya, Senen, Jakarta Pusat, DKI Jakarta (alamat demo, zona WIB)",
        "phone": "021-0000707", "email": "penghubung@kupangkota.demo",
        "signer": "Ferdinandus Ratu, S.IP. (nama fiktif), Kepala Kantor", "maklumat_days": 300,
    },
]

_DUKCAPIL_BASIS = "UU 23/2006 jo. UU 24/2013 tentang Administrasi Kependudukan; Perpres 96/2018; Permendagri 108/2019"


def complaint(unit_phone: str, unit_email: str, wa: str) -> str:
    return (f"Kotak pengaduan di ruang tunggu; telepon {unit_phone}; WhatsApp {wa}; email {unit_email}; "
            f"atau {LAPOR}")


# Each service: unit, slug, names, counters served (codes), versions (v1 is the base; later versions list only
# what changed), and simulation parameters.
#   per_day:   mean arrivals per working day at scale 1.0
#   wait:      (median minutes, sigma) of the lognormal arrival -> called
#   handle:    (median minutes, sigma) of the lognormal served -> finished
#   days:      for multi-day services, (typical working days, spread, share late, late extra days)
#   sat:       mean latent level of each unsur U1..U9 (1..4 scale)
SERVICES = [
    {
        "unit": "disdukcapil-kupang", "slug": "ktp-el", "name": "Penerbitan KTP Elektronik (KTP-el)",
        "name_en": "Electronic identity card (KTP-el)",
        "description": "Perekaman dan pencetakan KTP-el bagi penduduk berusia 17 tahun atau sudah menikah.",
        "versions": [
            {
                "requirements": ["Fotokopi Kartu Keluarga (KK)", "Surat pengantar RT/RW dan kelurahan",
                                 "Surat keterangan hilang dari kepolisian (untuk KTP-el hilang)",
                                 "KTP-el lama yang rusak (untuk penggantian)"],
                "procedure": ["Ambil nomor antrean di loket informasi", "Serahkan berkas persyaratan di loket",
                              "Petugas memverifikasi data kependudukan", "Perekaman foto, sidik jari dan iris mata",
                              "Pencetakan KTP-el", "Penyerahan KTP-el kepada pemohon"],
                "time_limit": (60, "minutes"), "fee": 0, "product": "Kartu Tanda Penduduk elektronik (KTP-el)",
                "legal_basis": _DUKCAPIL_BASIS, "staff": 6,
                "facilities": "Ruang tunggu ber-AC, kursi antrean, alat perekaman biometrik, printer KTP-el, toilet, "
                              "ruang laktasi, jalur kursi roda",
                "guarantee": "KTP-el tercetak pada hari yang sama apabila blangko tersedia; bila tidak, "
                             "diterbitkan surat keterangan (Suket) pengganti",
            },
            {
                "days_ago": 75, "time_limit": (45, "minutes"),
                "requirements": ["Fotokopi Kartu Keluarga (KK)",
                                 "Surat keterangan hilang dari kepolisian (untuk KTP-el hilang)",
                                 "KTP-el lama yang rusak (untuk penggantian)"],
                "change_note": "Surat pengantar RT/RW dihapus (data sudah terhubung SIAK); waktu layanan 45 menit.",
            },
            {
                "days_ahead": 21, "time_limit": (30, "minutes"),
                "procedure": ["Daftar antrean daring atau di loket informasi",
                              "Serahkan berkas persyaratan di loket", "Petugas memverifikasi data kependudukan",
                              "Perekaman foto, sidik jari dan iris mata", "Pencetakan KTP-el",
                              "Penyerahan KTP-el kepada pemohon"],
                "change_note": "Antrean daring dan dua alat perekaman tambahan: waktu layanan menjadi 30 menit.",
            },
        ],
        "counters": ["DKP-01", "DKP-02"],
        "sim": {"per_day": 58, "wait": (12, 0.55), "handle": (9, 0.35),
                "sat": [3.3, 3.3, 3.2, 3.9, 3.3, 3.3, 3.4, 3.1, 3.2]},
    },
    {
        "unit": "disdukcapil-kupang", "slug": "akta-kelahiran", "name": "Penerbitan Akta Kelahiran",
        "name_en": "Birth certificate",
        "description": "Pencatatan kelahiran dan penerbitan kutipan akta kelahiran.",
        "versions": [
            {
                "requirements": ["Surat keterangan lahir dari rumah sakit, puskesmas atau bidan",
                                 "Fotokopi Kartu Keluarga (KK)", "Fotokopi KTP-el kedua orang tua",
                                 "Fotokopi buku nikah atau akta perkawinan orang tua",
                                 "KTP-el dua orang saksi (atau SPTJM)"],
                "procedure": ["Ambil nomor antrean", "Serahkan formulir F-2.01 dan berkas persyaratan",
                              "Verifikasi dan validasi berkas", "Pencatatan dalam register akta kelahiran",
                              "Penandatanganan elektronik oleh pejabat pencatatan sipil",
                              "Penyerahan kutipan akta kelahiran"],
                "time_limit": (5, "working_days"), "fee": 0, "product": "Kutipan Akta Kelahiran",
                "legal_basis": _DUKCAPIL_BASIS, "staff": 4,
                "facilities": "Loket pencatatan sipil, ruang tunggu, komputer SIAK, printer, layanan pengambilan",
                "guarantee": "Akta kelahiran selesai paling lama 5 hari kerja sejak berkas dinyatakan lengkap",
            },
        ],
        "counters": ["DKP-03"],
        "sim": {"per_day": 30, "wait": (12, 0.5), "handle": (12, 0.35), "days": (3, 1.0, 0.03, 3),
                "sat": [3.3, 3.2, 3.2, 3.9, 3.4, 3.3, 3.4, 3.1, 3.2]},
    },
    {
        "unit": "disdukcapil-kupang", "slug": "kartu-keluarga", "name": "Penerbitan Kartu Keluarga (KK)",
        "name_en": "Family card (KK)",
        "description": "Penerbitan KK baru, perubahan data, penambahan atau pengurangan anggota keluarga.",
        "versions": [
            {
                "requirements": ["Kartu Keluarga lama", "Fotokopi buku nikah atau akta perkawinan",
                                 "Surat keterangan pindah (untuk penduduk pindah datang)",
                                 "Surat pengantar RT/RW"],
                "procedure": ["Ambil nomor antrean", "Serahkan formulir F-1.02 dan berkas",
                              "Verifikasi data oleh operator SIAK", "Pencetakan KK",
                              "Penyerahan KK kepada pemohon"],
                "time_limit": (1, "working_days"), "fee": 0, "product": "Kartu Keluarga",
                "legal_basis": _DUKCAPIL_BASIS, "staff": 4,
                "facilities": "Loket pendaftaran, ruang tunggu, komputer SIAK, printer KK",
                "guarantee": "KK selesai paling lama 1 hari kerja sejak berkas lengkap; tanpa biaya apa pun",
            },
            {
                "days_ago": 110,
                "requirements": ["Kartu Keluarga lama", "Fotokopi buku nikah atau akta perkawinan",
                                 "Surat keterangan pindah (untuk penduduk pindah datang)"],
                "procedure": ["Ambil nomor antrean", "Serahkan formulir F-1.02 dan berkas",
                              "Verifikasi data oleh operator SIAK", "Pencetakan KK di kertas HVS (TTE)",
                              "Penyerahan KK kepada pemohon atau melalui email/WhatsApp"],
                "change_note": "KK dicetak di kertas HVS dengan tanda tangan elektronik; pengantar RT/RW dihapus.",
            },
        ],
        "counters": ["DKP-02", "DKP-03"],
        "sim": {"per_day": 40, "wait": (15, 0.5), "handle": (8, 0.35), "days": (0, 0.6, 0.02, 2),
                "overcharge": 0.02, "sat": [3.3, 3.2, 3.2, 3.6, 3.3, 3.2, 3.3, 3.0, 3.2]},
    },
    {
        "unit": "disdukcapil-kupang", "slug": "surat-pindah", "name": "Surat Keterangan Pindah WNI",
        "name_en": "Moving certificate",
        "description": "Penerbitan Surat Keterangan Pindah (SKPWNI) antar kabupaten/kota atau provinsi.",
        "versions": [
            {
                "requirements": ["Kartu Keluarga", "KTP-el", "Formulir F-1.03 yang telah diisi"],
                "procedure": ["Ambil nomor antrean", "Serahkan formulir dan berkas", "Verifikasi data",
                              "Penerbitan SKPWNI", "Penyerahan SKPWNI dan KK baru"],
                "time_limit": (1, "working_days"), "fee": 0,
                "product": "Surat Keterangan Pindah WNI (SKPWNI)", "legal_basis": _DUKCAPIL_BASIS, "staff": 2,
                "facilities": "Loket pindah datang, ruang tunggu, komputer SIAK",
                "guarantee": "SKPWNI selesai paling lama 1 hari kerja",
            },
            {
                "draft": True, "time_limit": (60, "minutes"),
                "requirements": ["Kartu Keluarga", "Formulir F-1.03 yang telah diisi"],
                "change_note": "Usulan: SKPWNI selesai di tempat dalam 60 menit; KTP-el cukup diverifikasi "
                               "melalui NIK.",
            },
        ],
        "counters": ["DKP-03"],
        "sim": {"per_day": 15, "wait": (12, 0.5), "handle": (10, 0.35), "days": (0, 0.5, 0.02, 2),
                "sat": [3.3, 3.3, 3.3, 3.9, 3.3, 3.3, 3.4, 3.2, 3.2]},
    },
    {
        "unit": "dpmptsp-kupang", "slug": "persetujuan-bangunan-gedung", "name": "Persetujuan Bangunan Gedung (PBG)",
        "name_en": "Building approval (PBG)",
        "description": "Persetujuan untuk membangun, mengubah atau merawat bangunan gedung (pengganti IMB).",
        "versions": [
            {
                "requirements": ["Fotokopi KTP-el pemohon", "Bukti kepemilikan atau penguasaan tanah",
                                 "Gambar rencana arsitektur, struktur dan utilitas",
                                 "Perhitungan struktur (bangunan lebih dari dua lantai)",
                                 "Bukti pembayaran PBB tahun berjalan", "Akun SIMBG"],
                "procedure": ["Pendaftaran permohonan melalui SIMBG dan loket DPMPTSP",
                              "Pemeriksaan kelengkapan dokumen", "Konsultasi dengan Tim Profesi Ahli (TPA)",
                              "Penerbitan Surat Pernyataan Pemenuhan Standar Teknis",
                              "Penetapan dan pembayaran retribusi", "Penerbitan PBG"],
                "time_limit": (28, "working_days"), "fee": 1_500_000,
                "product": "Dokumen Persetujuan Bangunan Gedung (PBG)",
                "legal_basis": "UU 6/2023 (Cipta Kerja); PP 16/2021 tentang Bangunan Gedung; Perda retribusi "
                               "PBG Kota Kupang",
                "staff": 5, "facilities": "Loket PTSP, ruang konsultasi, komputer SIMBG, ruang tunggu, pojok "
                                         "pengaduan",
                "guarantee": "PBG terbit paling lama 28 hari kerja sejak dokumen dinyatakan lengkap",
                "target_time": 0.9,
            },
        ],
        "counters": ["PTSP-01"],
        "sim": {"per_day": 6, "wait": (10, 0.5), "handle": (25, 0.4), "days": (20, 4.0, 0.05, 6),
                "sat": [3.0, 2.9, 2.9, 3.0, 3.1, 3.2, 3.3, 3.0, 3.2]},
    },
    {
        "unit": "dpmptsp-kupang", "slug": "izin-reklame", "name": "Izin Penyelenggaraan Reklame",
        "name_en": "Billboard permit",
        "description": "Izin pemasangan reklame papan, baliho dan billboard di wilayah Kota Kupang.",
        "versions": [
            {
                "requirements": ["Fotokopi KTP-el pemohon", "NIB (Nomor Induk Berusaha)",
                                 "Desain dan ukuran reklame", "Foto lokasi pemasangan",
                                 "Surat persetujuan pemilik lahan atau bangunan"],
                "procedure": ["Pendaftaran di loket DPMPTSP", "Pemeriksaan berkas", "Peninjauan lokasi oleh tim teknis",
                              "Penetapan pajak dan retribusi", "Penerbitan izin reklame"],
                "time_limit": (5, "working_days"), "fee": 350_000, "product": "Surat Izin Penyelenggaraan Reklame",
                "legal_basis": "UU 1/2022 (HKPD); Perda Kota Kupang tentang Penyelenggaraan Reklame", "staff": 2,
                "facilities": "Loket PTSP, ruang tunggu, kendaraan tinjau lapangan",
                "guarantee": "Izin terbit paling lama 5 hari kerja; lewat dari itu pemohon berhak mengadu",
            },
            {
                "days_ago": 60, "fee": 400_000,
                "requirements": ["Fotokopi KTP-el pemohon", "NIB (Nomor Induk Berusaha)",
                                 "Desain dan ukuran reklame", "Foto lokasi pemasangan",
                                 "Surat persetujuan pemilik lahan atau bangunan",
                                 "Gambar konstruksi (reklame di atas 4 m²)"],
                "change_note": "Penyesuaian tarif retribusi (Perda baru) dan gambar konstruksi untuk reklame besar.",
            },
        ],
        "counters": ["PTSP-02"],
        "sim": {"per_day": 9, "wait": (10, 0.5), "handle": (15, 0.4), "days": (4, 1.0, 0.30, 5),
                "sat": [3.0, 2.9, 2.5, 3.0, 3.0, 3.1, 3.2, 2.9, 3.1]},
    },
    {
        "unit": "dpmptsp-kupang", "slug": "surat-izin-praktik-nakes", "name": "Surat Izin Praktik Tenaga Kesehatan",
        "name_en": "Health worker practice licence",
        "description": "SIP dokter, dokter gigi, bidan, perawat dan tenaga kesehatan lainnya.",
        "versions": [
            {
                "requirements": ["Fotokopi STR yang masih berlaku", "Fotokopi ijazah", "Rekomendasi organisasi profesi",
                                 "Surat keterangan dari fasilitas pelayanan kesehatan", "Pas foto 4x6 (2 lembar)"],
                "procedure": ["Pendaftaran di loket DPMPTSP", "Verifikasi berkas", "Rekomendasi Dinas Kesehatan",
                              "Penandatanganan SIP", "Penyerahan SIP"],
                "time_limit": (5, "working_days"), "fee": 0, "product": "Surat Izin Praktik (SIP)",
                "legal_basis": "UU 17/2023 tentang Kesehatan; Permenkes tentang izin praktik", "staff": 2,
                "facilities": "Loket PTSP, ruang tunggu, komputer",
                "guarantee": "SIP terbit paling lama 5 hari kerja sejak berkas lengkap",
            },
        ],
        "counters": ["PTSP-01", "PTSP-02"],
        "sim": {"per_day": 7, "wait": (10, 0.5), "handle": (12, 0.35), "days": (3, 1.0, 0.03, 3),
                "sat": [3.2, 3.2, 3.2, 3.9, 3.3, 3.3, 3.4, 3.1, 3.2]},
    },
    {
        "unit": "rsud-sk-lerik", "slug": "pendaftaran-rawat-jalan", "name": "Pendaftaran Pasien Rawat Jalan",
        "name_en": "Outpatient registration",
        "description": "Pendaftaran pasien umum dan BPJS ke poliklinik rawat jalan.",
        "versions": [
            {
                "requirements": ["KTP-el atau kartu identitas lain", "Kartu BPJS Kesehatan/KIS (pasien BPJS)",
                                 "Surat rujukan dari FKTP (pasien BPJS)", "Kartu berobat (pasien lama)"],
                "procedure": ["Ambil nomor antrean pendaftaran", "Serahkan berkas di loket pendaftaran",
                              "Verifikasi kepesertaan dan pembuatan SEP (pasien BPJS)",
                              "Pembayaran karcis (pasien umum)", "Menuju poliklinik tujuan"],
                "time_limit": (60, "minutes"), "fee": 25_000,
                "product": "Nomor registrasi dan antrean poliklinik",
                "legal_basis": "UU 17/2023 tentang Kesehatan; Perda Kota Kupang tentang Retribusi Jasa Umum",
                "staff": 6, "facilities": "Anjungan antrean, ruang tunggu, kursi roda, loket pendaftaran",
                "guarantee": "Pasien terdaftar paling lama 60 menit sejak mengambil nomor antrean",
                "target_time": 0.9,
            },
            {
                "days_ago": 90,
                "procedure": ["Ambil nomor antrean pendaftaran (anjungan mandiri atau Mobile JKN)",
                              "Serahkan berkas di loket pendaftaran",
                              "Verifikasi kepesertaan dan pembuatan SEP (pasien BPJS)",
                              "Pembayaran karcis di kasir (pasien umum)", "Menuju poliklinik tujuan"],
                "change_note": "Antrean melalui Mobile JKN; pembayaran karcis dipindah ke kasir.",
            },
        ],
        "counters": ["RS-01", "RS-02"],
        "sim": {"per_day": 110, "wait": (38, 0.45), "handle": (6, 0.4),
                "sat": [3.0, 2.8, 2.1, 3.0, 3.0, 3.0, 2.9, 2.0, 2.7]},
    },
    {
        "unit": "rsud-sk-lerik", "slug": "surat-keterangan-sehat", "name": "Surat Keterangan Sehat",
        "name_en": "Health certificate",
        "description": "Pemeriksaan kesehatan umum dan penerbitan surat keterangan sehat.",
        "versions": [
            {
                "requirements": ["KTP-el", "Pas foto 3x4 (1 lembar)"],
                "procedure": ["Pendaftaran di loket", "Pembayaran retribusi di kasir", "Pemeriksaan oleh dokter umum",
                              "Penerbitan surat keterangan sehat"],
                "time_limit": (2, "hours"), "fee": 50_000, "product": "Surat Keterangan Sehat",
                "legal_basis": "Perda Kota Kupang tentang Retribusi Jasa Umum", "staff": 3,
                "facilities": "Ruang periksa, timbangan, tensimeter, ruang tunggu",
                "guarantee": "Surat keterangan sehat selesai paling lama 2 jam",
            },
        ],
        "counters": ["RS-03"],
        "sim": {"per_day": 22, "wait": (20, 0.5), "handle": (25, 0.35),
                "sat": [3.3, 3.2, 3.1, 3.1, 3.3, 3.4, 3.3, 3.0, 3.1]},
    },
    {
        "unit": "dinkes-kupang", "slug": "sertifikat-laik-higiene", "name": "Sertifikat Laik Higiene Sanitasi (SLHS)",
        "name_en": "Hygiene and sanitation certificate",
        "description": "SLHS untuk depot air minum, jasa boga, rumah makan dan restoran.",
        "versions": [
            {
                "requirements": ["Fotokopi KTP-el pemilik", "NIB", "Hasil uji laboratorium sampel air/makanan",
                                 "Sertifikat kursus higiene sanitasi penjamah makanan", "Denah lokasi usaha"],
                "procedure": ["Pendaftaran di loket Dinas Kesehatan", "Verifikasi berkas",
                              "Inspeksi kesehatan lingkungan oleh sanitarian", "Penerbitan SLHS"],
                "time_limit": (7, "working_days"), "fee": 0, "product": "Sertifikat Laik Higiene Sanitasi",
                "legal_basis": "Permenkes 2/2023; Permenkes 14/2021", "staff": 2,
                "facilities": "Loket pelayanan, ruang tunggu",
                "guarantee": "SLHS terbit paling lama 7 hari kerja setelah inspeksi memenuhi syarat",
            },
        ],
        "counters": ["DKS-01"],
        "sim": {"per_day": 4, "wait": (8, 0.5), "handle": (15, 0.35), "days": (5, 1.0, 0.04, 3),
                "sat": [3.1, 3.1, 3.1, 3.8, 3.2, 3.3, 3.3, 3.1, 3.1]},
    },
    {
        "unit": "puskesmas-oesapa", "slug": "pemeriksaan-umum-puskesmas", "name": "Pemeriksaan Umum (Poli Umum)",
        "name_en": "General consultation",
        "description": "Pemeriksaan kesehatan umum di Puskesmas Oesapa.",
        "versions": [
            {
                "requirements": ["KTP-el atau Kartu Keluarga", "Kartu BPJS Kesehatan/KIS (bila ada)"],
                "procedure": ["Ambil nomor antrean", "Pendaftaran dan pengambilan rekam medis",
                              "Pemeriksaan tanda vital", "Pemeriksaan oleh dokter", "Pengambilan obat di apotek"],
                "time_limit": (90, "minutes"), "fee": 0, "product": "Pelayanan pemeriksaan dan resep obat",
                "legal_basis": "UU 17/2023 tentang Kesehatan; Permenkes 19/2024 tentang Puskesmas", "staff": 5,
                "facilities": "Ruang tunggu, ruang periksa, apotek, toilet, jalur kursi roda",
                "guarantee": "Pasien dilayani paling lama 90 menit sejak mendaftar",
            },
        ],
        "counters": ["PKM-01"],
        "sim": {"per_day": 65, "wait": (25, 0.5), "handle": (12, 0.4),
                "sat": [3.4, 3.4, 3.2, 3.9, 3.4, 3.4, 3.5, 3.2, 3.2]},
    },
    {
        "unit": "puskesmas-oesapa", "slug": "imunisasi-anak", "name": "Imunisasi Dasar Anak",
        "name_en": "Child immunisation",
        "description": "Imunisasi dasar lengkap bagi bayi dan balita.",
        "versions": [
            {
                "requirements": ["Buku KIA (Kesehatan Ibu dan Anak)", "Kartu Keluarga"],
                "procedure": ["Ambil nomor antrean", "Penimbangan dan pengukuran", "Pemeriksaan oleh bidan",
                              "Pemberian imunisasi", "Pencatatan di buku KIA"],
                "time_limit": (45, "minutes"), "fee": 0, "product": "Imunisasi dan catatan di buku KIA",
                "legal_basis": "Permenkes 12/2017 tentang Penyelenggaraan Imunisasi", "staff": 3,
                "facilities": "Ruang KIA, lemari pendingin vaksin, ruang laktasi, area bermain anak",
                "guarantee": "Imunisasi diberikan pada hari kunjungan sesuai jadwal",
            },
        ],
        "counters": ["PKM-02"],
        "sim": {"per_day": 22, "wait": (12, 0.5), "handle": (8, 0.35),
                "sat": [3.5, 3.5, 3.4, 3.9, 3.5, 3.5, 3.6, 3.3, 3.3]},
    },
    {
        "unit": "kecamatan-kelapa-lima", "slug": "surat-keterangan-ahli-waris", "name": "Surat Keterangan Ahli Waris",
        "name_en": "Certificate of heirs",
        "description": "Pengesahan surat keterangan ahli waris oleh Camat.",
        "versions": [
            {
                "requirements": ["Surat pernyataan ahli waris bermaterai", "Akta kematian pewaris",
                                 "Fotokopi KTP-el dan KK seluruh ahli waris", "Surat pengantar lurah"],
                "procedure": ["Pendaftaran di loket kecamatan", "Verifikasi berkas oleh Kasi Pemerintahan",
                              "Pemanggilan para ahli waris", "Penandatanganan oleh Camat",
                              "Penyerahan surat keterangan"],
                "time_limit": (3, "working_days"), "fee": 0, "product": "Surat Keterangan Ahli Waris",
                "legal_basis": "PP 17/2018 tentang Kecamatan; Perwali Kota Kupang tentang pelimpahan kewenangan",
                "staff": 2, "facilities": "Loket pelayanan, ruang tunggu",
                "guarantee": "Selesai paling lama 3 hari kerja sejak berkas lengkap",
            },
        ],
        "counters": ["KLM-01"],
        "sim": {"per_day": 7, "wait": (10, 0.5), "handle": (15, 0.35), "days": (2, 0.8, 0.04, 2),
                "sat": [3.1, 3.1, 3.1, 3.8, 3.2, 3.3, 3.3, 3.1, 3.0]},
    },
    {
        "unit": "kecamatan-kelapa-lima", "slug": "izin-usaha-mikro-kecil", "name": "Izin Usaha Mikro dan Kecil (IUMK)",
        "name_en": "Micro and small business permit",
        "description": "Pendampingan dan penerbitan IUMK/NIB bagi usaha mikro di kecamatan.",
        "versions": [
            {
                "requirements": ["Fotokopi KTP-el", "Fotokopi Kartu Keluarga", "Surat pengantar RT/RW",
                                 "Pas foto 4x6 (2 lembar)"],
                "procedure": ["Pendaftaran di loket kecamatan", "Verifikasi berkas", "Input data di OSS",
                              "Penyerahan IUMK/NIB"],
                "time_limit": (1, "working_days"), "fee": 0, "product": "IUMK / Nomor Induk Berusaha (NIB)",
                "legal_basis": "PP 7/2021; Perpres 98/2014 tentang Perizinan untuk Usaha Mikro dan Kecil",
                "staff": 2, "facilities": "Loket pelayanan, komputer dan akses internet",
                "guarantee": "IUMK/NIB terbit paling lama 1 hari kerja",
            },
        ],
        "counters": ["KLM-01", "KLM-02"],
        "sim": {"per_day": 10, "wait": (10, 0.5), "handle": (20, 0.35), "days": (0, 0.5, 0.03, 2),
                "sat": [3.3, 3.3, 3.3, 3.9, 3.3, 3.3, 3.4, 3.1, 3.1]},
    },
    {
        "unit": "kantor-penghubung-jakarta", "slug": "legalisasi-dokumen", "name": "Legalisasi Dokumen Kependudukan",
        "name_en": "Legalisation of civil documents",
        "description": "Legalisasi fotokopi dokumen kependudukan bagi warga Kota Kupang di Jabodetabek.",
        "versions": [
            {
                "requirements": ["Dokumen asli (KK, akta kelahiran atau akta perkawinan)", "Fotokopi dokumen",
                                 "Fotokopi KTP-el pemohon"],
                "procedure": ["Ambil nomor antrean", "Serahkan dokumen asli dan fotokopi",
                              "Pencocokan dengan dokumen asli", "Pembubuhan cap dan tanda tangan",
                              "Penyerahan dokumen"],
                "time_limit": (30, "minutes"), "fee": 0, "product": "Fotokopi dokumen yang dilegalisasi",
                "legal_basis": "Permendagri 108/2019; Perwali Kota Kupang tentang Kantor Penghubung", "staff": 1,
                "facilities": "Ruang tunggu, loket pelayanan",
                "guarantee": "Legalisasi selesai paling lama 30 menit",
            },
        ],
        "counters": ["KPJ-01"],
        "sim": {"per_day": 8, "wait": (6, 0.5), "handle": (6, 0.35),
                "sat": [3.3, 3.4, 3.4, 3.9, 3.3, 3.3, 3.4, 3.1, 3.0]},
    },
]

# code, unit, name
COUNTERS = [
    ("DKP-01", "disdukcapil-kupang", "Loket 1 Perekaman KTP-el"),
    ("DKP-02", "disdukcapil-kupang", "Loket 2 KTP-el dan KK"),
    ("DKP-03", "disdukcapil-kupang", "Loket 3 Pencatatan Sipil"),
    ("PTSP-01", "dpmptsp-kupang", "Loket 1 Perizinan Bangunan dan Kesehatan"),
    ("PTSP-02", "dpmptsp-kupang", "Loket 2 Perizinan Usaha dan Reklame"),
    ("RS-01", "rsud-sk-lerik", "Loket Pendaftaran Pasien Umum"),
    ("RS-02", "rsud-sk-lerik", "Loket Pendaftaran Pasien BPJS"),
    ("RS-03", "rsud-sk-lerik", "Loket Surat Keterangan"),
    ("DKS-01", "dinkes-kupang", "Loket Pelayanan Dinas Kesehatan"),
    ("PKM-01", "puskesmas-oesapa", "Loket Pendaftaran Puskesmas"),
    ("PKM-02", "puskesmas-oesapa", "Ruang KIA dan Imunisasi"),
    ("KLM-01", "kecamatan-kelapa-lima", "Loket PATEN 1"),
    ("KLM-02", "kecamatan-kelapa-lima", "Loket PATEN 2"),
    ("KPJ-01", "kantor-penghubung-jakarta", "Loket Pelayanan Warga"),
]

# When each counter is staffed in the simulation, so that the staffing plan (issue 29) has hours to compare with:
# {counter code: {weekday (0 = Monday): (first hour open, last hour open)}}, e.g. (10, 15) = 10:00-16:00; a counter
# or weekday not listed is open 08:00-16:00.
# Every service keeps at least one counter open in every hour.
ROSTER = {
    # Its officer scans the day's KTP-el files first: opens at 10:00, on Friday only until 11:00 (Friday prayers).
    "DKP-02": {0: (10, 15), 1: (10, 15), 2: (10, 15), 3: (10, 15), 4: (10, 10)},
    "RS-02": {day: (9, 15) for day in range(5)},  # the BPJS registration desk opens at 09:00
    "KLM-02": {0: (8, 11), 2: (8, 11), 4: (8, 10)},  # mornings only, on Monday, Wednesday and Friday
}


def open_at(code: str, weekday: int, hour: int) -> bool:
    """Whether counter `code` is staffed at `hour` (local, 8..15) on `weekday` in the simulation (ROSTER)."""
    first, last = ROSTER.get(code, {}).get(weekday, (8, 15))
    return first <= hour <= last


# username, password, role, units, display name — DEMO PASSWORDS: change them before any real use.
ACCOUNTS = [
    ("admin", "demo-admin-2026", "admin", [], "Administrator (demo)"),
    ("kadis.dukcapil", "demo-kepala-2026", "head", ["disdukcapil-kupang"], "Kepala Disdukcapil (demo)"),
    ("kadis.kesehatan", "demo-kepala-2026", "head", ["dinkes-kupang", "puskesmas-oesapa"],
     "Kepala Dinas Kesehatan (demo)"),
    ("manajer.ptsp", "demo-manajer-2026", "manager", ["dpmptsp-kupang"], "Manajer Mutu DPMPTSP (demo)"),
    ("manajer.rsud", "demo-manajer-2026", "manager", ["rsud-sk-lerik"], "Manajer Pelayanan RSUD (demo)"),
    ("petugas.dukcapil", "demo-petugas-2026", "officer", ["disdukcapil-kupang"], "Petugas Loket Disdukcapil (demo)"),
    ("petugas.rsud", "demo-petugas-2026", "officer", ["rsud-sk-lerik"], "Petugas Pendaftaran RSUD (demo)"),
]

# Approvers of standards per unit (by account); falls back to the admin.
APPROVER = {"disdukcapil-kupang": "kadis.dukcapil", "dinkes-kupang": "kadis.kesehatan",
            "puskesmas-oesapa": "kadis.kesehatan"}
