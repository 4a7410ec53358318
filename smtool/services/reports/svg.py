"""Bar and line charts as inline SVG, written by hand so an HTML report is one self-contained file
that prints the same everywhere. Every label is escaped: account names and handles come from
configuration and platforms."""

from __future__ import annotations

from html import escape

from smtool.services.reports.sheets import Chart

PALETTE = ("#1f5f8b", "#c0392b", "#27856a", "#b9770e", "#6c3483", "#2e4053", "#a04000", "#117a65")
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 34, 40
MAX_LABELS = 12


def _nice_max(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (at least 1)."""
    if value <= 1:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    return next(m * step for m in (1, 2, 5, 10) if m * step >= value)


def _tick(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f} %"
    return f"{value / 1000:g}k" if value >= 10000 else f"{value:g}"


def chart_svg(chart: Chart) -> str:
    """The chart as an <svg> element (with a <title> for screen readers)."""
    values = [v for _, series in chart.series for v in series]
    top = 1.0 if chart.percent else _nice_max(max(values, default=0.0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(chart.labels), 1)
    step = plot_w / count

    def y(value: float) -> float:
        return TOP + plot_h - (value / top) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="chart" aria-label="{escape(chart.title)}">',
        f"<title>{escape(chart.title)}</title>",
        f'<text x="{LEFT}" y="14" class="chart-title">{escape(chart.title)}</text>',
    ]
    for i in range(5):
        value = top * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
            f"{_tick(value, chart.percent)}</text>"
        )
    every = max(1, -(-len(chart.labels) // MAX_LABELS))
    for i, label in enumerate(chart.labels):
        if i % every == 0:
            x = LEFT + step * (i + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(label)}</text>'
            )
    for n, (name, series) in enumerate(chart.series):
        colour = PALETTE[n % len(PALETTE)]
        parts.append(
            f'<rect x="{LEFT + 130 * n}" y="{HEIGHT - 14}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{LEFT + 130 * n + 14}" y="{HEIGHT - 5}">{escape(name)}</text>'
        )
        if chart.kind == "line":
            points = " ".join(f"{LEFT + step * (i + 0.5):.1f},{y(v):.1f}" for i, v in enumerate(series))
            parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        else:
            width = step * 0.8 / max(len(chart.series), 1)
            for i, v in enumerate(series):
                x = LEFT + step * (i + 0.1) + width * n
                tip = escape(f"{chart.labels[i]}: {_tick(v, chart.percent)}")
                height = TOP + plot_h - y(v)
                parts.append(
                    f'<rect x="{x:.1f}" y="{y(v):.1f}" width="{width:.1f}" height="{height:.1f}" '
                    f'fill="{colour}"><title>{tip}</title></rect>'
                )
    parts.append("</svg>")
    return "".join(parts)
