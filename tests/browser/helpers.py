"""Answering a quiz as a person would, from the paper the server drew (read from the database)."""

import re

from lms.extensions import db
from lms.quizzes.models import Attempt
from lms.quizzes.types import TYPES


def attempt_paper(app, page) -> list:
    attempt_id = int(re.search(r"/percobaan/(\d+)", page.url).group(1))
    with app.app_context():
        paper = db.session.get(Attempt, attempt_id).paper
        db.session.remove()
    return paper


def _texts(q, correct: bool):
    """What a person picks or types for question q: the right answer, or a wrong one."""
    kind = TYPES[q["type"]]
    if q["type"] == "single":
        return [next(o["text"] for o in q["options"] if o["correct"] == correct)]
    if q["type"] == "multiple":
        right = [o["text"] for o in q["options"] if o["correct"]]
        wrong = [o["text"] for o in q["options"] if not o["correct"]]
        return right if correct else wrong[:1]
    if q["type"] == "true_false":
        return ["Benar" if q["answer"] == correct else "Salah"]
    if q["type"] == "short_answer":
        return [q["answers"][0] if correct else "tidak tahu"]
    key = kind.perfect(q)
    choices = {c["id"]: c["text"] for c in q["choices"]}
    if correct:
        return [choices[k] for k in key]
    return [choices[key[(i + 1) % len(key)]] for i in range(len(key))]


def answer_quiz(app, page, correct=True):
    """Answer every question on every page of the open attempt, then submit."""
    paper = attempt_paper(app, page)
    while True:
        for group in page.get_by_role("group").all():
            legend = group.locator("legend").inner_text()
            number = int(legend.split(".", 1)[0])
            q = paper[number - 1]
            texts = _texts(q, correct)
            if q["type"] == "short_answer":
                group.get_by_label("Jawaban Anda").fill(texts[0])
            elif q["type"] == "matching":
                for left, text in zip(q["left"], texts, strict=True):
                    group.get_by_label(left, exact=True).select_option(label=text)
            else:
                for text in texts:
                    group.get_by_label(text, exact=True).check()
        submit = page.get_by_role("button", name="Kumpulkan jawaban")
        if submit.count():
            submit.click()
            page.wait_for_url(re.compile(r"/hasil$"))
            return
        page.get_by_role("button", name=re.compile("Simpan dan lanjut")).click()
        page.wait_for_load_state()


def make_cohort(live_app, name="Literasi Digital KIM Bireuen") -> tuple[str, int]:
    """A cohort run by the demo trainer; returns its join code and id."""
    from sqlalchemy import select

    from lms.accounts.models import User
    from lms.catalog.models import Course
    from lms.cohorts import services as cohorts
    from lms.issuers.models import Issuer

    with live_app.app_context():
        trainer = db.session.scalar(select(User).where(User.email == "pelatih@contoh.id"))
        course = db.session.scalar(select(Course).where(Course.slug == "kursus-contoh"))
        issuer = db.session.scalar(select(Issuer).where(Issuer.is_default.is_(True)))
        cohort = cohorts.create_cohort(
            trainer,
            cohorts.CohortInput(
                **{
                    "name": name,
                    "course": str(course.id),
                    "starts_on": "2026-11-01",
                    "ends_on": "2026-12-31",
                    "location": "Aula Diskominfo",
                    "organiser": "Diskominfo Bireuen",
                    "province": "11",
                    "regency": "11.11",
                    "issuer": str(issuer.id),
                    "seat_limit": "",
                }
            ),
        )
        code = cohort.join_code, cohort.id
        db.session.remove()
    return code
