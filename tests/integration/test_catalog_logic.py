"""Catalog logic without HTTP: search normalisation and ranking, version diff, version-in-force picking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.catalog.diff import compare, line_diff
from portal.catalog.queries import json_list, pick_in_force, pick_upcoming
from portal.catalog.search import normalize, search, words


def _service(name: str, unit: str = "Dinas Uji", requirements: tuple[str, ...] = ()) -> dict:
    return {"name": name, "name_en": "", "description": "", "unit": {"name": unit, "short_name": ""},
            "standard": {"requirements": list(requirements), "product": ""}}


def test_normalize_and_words():
    assert normalize("KTP-el  Asli") == " ktp el asli "
    assert words("Surat   Keterangan, Ahli-Waris") == ["surat", "keterangan", "ahli", "waris"]
    assert words("Pélayanan") == ["pelayanan"]


def test_search_every_word_and_name_first():
    akta = _service("Akta Kelahiran", requirements=("Surat keterangan lahir",))
    kk = _service("Kartu Keluarga", requirements=("Buku nikah atau akta perkawinan",))
    ktp = _service("KTP-el", unit="Disdukcapil", requirements=("Fotokopi KK",))
    services = [kk, ktp, akta]
    assert search(services, "akta") == [akta, kk]  # name match ranks above a requirement match
    assert search(services, "lahir") == [akta]  # part of a longer word: "kelahiran"
    assert search(services, "akta perkawinan") == [kk]  # every word must match
    assert search(services, "disdukcapil") == [ktp]  # the unit name
    assert search(services, "  ") == services
    assert search(services, "paspor") == []


def test_line_diff_and_compare():
    lines = line_diff(["A", "B", "C"], ["A", "C", "D"])
    assert [(line.kind, line.text) for line in lines] == [("same", "A"), ("removed", "B"), ("same", "C"),
                                                          ("added", "D")]
    old = {"version": 1, "time_limit_value": 60, "time_limit_unit": "minutes", "fee": 0, "product": "X",
           "requirements": ["KTP"], "procedure": ["Antre"]}
    new = {**old, "version": 2, "time_limit_value": 45, "fee": 5000, "requirements": ["KTP", "KK"]}
    diff = compare(old, new)
    fields = {c.field: (c.old, c.new) for c in diff.scalars}
    assert fields == {"time_limit": ((60, "minutes"), (45, "minutes")), "fee": (0, 5000)}
    assert diff.list_changed("requirements") and not diff.list_changed("procedure") and diff.changed
    assert not compare(old, {**old, "version": 3}).changed


def test_pick_in_force_and_upcoming():
    now = datetime.now(UTC)
    versions = [
        {"version": 1, "status": "approved", "effective_from": now - timedelta(days=100)},
        {"version": 2, "status": "approved", "effective_from": now - timedelta(days=10)},
        {"version": 3, "status": "approved", "effective_from": now + timedelta(days=10)},
        {"version": 4, "status": "draft", "effective_from": None},
    ]
    assert pick_in_force(versions, now)["version"] == 2
    assert pick_upcoming(versions, now)["version"] == 3
    assert pick_in_force(versions, now - timedelta(days=200)) is None
    assert json_list('["a", "b"]') == ["a", "b"] and json_list(["c"]) == ["c"] and json_list(None) == []
