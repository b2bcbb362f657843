"""Offline copies and module PDFs of the shipped courses (issue 17): the size "Simpan untuk
offline" states and what the pages really weigh, the service worker and its script, and the
time and size of every module PDF (median of a few runs).

    .venv/bin/python -m tests.bench.bench_offline
"""

import statistics
from pathlib import Path

from sqlalchemy import select

from lms.accounts import services as accounts
from lms.catalog import services as catalog
from lms.catalog.models import Course
from lms.extensions import db
from lms.offline import pdf
from tests.bench.common import bench_app, database_name, median_ms, timed, write_result
from tests.conftest import import_courses

SHIPPED = Path(__file__).resolve().parents[2] / "courses"
STATIC = Path(__file__).resolve().parents[2] / "lms" / "static"


def main() -> None:
    app = bench_app()
    import_courses(app, SHIPPED)
    with app.app_context():
        user = accounts.create_user(
            full_name="Peserta Uji",
            login="bench@contoh.id",
            password="kopi-gayo-2026",
            province_code="11",
            regency_code="11.11",
            require_consent=False,
        )
        slugs = list(db.session.scalars(select(Course.slug).order_by(Course.slug)))
        for slug in slugs:
            catalog.enrol(user, db.session.scalar(select(Course).where(Course.slug == slug)))
        db.session.remove()
    client = app.test_client()
    client.post("/masuk", data={"login": "bench@contoh.id", "password": "kopi-gayo-2026"})
    courses, pdf_ms, pdf_kb = [], [], []
    for slug in slugs:
        copy = client.get(f"/kursus/{slug}/offline.json").get_json()
        measured = sum(
            len(client.get(u, headers={"X-LMS-Offline": "1"}).get_data()) for u in copy["urls"]
        )
        measured += sum((STATIC / n).stat().st_size for n in ("style.css", "offline.js"))
        courses.append(
            {
                "course": slug,
                "lessons": copy["lessons"],
                "stated_kb": round(copy["bytes"] / 1024),
                "downloaded_kb": round(measured / 1024),
            }
        )
        with app.app_context(), app.test_request_context():
            course = db.session.scalar(select(Course).where(Course.slug == slug))
            for module in catalog.outline(course).modules:
                document = pdf.module_document(course, module.id)
                pdf_kb.append(len(document.data) / 1024)
                pdf_ms.append(
                    median_ms(timed(lambda c=course, m=module: pdf.module_document(c, m.id), 3))
                )
            db.session.remove()
    script = sum((STATIC / n).stat().st_size for n in ("sw.js", "offline.js"))
    write_result(
        "offline",
        {
            "database": database_name(app),
            "courses": courses,
            "service_worker_and_script_bytes": script,
            "module_pdfs": len(pdf_ms),
            "module_pdf_median_ms": round(statistics.median(pdf_ms), 1),
            "module_pdf_max_ms": round(max(pdf_ms), 1),
            "module_pdf_median_kb": round(statistics.median(pdf_kb), 1),
            "module_pdf_max_kb": round(max(pdf_kb), 1),
        },
    )


if __name__ == "__main__":
    main()
