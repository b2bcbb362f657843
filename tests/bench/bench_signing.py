"""Signed certificates (issue 16), in one run on the same machine:
- bulk issue per second by a unit without a signing identity and by one with a PKCS#12 key
  (ECDSA P-256, and RSA 2048 as most PSrE keys are); target: signing keeps >= half the rate;
- serving a signed PDF against an unsigned one (the signed bytes are kept, not re-signed).

    .venv/bin/python -m tests.bench.bench_signing [N]
"""

import statistics
import sys
import time

from sqlalchemy import select

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.certificates import services
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.issuers.models import Issuer
from lms.signing import services as signing
from tests.bench.common import bench_app, database_name, write_result
from tests.conftest import complete_course, import_courses
from tests.signing_helpers import P12_PASSWORD, make_pkcs12

PASSWORD = "kopi-gayo-2026"


def main(n: int = 100) -> None:
    app = bench_app()
    import_courses(app)
    kinds = ("unsigned", "ecdsa", "rsa")
    with app.app_context():
        units = {}
        for kind in kinds:
            unit = Issuer(
                name=f"Dinas Kominfo ({kind})",
                code=f"DK-{kind.upper()}",
                signatory_name="Teuku Ahmad",
                signatory_title="Kepala Dinas",
                city="Bireuen",
                is_default=kind == "unsigned",
            )
            db.session.add(unit)
            db.session.commit()
            if kind != "unsigned":
                data, _ = make_pkcs12(rsa_key=kind == "rsa")
                signing.upload_pkcs12(None, unit, data, P12_PASSWORD, kind)
            units[kind] = unit.id
        people = {kind: [] for kind in kinds}
        for kind in kinds:
            for i in range(n + 5):
                user = accounts.create_user(
                    full_name=f"Peserta {kind} {i}",
                    login=f"{kind}{i}@contoh.id",
                    password=PASSWORD,
                    province_code="11",
                    regency_code="11.11",
                    require_consent=False,
                )
                people[kind].append(user.id)
        admin = accounts.create_user(
            full_name="Admin",
            login="admin@contoh.id",
            password=PASSWORD,
            province_code="11",
            regency_code="11.11",
            role="admin",
            require_consent=False,
        )
        admin_id = admin.id
        db.session.remove()
    for ids in people.values():
        for user_id in ids:
            complete_course(app, user_id)

    rates = {}
    with app.app_context():
        admin = db.session.get(User, admin_id)
        course = db.session.scalar(select(Course))
        # The kinds take turns, a few chunks each, so a busy moment of the machine (shared
        # with other work) falls on all of them alike; the first chunk of each warms up.
        chunks = 5
        seconds = dict.fromkeys(kinds, 0.0)
        issued = dict.fromkeys(kinds, 0)
        for chunk in range(chunks + 1):
            for kind in kinds:
                size = n // chunks if chunk else min(5, n // chunks)
                offset = 0 if chunk == 0 else min(5, n // chunks) + (chunk - 1) * (n // chunks)
                ids = people[kind][offset : offset + size]
                users = list(db.session.scalars(select(User).where(User.id.in_(ids))))
                unit = db.session.get(Issuer, units[kind])
                start = time.perf_counter()
                eligible = services.eligible_without_certificate(course, users)
                count = sum(1 for _ in services.issue_eligible(admin, course, eligible, unit))
                if chunk:
                    seconds[kind] += time.perf_counter() - start
                    issued[kind] += count
        rates = {kind: issued[kind] / seconds[kind] for kind in kinds}
        samples = {
            kind: db.session.scalar(
                select(Certificate.id).where(Certificate.issuer_id == units[kind]).limit(1)
            )
            for kind in ("unsigned", "rsa")
        }

    client = app.test_client()
    client.post("/masuk", data={"login": "admin@contoh.id", "password": PASSWORD})
    serve_ms = {}
    for kind, cert_id in samples.items():
        times = []
        for _ in range(200):
            start = time.perf_counter()
            response = client.get(f"/sertifikat/{cert_id}/unduh")
            times.append(time.perf_counter() - start)
            assert response.status_code == 200 and response.data.startswith(b"%PDF")
        serve_ms[kind] = round(statistics.median(times) * 1000, 2)

    write_result(
        "signing",
        {
            "database": database_name(app),
            "certificates_per_kind": issued["unsigned"],
            "bulk_issue_per_second_unsigned": round(rates["unsigned"], 1),
            "bulk_issue_per_second_signed_ecdsa_p256": round(rates["ecdsa"], 1),
            "bulk_issue_per_second_signed_rsa_2048": round(rates["rsa"], 1),
            "ratio_signed_ecdsa": round(rates["ecdsa"] / rates["unsigned"], 3),
            "ratio_signed_rsa": round(rates["rsa"] / rates["unsigned"], 3),
            "target_ratio": 0.5,
            "serve_unsigned_pdf_median_ms": serve_ms["unsigned"],
            "serve_signed_pdf_median_ms": serve_ms["rsa"],
            "serve_ratio_signed_to_unsigned": round(serve_ms["rsa"] / serve_ms["unsigned"], 3),
        },
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
