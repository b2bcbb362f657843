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


def funnel(id_: str, title: str, steps: list[tuple[str, int]]) -> Markup:
    """Horizontal bars, one per step, as wide as the step's share of the first step."""
    width, label_w, bar_h, gap = 640, 190, 28, 12
    top = max((n for _, n in steps), default=0) or 1
    height = len(steps) * (bar_h + gap) + gap
    body = []
    desc = []
    for i, (label, n) in enumerate(steps):
        y = gap + i * (bar_h + gap)
        share = round(100 * n / top) if steps and steps[0][1] else 0
        w = round((width - label_w - 90) * n / top)
        body.append(
            f'<text x="{label_w - 8}" y="{y + bar_h / 2 + 5:g}" text-anchor="end" '
            f'class="label">{escape(label)}</text>'
            f'<rect class="bar step{i}" x="{label_w}" y="{y}" width="{max(w, 1 if n else 0)}" '
            f'height="{bar_h}" rx="3"/>'
            f'<text x="{label_w + w + 8}" y="{y + bar_h / 2 + 5:g}" class="value">{n} '
            f"({share}%)</text>"
        )
        desc.append(f"{label}: {n} ({share}%)")
    return _svg(id_, title, "; ".join(desc), width, height, body)


def columns(id_: str, title: str, points: list[tuple[str, int]], unit: str) -> Markup:
    """Vertical bars over time (one per week), with the scale's maximum and the first/last dates."""
    width, height, left, bottom, top_pad = 640, 220, 40, 34, 16
    top = max((n for _, n in points), default=0)
    scale = top or 1
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    slot = plot_w / max(len(points), 1)
    body = [
        f'<line class="axis" x1="{left}" y1="{top_pad + plot_h}" x2="{width - 8}" '
        f'y2="{top_pad + plot_h}"/>',
        f'<text x="{left - 6}" y="{top_pad + 5}" text-anchor="end" class="value">{top}</text>',
        f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" class="value">0</text>',
    ]
    for i, (label, n) in enumerate(points):
        h = round(plot_h * n / scale)
        x = left + i * slot + slot * 0.15
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{top_pad + plot_h - h}" width="{slot * 0.7:.1f}" '
            f'height="{h}"><title>{escape(label)}: {n} {escape(unit)}</title></rect>'
        )
        if i in (0, len(points) - 1) or (len(points) > 8 and i == len(points) // 2):
            body.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{height - 12}" text-anchor="middle" '
                f'class="label">{escape(label)}</text>'
            )
    desc = "; ".join(f"{label}: {n} {unit}" for label, n in points)
    return _svg(id_, title, desc, width, height, body)
