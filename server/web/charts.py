"""Charts drawn on the server as SVG: no script, no inline style (colours come from
dashboard.css through classes), so a Content-Security-Policy of default-src 'self' holds and
the charts print. Each chart names the table that holds its numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

LABEL_WIDTH = 150
ROW_HEIGHT = 26
CHART_WIDTH = 560


@dataclass(frozen=True)
class Series:
    name: str  # legend text, zh_CN first
    values: Sequence[int]
    css: str  # class of the bars: c1, c2, c3


def _nice_max(value: float) -> float:
    """A round upper end for the axis (1, 2, 5 × 10^n) so ticks read easily."""
    if value <= 0:
        return 1
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if factor * step >= value:
            return factor * step
    return 10 * step


def _fmt(value: float) -> str:
    return f"{value:g}"


def _ticks(top_value: float) -> list[float]:
    """0, the middle (when it is a whole number: these are counts) and the top."""
    middle = top_value / 2
    return [0, middle, top_value] if middle == int(middle) else [0, top_value]


def _svg(width: int, height: int, title: str, body: list[str], table_id: str) -> Markup:
    head = (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-labelledby="{table_id}-title" '
            f'aria-describedby="{table_id}">')
    return Markup(head + f'<title id="{table_id}-title">{escape(title)}</title>' + "".join(body) + "</svg>")


def _legend(series: Sequence[Series], y: int) -> list[str]:
    parts, x = [], LABEL_WIDTH
    for s in series:
        parts.append(f'<rect class="{s.css}" x="{x}" y="{y - 10}" width="12" height="12"/>')
        parts.append(f'<text class="legend" x="{x + 16}" y="{y}">{escape(s.name)}</text>')
        x += 30 + 14 * len(s.name)
    return parts


def horizontal_bars(labels: Sequence[str], series: Sequence[Series], title: str, table_id: str) -> Markup:
    """One row per label, one bar per series in the row (grouped): categories, districts."""
    if not labels:
        return Markup("")
    per_row = ROW_HEIGHT + 8 * (len(series) - 1)
    top, plot = 28, CHART_WIDTH - LABEL_WIDTH - 50
    height = top + per_row * len(labels) + 10
    top_value = _nice_max(max((v for s in series for v in s.values), default=0))
    body = _legend(series, 16) if len(series) > 1 else []
    for tick in _ticks(top_value):
        x = LABEL_WIDTH + plot * tick / top_value
        body.append(f'<line class="grid" x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 8}"/>')
        body.append(f'<text class="tick" x="{x:.1f}" y="{height}" text-anchor="middle">{_fmt(tick)}</text>')
    bar = (per_row - 6) / len(series)
    for row, label in enumerate(labels):
        y = top + row * per_row
        body.append(f'<text class="label" x="{LABEL_WIDTH - 6}" y="{y + per_row / 2 + 4:.1f}" '
                    f'text-anchor="end">{escape(_clip(label))}</text>')
        for k, s in enumerate(series):
            value = s.values[row]
            w = plot * value / top_value
            by = y + 3 + k * bar
            body.append(f'<rect class="{s.css}" x="{LABEL_WIDTH}" y="{by:.1f}" width="{w:.1f}" '
                        f'height="{bar - 1:.1f}"><title>{escape(label)} {escape(s.name)}: {value}'
                        '</title></rect>')
            body.append(f'<text class="value" x="{LABEL_WIDTH + w + 4:.1f}" '
                        f'y="{by + bar / 2 + 3:.1f}">{value}</text>')
    return _svg(CHART_WIDTH, height + 4, title, body, table_id)


def columns(labels: Sequence[str], series: Sequence[Series], title: str, table_id: str) -> Markup:
    """Grouped columns over time (one group per label): the weekly trend."""
    if not labels:
        return Markup("")
    left, top, height = 40, 28, 220
    plot_w, plot_h = CHART_WIDTH - left - 10, height - top - 30
    top_value = _nice_max(max((v for s in series for v in s.values), default=0))
    body = _legend(series, 16)
    for tick in _ticks(top_value):
        y = top + plot_h - plot_h * tick / top_value
        body.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}"/>')
        body.append(f'<text class="tick" x="{left - 4}" y="{y + 4:.1f}" '
                    f'text-anchor="end">{_fmt(tick)}</text>')
    group = plot_w / len(labels)
    bar = (group - 6) / len(series)
    for i, label in enumerate(labels):
        x0 = left + i * group + 3
        for k, s in enumerate(series):
            value = s.values[i]
            h = plot_h * value / top_value
            body.append(f'<rect class="{s.css}" x="{x0 + k * bar:.1f}" y="{top + plot_h - h:.1f}" '
                        f'width="{bar - 1:.1f}" height="{h:.1f}"><title>{escape(label)} {escape(s.name)}: '
                        f'{value}</title></rect>')
        if i % 2 == 0 or len(labels) <= 8:
            body.append(f'<text class="tick" x="{x0 + group / 2 - 3:.1f}" y="{height - 12}" '
                        f'text-anchor="middle">{escape(label)}</text>')
    return _svg(CHART_WIDTH, height, title, body, table_id)


def _clip(text: str, limit: int = 10) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
