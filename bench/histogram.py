"""A histogram of post offsets from T, as a self-contained SVG written by hand (no plotting lib)."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

WIDTH, HEIGHT = 800, 420
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 50, 60


def bins(offsets_ms: list[float], count: int = 40) -> tuple[float, float, list[int]]:
    """(start_ms, bin_width_ms, counts) covering min..max of the offsets in `count` bins."""
    if not offsets_ms:
        return 0.0, 1.0, []
    low, high = min(offsets_ms), max(offsets_ms)
    width = (high - low) / count if high > low else 1.0
    counts = [0] * count
    for value in offsets_ms:
        counts[min(count - 1, int((value - low) / width))] += 1
    return low, width, counts


def _nice_step(span: float, ticks: int = 6) -> float:
    raw = span / max(1, ticks)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def svg(offsets_ms: list[float], title: str, marks: dict[str, float] | None = None) -> str:
    """The SVG text; `marks` draws labelled vertical lines (e.g. p50, p99) at offsets in ms."""
    start, width, counts = bins(offsets_ms)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    low = min(0.0, start)
    high = start + width * len(counts) if counts else 1.0
    span = (high - low) or 1.0
    top = max(counts, default=1) or 1

    def x(ms: float) -> float:
        return LEFT + (ms - low) / span * plot_w

    def y(n: float) -> float:
        return TOP + plot_h - n / top * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="15">{escape(title)}</text>',
    ]
    for i, n in enumerate(counts):
        if n:
            x0, x1 = x(start + i * width), x(start + (i + 1) * width)
            out.append(
                f'<rect x="{x0:.1f}" y="{y(n):.1f}" width="{max(0.5, x1 - x0 - 1):.1f}" '
                f'height="{TOP + plot_h - y(n):.1f}" fill="#4a7bd0"><title>{n} posts, '
                f"{start + i * width:.0f}-{start + (i + 1) * width:.0f} ms</title></rect>"
            )
    axis_y = TOP + plot_h
    out.append(
        f'<line x1="{LEFT}" y1="{axis_y}" x2="{LEFT + plot_w}" y2="{axis_y}" stroke="#333"/>'
    )
    out.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{axis_y}" stroke="#333"/>')
    step = _nice_step(span)
    tick = math.ceil(low / step) * step
    while tick <= high + 1e-9:
        out.append(
            f'<line x1="{x(tick):.1f}" y1="{axis_y}" x2="{x(tick):.1f}" y2="{axis_y + 5}" '
            f'stroke="#333"/><text x="{x(tick):.1f}" y="{axis_y + 18}" '
            f'text-anchor="middle">{tick:g}</text>'
        )
        tick += step
    ystep = max(1, int(_nice_step(top, 5)))
    for n in range(0, top + 1, ystep):
        out.append(
            f'<text x="{LEFT - 8}" y="{y(n) + 4:.1f}" text-anchor="end">{n}</text>'
            f'<line x1="{LEFT - 4}" y1="{y(n):.1f}" x2="{LEFT}" y2="{y(n):.1f}" stroke="#333"/>'
        )
    out.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 18}" text-anchor="middle">'
        "offset from the release time T (ms, sandbox created_at)</text>"
    )
    out.append(
        f'<text x="18" y="{TOP + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 18 {TOP + plot_h / 2})">posts</text>'
    )
    for label, ms in {"T": 0.0, **(marks or {})}.items():
        if math.isfinite(ms) and low <= ms <= high:
            colour = "#c0392b" if label == "T" else "#27ae60"
            out.append(
                f'<line x1="{x(ms):.1f}" y1="{TOP}" x2="{x(ms):.1f}" y2="{axis_y}" '
                f'stroke="{colour}" stroke-dasharray="4 3"/>'
                f'<text x="{x(ms) + 3:.1f}" y="{TOP + 12}" fill="{colour}">{escape(label)}</text>'
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_svg(
    path: Path, offsets_ms: list[float], title: str, marks: dict[str, float] | None = None
) -> Path:
    path.write_text(svg(offsets_ms, title, marks), encoding="utf-8")
    return path
