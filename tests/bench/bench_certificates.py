"""Bulk certificate issue: certificates per second, against a bare reportlab loop drawing the
same page layout in the same run. Target: bulk issue at least 80% of the bare loop.

    .venv/bin/python -m tests.bench.bench_certificates [N]
"""

import sys
import time

from sqlalchemy import select

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.certificates import services
from lms.certificates.models import Certificate
from lms.certificates.pdf import render
from lms.extensions import db
from lms.issuers.models import Issuer
from tests.bench.common import bench_app, database_name, write_result
from tests.conftest import complete_course, import_courses


def main(n: int = 100) -> None:
    app = bench_app()
    import_courses(app)
    with app.app_context():
        db.session.add(
            Issuer(
                name="Dinas Komunikasi, Informatika dan Persandian Kabupaten Bireuen",
                code="DISKOMINFO-BIR",
                signatory_name="Teuku Ahmad",
                signatory_title="Kepala Dinas",
                city="Bireuen",
                is_default=True,
            )
        )
        ids = []
        for i in range(n):
            user = accounts.create_user(
                full_name=f"Peserta Nomor {i}",
                login=f"p{i}@contoh.id",
                password="kopi-gayo-2026",
                province_code="11",
                regency_code="11.11",
                require_consent=False,
            )
            ids.append(user.id)
        admin = accounts.create_user(
            full_name="Admin",
            login="admin@contoh.id",
            password="kopi-gayo-2026",
            province_code="11",
            regency_code="11.11",
            role="admin",
            require_consent=False,
        )
        admin_id = admin.id
        db.session.remove()
    for user_id in ids:
        complete_course(app, user_id)

    with app.app_context():
        admin = db.session.get(User, admin_id)
        course = db.session.scalar(select(Course))
        users = list(db.session.scalars(select(User).where(User.id.in_(ids))))
        start = time.perf_counter()
        eligible = services.eligible_without_certificate(course, users)
        issued = sum(1 for _ in services.issue_eligible(admin, course, eligible))
        bulk_seconds = time.perf_counter() - start
        papers = [services.paper_for(c) for c in db.session.scalars(select(Certificate))]

    start = time.perf_counter()
    for paper in papers:
        render(paper)
    bare_seconds = time.perf_counter() - start

    bulk_rate, bare_rate = issued / bulk_seconds, len(papers) / bare_seconds
    write_result(
        "certificates",
        {
            "database": database_name(app),
            "certificates": issued,
            "bulk_issue_per_second": round(bulk_rate, 1),
            "bare_reportlab_per_second": round(bare_rate, 1),
            "ratio": round(bulk_rate / bare_rate, 3),
            "target_ratio": 0.8,
        },
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
