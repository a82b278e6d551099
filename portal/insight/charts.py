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

from portal.security import svg_without_inline_css  # noqa: E402

CACHE_SECONDS = 7 * 24 * 3600
_LOCK = threading.Lock()  # rcParams are process-global: render one chart at a time
COLOURS = {"line": "#0b5394", "limit": "#a4161a", "soft": "#8aa4bf", "weak": "#a4161a", "bar": "#0b5394",
           "target": "#1e6b34"}


def _svg(fig: Figure, salt: str, title: str) -> str:
    with _LOCK, matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none", "font.size": 9}):
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Title": title})
    text = buffer.getvalue()
    start = text.find("<svg")
    svg = text[start:]
    # Accessible inline SVG: a role and a name; the table beside it carries the numbers.
    return svg_without_inline_css(svg.replace("<svg ", f'<svg role="img" aria-label="{_escape(title)}" ', 1))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def nrr_chart(unsur: list[dict], title: str) -> str:
    fig = Figure(figsize=(6.0, 3.0))
    ax = fig.add_subplot()
    labels = [u["code"] for u in unsur]
    values = [u["nrr"] or 0.0 for u in unsur]
    colours = [COLOURS["weak"] if u["weakest"] else COLOURS["bar"] for u in unsur]
    ax.barh(labels[::-1], values[::-1], color=colours[::-1])
    ax.set_xlim(1, 4)
    for x, name in ((2.6, "C"), (3.0644, "B"), (3.5324, "A")):
        ax.axvline(x, color=COLOURS["soft"], linewidth=0.8, linestyle="--")
        ax.text(x, len(labels) - 0.4, name, color=COLOURS["soft"], fontsize=8)
    ax.set_xlabel("NRR (1-4)")
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "nrr", title)


def pchart_chart(chart: dict, title: str) -> str:
    fig = Figure(figsize=(6.5, 2.8))
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
    step = max(1, len(pts) // 8)
    ax.set_xticks(x[::step], [p["label"] for p in pts][::step], rotation=30, ha="right")
    ax.set_ylim(-0.02, 1.02)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "pchart", title)


def funnel_chart(data: dict, title: str) -> str:
    fig = Figure(figsize=(6.0, 3.2))
    ax = fig.add_subplot()
    rows = sorted(data["rows"], key=lambda r: r["n"])
    ns = [r["n"] for r in rows]
    ax.plot(ns, [r["p"] for r in rows], "o", color=COLOURS["line"], markersize=4)
    for r in rows:
        ax.annotate(r["label"], (r["n"], r["p"]), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.plot(ns, [r["lo95"] for r in rows], color=COLOURS["soft"], linewidth=0.8, linestyle="--")
    ax.plot(ns, [r["hi95"] for r in rows], color=COLOURS["soft"], linewidth=0.8, linestyle="--")
    ax.plot(ns, [r["lo998"] for r in rows], color=COLOURS["limit"], linewidth=0.8)
    ax.plot(ns, [r["hi998"] for r in rows], color=COLOURS["limit"], linewidth=0.8)
    ax.axhline(data["p0"], color=COLOURS["target"], linewidth=0.8)
    ax.set_xlabel("n")
    ax.set_ylim(-0.02, 1.02)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "funnel", title)


def trend_chart(trend: list[dict], title: str) -> str:
    fig = Figure(figsize=(6.5, 3.4))
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
    ax1.set_ylim(25, 100)
    rate = [t["time"]["rate"] for t in trend]
    ax2.plot(x, [float("nan") if v is None else v for v in rate], marker="s", color=COLOURS["target"], markersize=3)
    ax2.set_ylim(-0.02, 1.02)
    ax2.set_ylabel("%")
    step = max(1, len(trend) // 8)
    ax2.set_xticks(x[::step], [t["label"] for t in trend][::step], rotation=30, ha="right")
    for ax in (ax1, ax2):
        ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "trend", title)


RENDERERS = {"nrr": nrr_chart, "pchart": pchart_chart, "funnel": funnel_chart, "trend": trend_chart}


def cache_key(name: str, data: Any, title: str) -> str:
    blob = json.dumps([name, data, title], sort_keys=True, default=str, separators=(",", ":"))
    return f"chart2:{name}:{hashlib.sha256(blob.encode()).hexdigest()}"


_RENDERED = TTLCache(CACHE_SECONDS, maxsize=512)


async def render(store, name: str, data: Any, title: str) -> str:
    """The SVG of chart `name` for `data` (key = content hash), drawn in a worker thread the first time and kept
    in this process: a page view writes nothing to a shared store (`store` is no longer used)."""
    key = cache_key(name, data, title)
    svg = _RENDERED.get(key, None)
    if svg is None:
        svg = await anyio.to_thread.run_sync(RENDERERS[name], data, title)
        _RENDERED.put(key, svg)
    return svg
