"""Charts: percent axes that fit the data (not a 0-1 sliver), Indonesian decimal commas, the language in the key."""

from __future__ import annotations

import re

from portal.insight import charts


def _ticks(svg: str) -> list[str]:
    return re.findall(r">\s*([0-9.,]+ %)\s*<", svg)


def test_pchart_axis_is_in_percent_and_fits_the_data():
    points = [{"label": f"2026-W{i:02d}", "k": 97, "n": 100, "p": 0.97 + (i % 3) / 100, "lcl": 0.94, "ucl": 0.995}
              for i in range(27, 40)]
    svg = charts.pchart_chart({"points": points, "center": 0.98, "signals": []}, "p-chart", "id")
    ticks = _ticks(svg)
    assert len(ticks) >= 3 and all("," in t for t in ticks)  # "97,5 %": the Indonesian decimal comma
    values = [float(t.removesuffix(" %").replace(",", ".")) for t in ticks]
    assert min(values) >= 85 and max(values) <= 100  # percent, fitted to the data: not a 0-1 sliver
    english = charts.pchart_chart({"points": points, "center": 0.98, "signals": []}, "p-chart", "en")
    assert all("." in t and "," not in t for t in _ticks(english))


def test_funnel_and_trend_use_percent_and_local_numbers():
    rows = [{"label": f"L{i}", "k": 950 + i, "n": 1000 + 1000 * i, "p": 0.95 + i / 200, "lo95": 0.94, "hi95": 0.97,
             "lo998": 0.93, "hi998": 0.98} for i in range(3)]
    svg = charts.funnel_chart({"rows": rows, "p0": 0.955}, "funnel", "id")
    assert _ticks(svg) and "2.000" in svg  # n axis with the Indonesian thousands separator
    trend = [{"label": "2026-07", "satisfaction": {"ikm": 82.5, "ci95": [81.0, 84.0]}, "time": {"rate": 0.97}},
             {"label": "2026-08", "satisfaction": {"ikm": 83.1, "ci95": [82.0, 84.2]}, "time": {"rate": 0.96}}]
    svg = charts.trend_chart(trend, "trend", "id")
    assert "Tepat waktu" in svg and _ticks(svg)
