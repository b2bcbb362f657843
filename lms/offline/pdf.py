"""A module of a course as a printable PDF (A4, DejaVu fonts, page numbers): its lessons'
text and images, for trainees who read on paper or share with their KIM."""

import io
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

import lxml.html
from flask_babel import gettext as _
from flask_babel import ngettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    Image,
    KeepTogether,
    ListFlowable,
    ListItem,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy import select
from svglib.svglib import svg2rlg

from ..catalog import services as catalog
from ..catalog.models import Course, CourseAsset, Lesson
from ..certificates.pdf import BOLD, REGULAR, register_fonts
from ..extensions import db

MARGIN = 18 * mm
FRAME_W = A4[0] - 2 * MARGIN
MAX_IMAGE_H = 120 * mm
GREY = colors.HexColor("#444444")
INLINE = {"strong": "b", "b": "b", "em": "i", "i": "i", "sup": "super", "sub": "sub"}


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=REGULAR, fontSize=10.5, leading=15, alignment=TA_LEFT)
    return {
        "body": base,
        "title": ParagraphStyle("title", base, fontName=BOLD, fontSize=20, leading=25),
        "subtitle": ParagraphStyle("subtitle", base, textColor=colors.HexColor("#555555")),
        "lesson": ParagraphStyle(
            "lesson", base, fontName=BOLD, fontSize=16, leading=21, spaceBefore=6, spaceAfter=6
        ),
        "h2": ParagraphStyle("h2", base, fontName=BOLD, fontSize=13, leading=18, spaceBefore=8),
        "h3": ParagraphStyle("h3", base, fontName=BOLD, fontSize=11.5, leading=16, spaceBefore=6),
        "quote": ParagraphStyle(
            "quote", base, leftIndent=8 * mm, textColor=colors.HexColor("#333")
        ),
        "code": ParagraphStyle("code", base, fontSize=9.5, leading=13, leftIndent=4 * mm),
        "caption": ParagraphStyle("caption", base, fontSize=9, textColor=GREY),
    }


def _inline(element) -> str:
    """reportlab's paragraph markup for an element's content (text escaped)."""
    parts = [escape(element.text or "")]
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "br":
            parts.append("<br/>")
        elif tag == "img":
            pass  # drawn below the paragraph
        elif tag in INLINE:
            parts.append(f"<{INLINE[tag]}>{_inline(child)}</{INLINE[tag]}>")
        elif tag == "a":
            text = _inline(child)
            href = child.get("href", "")
            if href.startswith(("http://", "https://")) and href not in child.text_content():
                text += f" ({escape(href)})"
            parts.append(text)
        else:
            parts.append(_inline(child))
        parts.append(escape(child.tail or ""))
    return "".join(parts).strip()


def _paragraph(markup: str, style, element=None) -> Paragraph:
    """A paragraph of reportlab markup; should the markup not parse, its plain text."""
    try:
        return Paragraph(markup, style)
    except ValueError:
        plain = element.text_content() if element is not None else markup
        return Paragraph(escape(plain), style)


class Pictures:
    """The course's images by their media URL, drawn to fit the page width."""

    def __init__(self, course: Course, html: str):
        self.prefix = f"/kursus/{course.slug}/media/"
        paths = set(re.findall(re.escape(self.prefix) + r"""([^"'?#\s]+)""", html))
        query = select(CourseAsset).where(
            CourseAsset.course_id == course.id, CourseAsset.path.in_(paths)
        )
        self.assets = {a.path: a for a in db.session.scalars(query)} if paths else {}

    def flowable(self, src: str) -> Flowable | None:
        if not src.startswith(self.prefix):
            return None
        asset = self.assets.get(src[len(self.prefix) :])
        if asset is None:
            return None
        try:
            if asset.content_type == "image/svg+xml":
                drawing = svg2rlg(io.BytesIO(asset.data))
                if drawing is None or not drawing.width or not drawing.height:
                    return None
                scale = min(FRAME_W / drawing.width, MAX_IMAGE_H / drawing.height, 1.5)
                drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
                drawing.scale(scale, scale)
                return drawing
            width, height = ImageReader(io.BytesIO(asset.data)).getSize()
        except Exception:  # noqa: BLE001  (a picture that cannot be drawn is left out)
            return None
        scale = min(FRAME_W / width, MAX_IMAGE_H / height, 1.0)
        return Image(io.BytesIO(asset.data), width * scale, height * scale)


def _flowables(html: str, styles, pictures: Pictures) -> list:
    out: list = []
    if not html.strip():
        return out
    for element in lxml.html.fragments_fromstring(html):
        if isinstance(element, str):
            if element.strip():
                out.append(Paragraph(escape(element.strip()), styles["body"]))
        elif isinstance(element.tag, str):  # not a comment
            out.extend(_block(element, styles, pictures))
    return out


