"""The certificate as a PDF (reportlab): A4 landscape, deterministic bytes for the same record."""

import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from babel.dates import format_date
from reportlab.graphics.barcode import qrencoder
from reportlab.lib.colors import Color, black
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
PAGE_W, PAGE_H = landscape(A4)
ACCENT = Color(0.04, 0.36, 0.68)  # prints as a mid grey in greyscale
NAME_AREA_W = 620


@cache
def register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))


@dataclass(frozen=True)
class Paper:
    """Everything printed on a certificate."""

    full_name: str
    course_title: str
    certificate_title: str
    hours: int
    completed_on: date
    score: float | None
    number: str
    issuer_name: str
    city: str
    signatory_name: str
    signatory_title: str
    signatory_nip: str
    verify_url: str
    logo: bytes | None = None
    signature: bytes | None = None
    score_text: str | None = None  # the score as printed; None: the first releases' style
    signatory_rank: str = ""  # pangkat/golongan
    signatory_on_behalf: str = ""  # printed "a.n. …" above the title
    # An optional second signatory, printed left of the first: (title, name, rank, NIP).
    second: tuple[str, str, str, str] | None = None
    valid_until: date | None = None
    notice: str = ""  # printed across the top in red (the demo identity's "DEMO — tidak sah")


def indonesian_date(value: date) -> str:
    return format_date(value, "d MMMM y", locale="id")


def _paragraph(text: str, font: str, size: float, width: float, max_lines: int, min_size=9):
    """A centred paragraph that shrinks until it fits `max_lines` lines of `width`."""
    while True:
        style = ParagraphStyle(
            "p", fontName=font, fontSize=size, leading=size * 1.2, alignment=TA_CENTER
        )
        paragraph = Paragraph(escape(text), style)
        _, height = paragraph.wrap(width, 1000)
        if height <= style.leading * max_lines + 0.1 or size <= min_size:
            return paragraph, height
        size -= 1


def _centred(canvas, text, font, size, y, color=black):
    canvas.setFont(font, size)
    canvas.setFillColor(color)
    canvas.drawCentredString(PAGE_W / 2, y, text)
    canvas.setFillColor(black)


def _image(canvas, data: bytes, x, y, max_w, max_h) -> None:
    reader = ImageReader(io.BytesIO(data))
    w, h = reader.getSize()
    scale = min(max_w / w, max_h / h)
    canvas.drawImage(reader, x, y, w * scale, h * scale, mask="auto")


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float, border: int = 2) -> None:
    """A QR code as one filled path of horizontal runs (far faster than a shape per module)."""
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(text)
    qr.make()
    count = qr.getModuleCount()
    box = size / (count + 2 * border)
    path = canvas.beginPath()
    for r, row in enumerate(qr.modules):
        c = 0
        while c < count:
            if row[c]:
                start = c
                while c < count and row[c]:
                    c += 1
                top = y + size - (r + border + 1) * box
                path.rect(x + (start + border) * box, top, (c - start) * box, box)
            else:
                c += 1
    canvas.setFillColor(black)
    canvas.drawPath(path, stroke=0, fill=1)


