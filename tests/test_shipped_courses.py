"""The three courses in courses/ meet the content brief (issue: the three courses)."""

import re

import pytest
import yaml

from lms import ROOT
from lms.catalog.content import load_tree

COURSES = ROOT / "courses"
SLUGS = ["cek-fakta-hoaks", "literasi-media-jurnalisme-warga", "pemasaran-digital-umkm"]


@pytest.fixture(scope="module")
def courses():
    loaded, problems = load_tree(COURSES)
    assert [str(p) for p in problems] == []
    return {c.slug: c for c in loaded}


def body_words(path) -> int:
    text = path.read_text(encoding="utf-8")
    body = text.split("\n---\n", 1)[1]
    return len(re.findall(r"[\w’'-]+", body))


def test_the_three_courses_ship(courses):
    assert sorted(courses) == SLUGS


@pytest.mark.parametrize("slug", SLUGS)
def test_course_structure_and_lessons(courses, slug):
    course = courses[slug]
    assert course.summary and course.level in ("dasar", "menengah", "lanjut") and course.hours > 0
    assert set(course.certificate_requires) == {"all_lessons", "module_quizzes", "final_exam"}
    assert 5 <= len(course.modules) <= 6
    folder = COURSES / slug
    for module_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        lessons = sorted(module_dir.glob("*.md"))
        assert 3 <= len(lessons) <= 4, module_dir
        for lesson in lessons:
            text = lesson.read_text(encoding="utf-8")
            assert 400 <= body_words(lesson) <= 900, (lesson, body_words(lesson))
            assert "\n## Praktik" in text, lesson
            assert "\n## Rangkuman" in text, lesson
        assert "\n## Sumber" in lessons[-1].read_text(encoding="utf-8"), lessons[-1]
        for svg in module_dir.glob("*.svg"):
            assert svg.stat().st_size < 20 * 1024, svg


@pytest.mark.parametrize("slug", SLUGS)
def test_quizzes_and_final_exam(courses, slug):
    course = courses[slug]
    types = set()
    for module in course.modules:
        quiz = module.quiz
        assert quiz is not None, module.slug
        assert len(quiz.questions) >= 8
        assert quiz.settings["questions_per_attempt"] >= 5
        assert quiz.settings["pass_mark"] == 70
        types |= {q["type"] for q in quiz.questions}
        assert all(len(q["explanation"]) >= 40 for q in quiz.questions), module.slug
    assert {"matching", "short_answer"} <= types and len(types) >= 3
    exam = course.final_exam
    assert len(exam.questions) >= 30
    assert exam.settings == {
        "pass_mark": 75,
        "max_attempts": 3,
        "cooldown_minutes": exam.settings["cooldown_minutes"],
        "time_limit_minutes": 30,
        "questions_per_attempt": 20,
        "shuffle_options": exam.settings["shuffle_options"],
        "partial_credit": exam.settings["partial_credit"],
    }
    assert all(len(q["explanation"]) >= 40 for q in exam.questions)


def test_no_external_links_or_images_in_lessons():
    for lesson in COURSES.glob("*/*/*.md"):
        text = lesson.read_text(encoding="utf-8")
        assert not re.search(r"!\[[^\]]*\]\((https?:)?//", text), lesson
        assert "<" not in re.sub(r"<\s*\d", "", text.split("\n---\n", 1)[1]), lesson


def test_hoax_course_has_scenario_questions():
    """Scenario questions describe a message or picture and ask for its type and first check."""
    banks = [
        yaml.safe_load(p.read_text(encoding="utf-8"))["questions"]
        for p in (COURSES / "cek-fakta-hoaks").rglob("*.yaml")
        if p.name in ("quiz.yaml", "final-exam.yaml")
    ]
    prompts = [q["prompt"].lower() for bank in banks for q in bank]
    scenarios = [p for p in prompts if "langkah pertama" in p or "pertama" in p and "jenis" in p]
    assert len(scenarios) >= 5, len(scenarios)
