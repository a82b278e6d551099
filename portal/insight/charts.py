"""Server-side SVG charts (matplotlib, Agg backend, deterministic ids), cached by content in each process.

Each chart is keyed by its name and a hash of exactly the data it draws (the data version), so a chart is
rendered once per distinct data and never served stale. Every chart has a table equivalent on the page.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from typing import Any

import anyio
import matplotlib

from portal.cache import TTLCache

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from portal.formatting import number  # noqa: E402
from portal.locale import gettext  # noqa: E402
from portal.security import svg_without_inline_css  # noqa: E402

CACHE_SECONDS = 7 * 24 * 3600
_LOCK = threading.Lock()  # rcParams are process-global: render one chart at a time
COLOURS = {"line": "#0b5394", "limit": "#a4161a", "soft": "#8aa4bf", "weak": "#a4161a", "bar": "#0b5394",
           "target": "#1e6b34"}


def _svg(fig: Figure, salt: str, title: str) -> str:
    with _LOCK, matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Title": title})
    text = buffer.getvalue()
    start = text.find("<svg")
    svg = text[start:]
    # Accessible inline SVG: a role and a name; the table beside it carries the numbers.
    return svg_without_inline_css(svg.replace("<svg ", f'<svg role="img" aria-label="{_escape(title)}" ', 1))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


FONT = 13  # points at 72 per inch; figures are 4.6 inches (331 px) wide: about 1:1 on a phone, text 13 px


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height))
    return fig


def _style(ax) -> None:
    ax.tick_params(labelsize=FONT)
    ax.xaxis.label.set_size(FONT)
    ax.yaxis.label.set_size(FONT)
    ax.spines[["top", "right"]].set_visible(False)


def _percent_axis(ax, values: list, lang: str, axis: str = "y") -> None:
    """Percent ticks (0-100 %, decimal comma in Indonesian) on limits that fit the data with a margin."""
    seen = [v for v in values if v is not None and v == v]
    lo, hi = (min(seen), max(seen)) if seen else (0.0, 1.0)
    pad = max(0.02, (hi - lo) * 0.12)
    lo, hi = max(0.0, lo - pad), min(1.0, hi + pad)
    if hi - lo < 0.05:
        mid = (lo + hi) / 2
        lo, hi = max(0.0, mid - 0.025), min(1.0, mid + 0.025)
    digits = 0 if hi - lo >= 0.1 else 1
    formatter = FuncFormatter(lambda v, _pos: number(v * 100, digits, lang) + " %")
    if axis == "y":
        ax.set_ylim(lo, hi)
        ax.yaxis.set_major_formatter(formatter)
        ax.yaxis.set_major_locator(MaxNLocator(5))
    else:
        ax.set_xlim(lo, hi)
        ax.xaxis.set_major_formatter(formatter)
        ax.xaxis.set_major_locator(MaxNLocator(5))


def _decimal_axis(ax, lang: str, digits: int, axis: str = "x") -> None:
    formatter = FuncFormatter(lambda v, _pos: number(v, digits, lang))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(formatter)


def nrr_chart(unsur: list[dict], title: str, lang: str = "id") -> str:
    fig = _figure(4.6, 3.4)
    ax = fig.add_subplot()
    labels = [u["code"] for u in unsur]
    values = [u["nrr"] or 0.0 for u in unsur]
    colours = [COLOURS["weak"] if u["weakest"] else COLOURS["bar"] for u in unsur]
    ax.barh(labels[::-1], values[::-1], color=colours[::-1])
    ax.set_xlim(1, 4)
    for x, name in ((2.6, "C"), (3.0644, "B"), (3.5324, "A")):
        ax.axvline(x, color=COLOURS["soft"], linewidth=0.8, linestyle="--")
        ax.text(x, len(labels) - 0.4, name, color="#555555", fontsize=FONT)
    ax.set_xlabel("NRR (1–4)")
    _decimal_axis(ax, lang, 1)
    _style(ax)
    return _svg(fig, "nrr", title)


def pchart_chart(chart: dict, title: str, lang: str = "id") -> str:
    fig = _figure(4.6, 3.0)
    ax = fig.add_subplot()
    pts = chart["points"]
    x = list(range(len(pts)))
    nanify = [float("nan") if v is None else v for v in (p["p"] for p in pts)]
    ax.plot(x, nanify, marker="o", color=COLOURS["line"], linewidth=1.2, markersize=3)
    ax.step(x, [p["ucl"] if p["ucl"] is not None else float("nan") for p in pts], where="mid",
            color=COLOURS["limit"], linewidth=0.8)
    ax.step(x, [p["lcl"] if p["lcl"] is not None else float("nan") for p in pts], where="mid",
            color=COLOURS["limit"], linewidth=0.8)
    if chart["center"] is not None:
        ax.axhline(chart["center"], color=COLOURS["soft"], linewidth=0.8)
    signalled = {s["label"] for s in chart["signals"]}
    for i, p in enumerate(pts):
        if p["label"] in signalled and p["p"] is not None:
            ax.plot([i], [p["p"]], marker="o", markersize=7, markerfacecolor="none", color=COLOURS["limit"])
    step = max(1, -(-len(pts) // 6))
    ax.set_xticks(x[::step], [p["label"] for p in pts][::step], rotation=30, ha="right")
    _percent_axis(ax, [p["p"] for p in pts] + [p["ucl"] for p in pts] + [p["lcl"] for p in pts], lang)
    _style(ax)
    return _svg(fig, "pchart", title)


def funnel_chart(data: dict, title: str, lang: str = "id") -> str:
    fig = _figure(4.6, 3.4)
    ax = fig.add_subplot()
    rows = sorted(data["rows"], key=lambda r: r["n"])
    ns = [r["n"] for r in rows]
    ax.plot(ns, [r["p"] for r in rows], "o", color=COLOURS["line"], markersize=4)
    for r in rows:
        ax.annotate(r["label"], (r["n"], r["p"]), fontsize=FONT - 1, xytext=(3, 3), textcoords="offset points")
    ax.plot(ns, [r["lo95"] for r in rows], color=COLOURS["soft"], linewidth=0.8, linestyle="--")
    ax.plot(ns, [r["hi95"] for r in rows], color=COLOURS["soft"], linewidth=0.8, linestyle="--")
    ax.plot(ns, [r["lo998"] for r in rows], color=COLOURS["limit"], linewidth=0.8)
    ax.plot(ns, [r["hi998"] for r in rows], color=COLOURS["limit"], linewidth=0.8)
    ax.axhline(data["p0"], color=COLOURS["target"], linewidth=0.8)
    ax.set_xlabel("n")
    _decimal_axis(ax, lang, 0)
    _percent_axis(ax, [r["p"] for r in rows] + [r["lo998"] for r in rows] + [r["hi998"] for r in rows]
                  + [data["p0"]], lang)
    _style(ax)
    return _svg(fig, "funnel", title)


def trend_chart(trend: list[dict], title: str, lang: str = "id") -> str:
    fig = _figure(4.6, 4.2)
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    x = list(range(len(trend)))
    ikm = [t["satisfaction"]["ikm"] for t in trend]
    lo = [t["satisfaction"]["ci95"][0] if t["satisfaction"]["ci95"] else None for t in trend]
    hi = [t["satisfaction"]["ci95"][1] if t["satisfaction"]["ci95"] else None for t in trend]
    for i in x:
        if lo[i] is not None:
            ax1.plot([i, i], [lo[i], hi[i]], color=COLOURS["soft"], linewidth=2)
    ax1.plot(x, [float("nan") if v is None else v for v in ikm], marker="o", color=COLOURS["line"], markersize=3)
    ax1.set_ylabel("IKM")
    seen = [v for v in ikm + lo + hi if v is not None]
    ax1.set_ylim(max(25.0, min(seen) - 3) if seen else 25.0, min(100.0, max(seen) + 3) if seen else 100.0)
    _decimal_axis(ax1, lang, 0, "y")
    rate = [t["time"]["rate"] for t in trend]
    ax2.plot(x, [float("nan") if v is None else v for v in rate], marker="s", color=COLOURS["target"], markersize=3)
    _percent_axis(ax2, rate, lang)
    ax2.set_ylabel(gettext(lang, "On time"))
    step = max(1, -(-len(trend) // 6))
    ax2.set_xticks(x[::step], [t["label"] for t in trend][::step], rotation=30, ha="right")
    for ax in (ax1, ax2):
        _style(ax)
    return _svg(fig, "trend", title)


RENDERERS = {"nrr": nrr_chart, "pchart": pchart_chart, "funnel": funnel_chart, "trend": trend_chart}


def cache_key(name: str, data: Any, title: str) -> str:
    blob = json.dumps([name, data, title], sort_keys=True, default=str, separators=(",", ":"))
    return f"chart2:{name}:{hashlib.sha256(blob.encode()).hexdigest()}"


_RENDERED = TTLCache(CACHE_SECONDS, maxsize=512)


async def render(name: str, data: Any, title: str, lang: str = "id") -> str:
    """The SVG of chart `name` for `data` in `lang` (key = content hash + language), drawn in a worker thread
    the first time and kept in this process: a page view writes nothing to a shared store."""
    key = cache_key(name, [data, lang], title)
    svg = _RENDERED.get(key, None)
    if svg is None:
        svg = await anyio.to_thread.run_sync(RENDERERS[name], data, title, lang)
        _RENDERED.put(key, svg)
    return svg
