"""Charts of a histogram (the `durations` report, and the paired bins of `compare`) and of
throughput over time: bars of text for the terminal and small SVGs written by hand for reports
and the web UI. Each SVG is an image with its title as accessible name (`role="img"`,
`<title>`), every label escaped."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from regista.insight.report import Report

__all__ = [
    "duration_label",
    "histogram_svg",
    "histogram_text",
    "paired_svg",
    "paired_text",
    "throughput_svg",
]


def duration_label(value: float | None) -> str:
    """Seconds as a short human duration (`90` -> `1.5m`)."""
    if value is None:
        return "-"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if abs(value) >= size:
            return f"{value / size:.1f}{unit}"
    return f"{value:.1f}s"


def histogram_text(report: Report, *, width: int = 40) -> str:
    """One line per bin: its range, a bar scaled to the largest bin, its count."""
    if not report.rows:
        return "no case has ended in this scope"
    top = max(int(r["count"]) for r in report.rows) or 1
    lines = []
    for row in report.rows:
        count = int(row["count"])
        bar = "█" * round(width * count / top)
        label = f"{duration_label(row['from'])} – {duration_label(row['to'])}"
        lines.append(f"{label:>18} │{bar:<{width}} {count}")
    return "\n".join(lines)


def histogram_svg(report: Report, *, title: str | None = None) -> str:
    """A bar chart of the bins as a standalone SVG document."""
    bars = report.rows
    width, height, margin = 640, 320, 48
    plot_w, plot_h = width - 2 * margin, height - 2 * margin
    top = max((int(r["count"]) for r in bars), default=0) or 1
    step = plot_w / max(len(bars), 1)
    parts = [
        _open(width, height, title or report.title),
        f'<line x1="{margin}" y1="{height - margin}" x2="{width - margin}" '
        f'y2="{height - margin}" stroke="black"/>',
    ]
    for index, row in enumerate(bars):
        count = int(row["count"])
        bar_h = plot_h * count / top
        x = margin + index * step
        y = height - margin - bar_h
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" '
            f'height="{bar_h:.1f}" fill="#4477aa"><title>'
            f"{escape(duration_label(row['from']))} – {escape(duration_label(row['to']))}: "
            f"{count}</title></rect>"
        )
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{count}</text>'
        )
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{height - margin + 14}" text-anchor="middle">'
            f"{escape(duration_label(row['from']))}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def paired_text(rows: list[dict[str, Any]], *, width: int = 30) -> str:
    """The shared bins of a comparison (`compare`'s `histogram`): two bars per bin, `from`
    (░) above `to` (█), scaled to the largest count of either side."""
    if not rows:
        return "no case has ended on either side"
    top = max(max(int(r["count_from"]), int(r["count_to"])) for r in rows) or 1
    lines = []
    for row in rows:
        label = f"{duration_label(row['from'])} – {duration_label(row['to'])}"
        for side, mark, head in (("from", "░", label), ("to", "█", "")):
            count = int(row[f"count_{side}"])
            bar = mark * round(width * count / top)
            lines.append(f"{head:>18} {side:>4} │{bar:<{width}} {count}")
    return "\n".join(lines)


def paired_svg(rows: list[dict[str, Any]], *, title: str) -> str:
    """The shared bins of a comparison as grouped bars (`from` light, `to` dark) in a
    standalone SVG document."""
    width, height, margin = 640, 320, 48
    plot_w, plot_h = width - 2 * margin, height - 2 * margin
    top = max((max(int(r["count_from"]), int(r["count_to"])) for r in rows), default=0) or 1
    step = plot_w / max(len(rows), 1)
    parts = [
        _open(width, height, title),
        f'<rect x="{width - margin - 90}" y="{height - 18}" width="10" height="10" '
        f'fill="#aaccee"/><text x="{width - margin - 76}" y="{height - 9}">from</text>'
        f'<rect x="{width - margin - 40}" y="{height - 18}" width="10" height="10" '
        f'fill="#4477aa"/><text x="{width - margin - 26}" y="{height - 9}">to</text>',
        f'<line x1="{margin}" y1="{height - margin}" x2="{width - margin}" '
        f'y2="{height - margin}" stroke="black"/>',
    ]
    half = max(step / 2 - 1, 1)
    for index, row in enumerate(rows):
        x = margin + index * step
        span = f"{escape(duration_label(row['from']))} – {escape(duration_label(row['to']))}"
        for offset, side, fill in ((0.0, "from", "#aaccee"), (half, "to", "#4477aa")):
            count = int(row[f"count_{side}"])
            bar_h = plot_h * count / top
            top_y = height - margin - bar_h
            parts.append(
                f'<rect x="{x + 1 + offset:.1f}" y="{top_y:.1f}" '
                f'width="{half:.1f}" height="{bar_h:.1f}" fill="{fill}"><title>'
                f"{side} {span}: {count}</title></rect>"
            )
            if count:
                parts.append(
                    f'<text x="{x + 1 + offset + half / 2:.1f}" y="{top_y - 4:.1f}" '
                    f'text-anchor="middle">{count}</text>'
                )
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{height - margin + 14}" text-anchor="middle">'
            f"{escape(duration_label(row['from']))}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def with_bars(report: Report, column: str, *, width: int = 20) -> Report:
    """The report with a `chart` column after its own: a bar per row, `column`'s value
    scaled to the largest (for the terminal: shares, counts per bucket)."""
    values = [float(v) for v in report.column(column) if isinstance(v, int | float)]
    top = max(values, default=0.0) or 1.0
    rows = []
    for row in report.rows:
        value = row.get(column)
        size = round(width * float(value) / top) if isinstance(value, int | float) else 0
        rows.append({**row, "chart": "█" * size})
    return Report(
        report.name, report.title, (*report.columns, "chart"), rows, report.notes, report.extra
    )


def _open(width: int, height: int, title: str) -> str:
    """The start of a chart: the SVG element, its accessible title, a white ground and the
    title written above the plot."""
    label = escape(title, {'"': "&quot;"})
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11" '
        f'role="img" aria-label="{label}">\n'
        f"<title>{escape(title)}</title>\n"
        f'<rect width="{width}" height="{height}" fill="white"/>\n'
        f'<text x="{width / 2}" y="24" text-anchor="middle" font-size="14">'
        f"{escape(title)}</text>"
    )


def throughput_svg(report: Report, *, title: str | None = None) -> str:
    """Cases started and ended per bucket (the `throughput` report) as pairs of bars over
    time, a standalone SVG document."""
    rows = report.rows
    width, height, margin = 640, 320, 48
    plot_w, plot_h = width - 2 * margin, height - 2 * margin
    top = max((max(int(r["started"]), int(r["ended"])) for r in rows), default=0) or 1
    step = plot_w / max(len(rows), 1)
    bar = max(min(step / 2 - 1, 40), 0.5)
    parts = [
        _open(width, height, title or report.title),
        f'<line x1="{margin}" y1="{height - margin}" x2="{width - margin}" '
        f'y2="{height - margin}" stroke="black"/>',
        f'<text x="{margin - 4}" y="{margin + 4}" text-anchor="end">{top}</text>',
        f'<text x="{margin - 4}" y="{height - margin}" text-anchor="end">0</text>',
        f'<rect x="{width - margin - 150}" y="34" width="10" height="10" fill="#4477aa"/>'
        f'<text x="{width - margin - 136}" y="43">started</text>'
        f'<rect x="{width - margin - 80}" y="34" width="10" height="10" fill="#228833"/>'
        f'<text x="{width - margin - 66}" y="43">ended</text>',
    ]
    for i, row in enumerate(rows):
        middle = margin + i * step + step / 2
        for key, colour, x in (
            ("started", "#4477aa", middle - bar),
            ("ended", "#228833", middle),
        ):
            bar_h = plot_h * int(row[key]) / top
            parts.append(
                f'<rect x="{x:.1f}" y="{height - margin - bar_h:.1f}" width="{bar:.1f}" '
                f'height="{bar_h:.1f}" fill="{colour}"><title>'
                f"{escape(str(row['bucket']))}: {int(row[key])} {key}</title></rect>"
            )
    # a label under the first, middle and last buckets: more would overlap
    for i in sorted({0, len(rows) // 2, len(rows) - 1} if rows else set()):
        parts.append(
            f'<text x="{margin + i * step + step / 2:.1f}" y="{height - margin + 14}" '
            f'text-anchor="middle">{escape(str(rows[i]["bucket"])[:16])}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
