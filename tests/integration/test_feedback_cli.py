"""`portal import-paper` and `portal posters` run as a user would: the real CLI in a subprocess on its own
embedded database (so the session's engine binding is left alone)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.integration.test_feedback_posters import decode, rasterise

REPO = Path(__file__).resolve().parents[2]

SEED = textwrap.dedent("""
    from portal.cli import apply_migrations, run_with_db
    from tests.factories import make_counter, make_service, make_unit

    async def work(settings):
        await apply_migrations(settings)
        unit = await make_unit(name="Puskesmas CLI", maklumat_text="Kami siap.")
        service = await make_service(unit, name="Pemeriksaan Umum")
        await make_counter(unit, [service], code="CLI1", name="Loket A")
        await make_counter(unit, [service], code="CLI2", name="Loket B")
        print(unit["slug"], service["slug"])

    run_with_db(work)
""")

COUNT = textwrap.dedent("""
    from portal.cli import run_with_db
    from portal.db.tables import SurveyResponse

    async def work(settings):
        rows = await SurveyResponse.select(SurveyResponse.channel, SurveyResponse.local_day).run()
        print(len(rows), sorted({str(r["local_day"]) for r in rows}), sorted({r["channel"] for r in rows}))

    run_with_db(work)
""")


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("cli-var")
    env = {**os.environ, "PORTAL_VAR_DIR": str(var_dir), "PORTAL_SECRET_KEY": "cli-secret-key-0123456789",
           "PORTAL_PUBLIC_URL": "https://layanan.cli.test"}
    env.pop("PORTAL_DATABASE_URL", None)
    env.pop("PORTAL_REDIS_URL", None)

    def run(*args: str, script: str | None = None) -> subprocess.CompletedProcess:
        command = [sys.executable, "-c", script] if script else [sys.executable, "-m", "portal", *args]
        return subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=60)

    seeded = run(script=SEED)
    assert seeded.returncode == 0, seeded.stderr
    unit_slug, service_slug = seeded.stdout.split()
    return {"run": run, "unit": unit_slug, "service": service_slug, "count": lambda: run(script=COUNT).stdout}


def test_import_paper_all_or_nothing(cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("u1,u2,u3,u4,u5,u6,u7,u8,u9\n4,4,4,4,4,4,4,4,4\n4,4,4,4,9,4,4,4,4\n")
    refused = cli["run"]("import-paper", str(bad), "--service", cli["service"], "--from", "2026-02-01",
                         "--to", "2026-02-28")
    assert refused.returncode == 1
    assert "row 3, column u5: score 9 outside 1-4" in refused.stderr and "nothing imported" in refused.stderr
    assert cli["count"]().startswith("0 ")
    good = tmp_path / "good.csv"
    good.write_text("u1,u2,u3,u4,u5,u6,u7,u8,u9,date\n4,4,4,4,4,4,4,4,4,2026-02-03\n3,3,3,3,3,3,3,3,3,\n")
    done = cli["run"]("import-paper", str(good), "--service", cli["service"], "--from", "2026-02-01",
                      "--to", "2026-02-28")
    assert done.returncode == 0, done.stderr
    assert re.match(r"imported 2 forms as batch \d+", done.stdout)
    assert cli["count"]().strip() == "2 ['2026-02-03', '2026-02-28'] ['paper']"
    unknown = cli["run"]("import-paper", str(good), "--service", "no-such-service", "--from", "2026-02-01",
                         "--to", "2026-02-28")
    assert unknown.returncode == 2 and "unknown service" in unknown.stderr


def test_posters_command_writes_decodable_qr_codes_and_one_page(cli, tmp_path):
    out = tmp_path / "posters"
    result = cli["run"]("posters", "--unit", cli["unit"], "--out", str(out))
    assert result.returncode == 0, result.stderr
    for code in ("CLI1", "CLI2"):
        assert decode(rasterise((out / f"{code}.svg").read_bytes())) == f"https://layanan.cli.test/c/{code}"
    html = (out / "posters.html").read_text()
    assert html.count('<article class="poster">') == 2 and "Loket A" in html and "Loket B" in html
    assert "Maklumat Pelayanan" in html and "layanan.cli.test/c/CLI2" in html
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # inline SVGs with unique ids
    missing = cli["run"]("posters", "--unit", "nope", "--out", str(out))
    assert missing.returncode == 2