def _block(element, styles, pictures) -> list:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in ("h2", "h3", "h4"):
        return [_paragraph(_inline(element), styles["h2" if tag == "h2" else "h3"], element)]
    if tag in ("ul", "ol"):
        items = [
            ListItem(_block_list(li, styles, pictures), leftIndent=12)
            for li in element
            if getattr(li, "tag", "") == "li"
        ]
        if not items:
            return []
        kind = {"bulletType": "1"} if tag == "ol" else {"bulletType": "bullet", "start": "•"}
        return [ListFlowable(items, bulletFontName=REGULAR, bulletFontSize=10, **kind)]
    if tag == "blockquote":
        inner = _block_list(element, styles, pictures, style="quote")
        return inner
    if tag == "pre":
        text = escape(element.text_content()).replace("\n", "<br/>")
        return [Paragraph(text, styles["code"])]
    if tag == "hr":
        return [HRFlowable(width="100%", color=colors.HexColor("#bbbbbb"))]
    if tag == "table":
        rows = [
            [_paragraph(_inline(c), styles["body"], c) for c in tr if c.tag in ("td", "th")]
            for tr in element.iter("tr")
        ]
        rows = [r for r in rows if r]
        if not rows:
            return []
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        table = Table(rows, colWidths=[FRAME_W / width] * width, repeatRows=1)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey)]))
        return [table]
    if tag in ("figure", "dl", "div"):
        return _block_list(element, styles, pictures)
    if tag == "img":
        picture = pictures.flowable(element.get("src", ""))
        return [picture] if picture else []
    style = {"figcaption": "caption", "dt": "h3"}.get(tag, "body")
    out = []
    text = _inline(element)
    if text:
        out.append(_paragraph(text, styles[style], element))
    for img in element.iter("img"):
        picture = pictures.flowable(img.get("src", ""))
        if picture is not None:
            out.append(picture)
            if img.get("alt"):
                out.append(Paragraph(escape(img.get("alt")), styles["caption"]))
    out.append(Spacer(1, 4))
    return out


def _block_list(element, styles, pictures, style="body") -> list:
    """The blocks inside a list item or quote (text directly inside becomes a paragraph)."""
    has_blocks = any(
        getattr(c, "tag", "") in ("p", "ul", "ol", "pre", "blockquote", "table", "img", "figure")
        for c in element
    )
    if not has_blocks:
        text = _inline(element)
        return [_paragraph(text, styles[style], element)] if text else [Spacer(1, 1)]
    out = []
    if (element.text or "").strip():
        out.append(Paragraph(escape(element.text.strip()), styles[style]))
    for child in element:
        if isinstance(child.tag, str):
            out.extend(_block(child, styles, pictures))
    return out


@dataclass
class ModuleDocument:
    filename: str
    data: bytes


def module_document(course: Course, module_id: int) -> ModuleDocument | None:
    """The module's lessons as one A4 PDF, or None if the course has no such visible module."""
    outline = catalog.outline(course)
    number, module = next(
        ((i, m) for i, m in enumerate(outline.modules, 1) if m.id == module_id), (0, None)
    )
    if module is None:
        return None
    register_fonts()
    styles = _styles()
    ids = [lesson.id for lesson in module.lessons]
    html = dict(db.session.execute(select(Lesson.id, Lesson.html).where(Lesson.id.in_(ids))).all())
    pictures = Pictures(course, "".join(html.values()))
    heading = _("Module %(n)s", n=number)
    story: list = [
        Paragraph(escape(course.title), styles["subtitle"]),
        Paragraph(f"{escape(heading)}: {escape(module.title)}", styles["title"]),
        Spacer(1, 6),
    ]
    if module.summary:
        story.append(Paragraph(escape(module.summary), styles["body"]))
    if module.objectives:
        story.append(Paragraph(escape(_("Objectives")), styles["h2"]))
        story.append(
            ListFlowable(
                [ListItem(Paragraph(escape(str(o)), styles["body"])) for o in module.objectives],
                bulletType="bullet",
                start="•",
                bulletFontName=REGULAR,
            )
        )
    story.append(Paragraph(escape(_("Lessons")), styles["h2"]))
    for i, lesson in enumerate(module.lessons, 1):
        minutes = ngettext("%(num)d minute", "%(num)d minutes", lesson.minutes)
        story.append(Paragraph(f"{i}. {escape(lesson.title)} · {escape(minutes)}", styles["body"]))
    for i, lesson in enumerate(module.lessons, 1):
        story.append(PageBreak())
        story.append(KeepTogether([Paragraph(f"{i}. {escape(lesson.title)}", styles["lesson"])]))
        story.extend(_flowables(html.get(lesson.id, ""), styles, pictures))

    footer = f"Akademi KIM · {course.title} · {heading}"

    def decorate(canvas, doc):
        canvas.saveState()
        canvas.setFont(REGULAR, 8)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(MARGIN, 10 * mm, footer[:110])
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, _("Page %(n)s", n=doc.page))
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=f"{course.title} – {heading}: {module.title}",
        author="Akademi KIM",
        lang="id",
    )
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    filename = f"{course.slug}-modul-{number}-{module.slug}.pdf"
    return ModuleDocument(filename, buffer.getvalue())