def draw(canvas: Canvas, paper: Paper) -> None:
    """Draw one certificate page (also used by the benchmark's bare loop)."""
    register_fonts()
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(3)
    canvas.rect(20, 20, PAGE_W - 40, PAGE_H - 40)
    canvas.setLineWidth(0.8)
    canvas.rect(28, 28, PAGE_W - 56, PAGE_H - 56)

    if paper.logo:
        _image(canvas, paper.logo, 50, PAGE_H - 120, 70, 70)
    issuer, height = _paragraph(paper.issuer_name.upper(), BOLD, 13, 560, 2)
    issuer.drawOn(canvas, (PAGE_W - 560) / 2, PAGE_H - 62 - height)

    _centred(canvas, "SERTIFIKAT", BOLD, 38, PAGE_H - 165, ACCENT)
    _centred(canvas, paper.certificate_title, REGULAR, 13, PAGE_H - 188)
    _centred(canvas, f"Nomor: {paper.number}", REGULAR, 10, PAGE_H - 206)
    _centred(canvas, "diberikan kepada", REGULAR, 12, PAGE_H - 236)

    # 120 characters of the widest letters still fit two lines at 10 pt.
    name, height = _paragraph(paper.full_name, BOLD, 30, NAME_AREA_W, 2, min_size=10)
    name.drawOn(canvas, (PAGE_W - NAME_AREA_W) / 2, PAGE_H - 250 - height)
    canvas.setStrokeColor(black)
    canvas.setLineWidth(0.5)
    canvas.line(PAGE_W / 2 - 250, PAGE_H - 330, PAGE_W / 2 + 250, PAGE_H - 330)

    _centred(canvas, "atas keberhasilannya menyelesaikan kursus", REGULAR, 12, PAGE_H - 352)
    course, height = _paragraph(paper.course_title, BOLD, 16, 640, 2, min_size=11)
    course.drawOn(canvas, (PAGE_W - 640) / 2, PAGE_H - 358 - height)
    details = (
        f"{paper.hours} jam pelajaran (JP) · selesai pada {indonesian_date(paper.completed_on)}"
    )
    if paper.score is not None:
        details += f" · nilai akhir {paper.score_text or format(paper.score, 'g')}"
    _centred(canvas, details, REGULAR, 11, PAGE_H - 410)

    # Verification: QR code of the public URL, and the URL in text.
    draw_qr(canvas, paper.verify_url, 48, 44, 92)
    canvas.setFont(REGULAR, 8)
    canvas.drawString(148, 92, "Periksa keaslian sertifikat ini:")
    canvas.drawString(148, 80, paper.verify_url)
    canvas.drawString(148, 68, f"Nomor: {paper.number}")

    # Signatory.
    right = PAGE_W - 190
    width = 260 if paper.second is None else 200
    canvas.setFont(REGULAR, 10)
    place = f"{paper.city}, " if paper.city else ""
    date_y = 164 if paper.signatory_on_behalf else 152
    canvas.drawCentredString(right, date_y, place + indonesian_date(paper.completed_on))
    if paper.signatory_on_behalf:
        canvas.drawCentredString(right, 152, f"a.n. {paper.signatory_on_behalf}")
    _signatory_block(
        canvas,
        right,
        width,
        paper.signatory_title,
        paper.signatory_name,
        paper.signatory_rank,
        paper.signatory_nip,
        paper.signature,
    )
    if paper.second is not None:
        title, name, rank, nip = paper.second
        _signatory_block(canvas, right - 220, width, title, name, rank, nip, None)
    if paper.notice:
        canvas.setFillColor(Color(0.8, 0.1, 0.1))
        canvas.setFont(BOLD, 14)
        canvas.drawRightString(PAGE_W - 40, PAGE_H - 45, paper.notice)
        canvas.setFillColor(black)
    if paper.valid_until is not None:
        canvas.setFont(REGULAR, 8)
        canvas.drawString(148, 56, f"Berlaku sampai {indonesian_date(paper.valid_until)}")


def _signatory_block(canvas, centre, width, title, name, rank, nip, signature) -> None:
    """Title, signature space (image), name, rank and NIP, centred on `centre`."""
    paragraph, height = _paragraph(title, REGULAR, 10, width, 2, min_size=7)
    paragraph.drawOn(canvas, centre - width / 2, 146 - height)
    if signature:
        _image(canvas, signature, centre - 60, 78, 120, 40)
    signatory, _ = _paragraph(name, BOLD, 11, width, 1, min_size=7)
    signatory.drawOn(canvas, centre - width / 2, 62)
    nip_y = 50
    if rank:
        canvas.setFont(REGULAR, 9)
        canvas.drawCentredString(centre, 50, rank)
        nip_y = 39
    if nip:
        canvas.setFont(REGULAR, 9)
        canvas.drawCentredString(centre, nip_y, f"NIP {nip}")


def render(paper: Paper) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1)
    canvas.setTitle(f"{paper.certificate_title} – {paper.full_name}")
    canvas.setAuthor(paper.issuer_name)
    canvas.setSubject(paper.course_title)
    canvas.setCreator("Akademi KIM")
    draw(canvas, paper)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
