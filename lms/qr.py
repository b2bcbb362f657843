"""QR codes as compact SVG, drawn from reportlab's encoder (no image library, no JavaScript)."""

from markupsafe import escape
from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel

QUIET = 4  # modules of white border the standard asks for


def matrix(text: str) -> list[list[bool]]:
    """The QR code's modules (True = dark), smallest version that fits, error correction M."""
    code = QRCode(None, QRErrorCorrectLevel.M)
    code.addData(text)
    code.make()
    n = code.getModuleCount()
    return [[bool(code.isDark(r, c)) for c in range(n)] for r in range(n)]


def svg(text: str, title: str | None = None) -> str:
    """An SVG of the QR code for `text`: one white <rect> and one <path> of horizontal runs.

    Attributes only (no style attributes); <title> carries the text alternative."""
    modules = matrix(text)
    size = len(modules) + 2 * QUIET
    runs = []
    for y, row in enumerate(modules):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start + QUIET} {y + QUIET}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    label = escape(title if title is not None else text)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" role="img" '
        f'aria-label="{label}" shape-rendering="crispEdges" class="qr">'
        f"<title>{label}</title>"
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )
