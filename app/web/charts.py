"""Charts drawn on the server as SVG: no script, so they work wherever the page does. Each
page shows the same numbers in a table beside the chart for screen readers."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 40
# GOV.UK colours that keep 3:1 contrast against white and apart from each other.
COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#6f72af", "#b58840", "#f47738", "#28a197")
GRID = "#b1b4b6"
TEXT = "#0b0c0c"


@dataclass(frozen=True)
class Series:
    """One line (or one provider's bars): a value, or None where nothing was reported."""

    label: str
    values: Sequence[Decimal | int | None]


def _scale(top: float) -> float:
    """A round ceiling for the y axis."""
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if top <= step:
            return float(step)
    return float(int(top * 1.2))


def _frame(title: str, labels: Sequence[str], ceiling: float) -> list[str]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="register-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="{escape(title)}" font-family="GDS Transport, arial, sans-serif" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in range(5):
        value = ceiling * tick / 4
        y = TOP + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="{TEXT}">{value:g}</text>'
        )
    every = max(1, len(labels) // 8)
    for index, label in enumerate(labels):
        if index % every == 0:
            x = LEFT + plot_w * (index + 0.5) / max(1, len(labels))
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                f'font-size="12" fill="{TEXT}">{escape(label)}</text>'
            )
    return parts


def _legend(series: Sequence[Series], extra: Sequence[tuple[str, str]] = ()) -> list[str]:
    parts, x = [], LEFT
    for index, item in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 14}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{HEIGHT - 4}" font-size="12" fill="{TEXT}">'
            f"{escape(item.label)}</text>"
        )
        x += 24 + 7 * len(item.label)
    for label, colour in extra:
        parts.append(
            f'<line x1="{x}" x2="{x + 14}" y1="{HEIGHT - 8}" y2="{HEIGHT - 8}" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="4 2"/>'
            f'<text x="{x + 18}" y="{HEIGHT - 4}" font-size="12" fill="{TEXT}">{escape(label)}'
            "</text>"
        )
        x += 26 + 7 * len(label)
    return parts


def line_chart(title: str, labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """Lines over weeks, one per series."""
    top = max((float(v) for s in series for v in s.values if v is not None), default=0.0)
    ceiling = _scale(top)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = _frame(title, labels, ceiling)
    for index, item in enumerate(series):
        points = " ".join(
            f"{LEFT + plot_w * (i + 0.5) / max(1, len(labels)):.1f},"
            f"{TOP + plot_h - plot_h * float(v) / ceiling:.1f}"
            for i, v in enumerate(item.values)
            if v is not None
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke-width="3" '
            f'stroke="{COLOURS[index % len(COLOURS)]}"/>'
        )
    parts += _legend(series)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above


def hours_chart(
    title: str,
    labels: Sequence[str],
    providers: Sequence[Series],
    *,
    full_time: Decimal,
    below: Sequence[bool],
) -> Markup:
    """Each week's hours stacked by provider against the full-time line; a week below it is
    marked with a red triangle, and a week nobody reported with a grey question mark."""
    totals = [
        sum((Decimal(v) for p in providers if (v := p.values[i]) is not None), Decimal(0))
        for i in range(len(labels))
    ]
    ceiling = _scale(max([float(full_time), *map(float, totals)]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(labels))
    parts = _frame(title, labels, ceiling)
    for week in range(len(labels)):
        x = LEFT + slot * week + slot * 0.15
        base = float(TOP + plot_h)
        reported = False
        for index, provider in enumerate(providers):
            value = provider.values[week]
            if value is None:
                continue
            reported = True
            height = plot_h * float(value) / ceiling
            base -= height
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{slot * 0.7:.1f}" '
                f'height="{height:.1f}" fill="{COLOURS[index % len(COLOURS)]}"/>'
            )
        middle = x + slot * 0.35
        if not reported:
            parts.append(
                f'<text x="{middle:.1f}" y="{TOP + plot_h - 4}" text-anchor="middle" '
                f'font-size="14" font-weight="bold" fill="#505a5f">?</text>'
            )
        elif below[week]:
            tip = TOP + plot_h + 4
            parts.append(
                f'<polygon points="{middle - 5:.1f},{tip + 8} {middle + 5:.1f},{tip + 8} '
                f'{middle:.1f},{tip}" fill="#d4351c"/>'
            )
    line_y = TOP + plot_h - plot_h * float(full_time) / ceiling
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{line_y:.1f}" y2="{line_y:.1f}" '
        f'stroke="{TEXT}" stroke-width="2" stroke-dasharray="6 3"/>'
    )
    parts += _legend(providers, [(f"Full time ({full_time:g} hours)", TEXT)])
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above
