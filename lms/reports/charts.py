"""Server-drawn SVG charts: no JavaScript, attributes only (the CSP forbids style attributes).

Each chart carries a <title> and a <desc> that say in words what it shows; the page also shows
the numbers as a table."""

from markupsafe import Markup, escape


def _svg(id_: str, title: str, desc: str, width: int, height: int, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" id="{id_}" role="img" aria-labelledby="{id_}-title {id_}-desc" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{id_}-title">{escape(title)}</title>'
        f'<desc id="{id_}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


# The drawing is 320 units wide: on a 360 px phone (328 px of content) a unit is about a pixel,
# so the 14-unit text of style.css shows at 14 px (at least 12 px on any phone 320 px or wider);
# larger screens show the chart at most 24rem wide. Labels sit above the bars, so none has to
# share a line with a bar.
WIDTH = 320
CHAR = 8.5  # a generous width of one character of 14-unit text, to keep labels inside


def funnel(id_: str, title: str, steps: list[tuple[str, int]]) -> Markup:
    """Horizontal bars, one per step, as wide as the step's share of the first step, each under
    a line with the step's name and its number."""
    text_h, bar_h, gap, pad = 18, 14, 12, 2  # pad: a glyph may reach a little past its x
    top = max((n for _, n in steps), default=0) or 1
    row = text_h + bar_h + gap
    height = len(steps) * row
    body = []
    desc = []
    for i, (label, n) in enumerate(steps):
        y = i * row
        share = round(100 * n / top) if steps and steps[0][1] else 0
        w = round((WIDTH - 2 * pad) * n / top)
        body.append(
            f'<text x="{pad}" y="{y + 14}" class="label">{escape(label)}</text>'
            f'<text x="{WIDTH - pad}" y="{y + 14}" text-anchor="end" class="value">{n} '
            f"({share}%)</text>"
            f'<rect class="bar step{i}" x="{pad}" y="{y + text_h}" '
            f'width="{max(w, 1 if n else 0)}" '
            f'height="{bar_h}" rx="3"/>'
        )
        desc.append(f"{label}: {n} ({share}%)")
    return _svg(id_, title, "; ".join(desc), WIDTH, height, body)


def columns(id_: str, title: str, points: list[tuple[str, int]], unit: str) -> Markup:
    """Vertical bars over time (one per week), with the scale's maximum and the first, middle
    and last dates."""
    width, height, bottom, top_pad = WIDTH, 190, 30, 16
    top = max((n for _, n in points), default=0)
    scale = top or 1
    left = round(CHAR * len(str(top))) + 8
    plot_w, plot_h = width - left - 2, height - bottom - top_pad
    slot = plot_w / max(len(points), 1)
    body = [
        f'<line class="axis" x1="{left}" y1="{top_pad + plot_h}" x2="{width - 2}" '
        f'y2="{top_pad + plot_h}"/>',
        f'<text x="{left - 6}" y="{top_pad + 5}" text-anchor="end" class="value">{top}</text>',
        f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" class="value">0</text>',
    ]
    shown = {0, len(points) - 1} | ({len(points) // 2} if len(points) > 4 else set())
    for i, (label, n) in enumerate(points):
        h = round(plot_h * n / scale)
        x = left + i * slot + slot * 0.15
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{top_pad + plot_h - h}" width="{slot * 0.7:.1f}" '
            f'height="{h}"><title>{escape(label)}: {n} {escape(unit)}</title></rect>'
        )
        if i in shown:
            # The first label starts at its bar, the last ends at its bar: both stay inside.
            anchor, at = "middle", x + slot * 0.35
            if i == 0:
                anchor, at = "start", left
            elif i == len(points) - 1:
                anchor, at = "end", width - 4
            body.append(
                f'<text x="{at:.1f}" y="{height - 10}" text-anchor="{anchor}" '
                f'class="label">{escape(label)}</text>'
            )
    desc = "; ".join(f"{label}: {n} {unit}" for label, n in points)
    return _svg(id_, title, desc, width, height, body)
