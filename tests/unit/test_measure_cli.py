"""Tests of the `portal ikm` and `portal sample-size` commands through an argparse parser built here."""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from portal.measure import commands

DATA = Path(__file__).resolve().parent / "data" / "worked_n29.csv"
REPO = Path(__file__).resolve().parents[2]


def run(argv, capsys):
    parser = argparse.ArgumentParser(prog="portal")
    sub = parser.add_subparsers(dest="command")
    commands.register(sub)
    args = parser.parse_args(argv)
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_ikm_text(capsys):
    code, out, _ = run(["ikm", str(DATA)], capsys)
    assert code == 0
    assert "n = 29" in out and "IKM = 91.48" in out and "category A (sangat baik / very good)" in out
    assert "NRR 3.6207" in out and "95% interval" in out and "Cronbach's alpha" in out


@pytest.mark.parametrize(("weight", "ikm"), [("exact", 91.48), ("0.11", 90.56), ("0.111", 91.38)])
def test_ikm_json(capsys, weight, ikm):
    code, out, _ = run(["ikm", str(DATA), "--weight", weight, "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert set(d) == {"n", "nrr", "ikm", "category", "ci95", "cronbach_alpha"}
    assert d["n"] == 29 and round(d["ikm"], 2) == ikm and d["category"] == "A"
    assert len(d["nrr"]) == 9 and d["nrr"][3] == 4.0 and d["nrr"][0] == 105 / 29
    assert d["ci95"][0] < d["ikm"] < d["ci95"][1]


def test_ikm_per_service(tmp_path, capsys):
    p = tmp_path / "s.csv"
    p.write_text("service,u1,u2,u3,u4,u5,u6,u7,u8,u9\nKTP,4,4,4,4,4,4,4,4,4\nKK,2,2,2,2,2,2,2,2,2\n"
                 "KTP,3,3,3,3,3,3,3,3,3\n")
    code, out, _ = run(["ikm", str(p), "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and [x["service"] for x in d] == ["KTP", "KK"]
    assert d[0]["ikm"] == 87.5 and d[1]["ikm"] == 50.0 and d[1]["category"] == "D"
    code, out, _ = run(["ikm", str(p)], capsys)
    assert "Service: KTP" in out and "Service: KK" in out


def test_ikm_bad_file(tmp_path, capsys):
    p = tmp_path / "bad.csv"
    p.write_text("u1,u2,u3,u4,u5,u6,u7,u8,u9\n5,4,4,4,4,4,4,4,4\n4,abc,4,4,4,4,4,4,4\n")
    code, out, err = run(["ikm", str(p)], capsys)
    assert code == 2 and out == ""
    assert "row 2, column u1: score 5 outside 1-4" in err
    assert "row 3, column u2:" in err
    code, _, err = run(["ikm", str(tmp_path / "missing.csv")], capsys)
    assert code == 2 and "not found" in err


def test_sample_size(capsys):
    code, out, _ = run(["sample-size", "1000", "--json"], capsys)
    assert code == 0 and json.loads(out) == {"population": 1000, "sample": 278}
    code, out, _ = run(["sample-size", "100"], capsys)
    assert code == 0 and "80" in out
    for bad in ("0", "-3", "abc", "1.5"):
        code, _, err = run(["sample-size", bad], capsys)
        assert code == 2 and "positive integer" in err


def test_commands_import_no_web_stack():
    code = ("import sys, portal.measure.commands; "
            "bad = [m for m in ('litestar', 'piccolo', 'jinja2', 'redis') if m in sys.modules]; "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == ""


def test_survey_has_no_web_imports():
    for f in (REPO / "survey").glob("*.py"):
        text = f.read_text()
        for mod in ("litestar", "piccolo", "jinja2", "redis", "portal"):
            assert f"import {mod}" not in text and f"from {mod}" not in text, (f.name, mod)


def test_python_m_portal_ikm_subprocess():
    out = subprocess.run([sys.executable, "-m", "portal", "ikm", str(DATA), "--json"], capture_output=True,
                         text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert round(d["ikm"], 2) == 91.48 and d["category"] == "A"
    bad = subprocess.run([sys.executable, "-m", "portal", "sample-size", "zero"], capture_output=True, text=True,
                         cwd=REPO, timeout=120)
    assert bad.returncode == 2 and "positive integer" in bad.stderr


def test_ikm_not_a_csv_and_empty(tmp_path, capsys):
    p = tmp_path / "book.xlsx"
    p.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xff\xfe\x80\x81")
    code, _, err = run(["ikm", str(p)], capsys)
    assert code == 2 and "UTF-8 CSV" in err
    e = tmp_path / "empty.csv"
    e.write_text("")
    code, _, err = run(["ikm", str(e)], capsys)
    assert code == 2 and err.startswith("row 1, column u1:")


def test_display_rounding_matches_category(capsys, tmp_path):
    # every NRR = 3.0642 exactly -> IKM 76.605 exactly -> displayed 76.61 (half up), band B
    rows = ["4"] * 321 + ["3"] * 4679
    p = tmp_path / "mid.csv"
    p.write_text("u1,u2,u3,u4,u5,u6,u7,u8,u9\n" + "\n".join(",".join([v] * 9) for v in rows) + "\n")
    code, out, _ = run(["ikm", str(p)], capsys)
    assert code == 0 and "IKM = 76.61" in out and "category B" in out
