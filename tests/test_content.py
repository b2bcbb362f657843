import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.catalog.models import Course, Lesson, LessonProgress
from lms.content.loader import load_tree
from lms.extensions import db
from lms.quizzes.models import Quiz

from .conftest import FIXTURES

SAMPLE = FIXTURES / "courses" / "kursus-contoh"


@pytest.fixture
def tree(tmp_path):
    """A writable copy of the sample course tree."""
    root = tmp_path / "courses"
    shutil.copytree(SAMPLE, root / "kursus-contoh")
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def problems_of(root) -> list[str]:
    return [str(p) for p in load_tree(root)[1]]


def test_sample_course_parses_every_question_type():
    courses, problems = load_tree(FIXTURES / "courses")
    assert problems == []
    course = courses[0]
    assert [m.slug for m in course.modules] == ["pengenalan", "praktik"]
    assert [len(m.lessons) for m in course.modules] == [2, 1]
    types = {q["type"] for q in course.modules[0].quiz.questions}
    assert types == {"single", "multiple", "true_false", "short_answer", "matching"}
    assert course.final_exam.settings["pass_mark"] == 75
    assert course.certificate_requires == ["all_lessons", "module_quizzes", "final_exam"]


def test_check_cli_passes_on_a_good_tree(runner):
    result = runner.invoke(args=["courses", "check", str(FIXTURES / "courses")])
    assert result.exit_code == 0
    assert "OK: 1 course(s), 3 lesson(s)." in result.output


BROKEN = [
    (
        "course.yaml",
        "level: dasar",
        "level: mahir",
        "kursus-contoh/course.yaml:3: 'level' must be one of",
    ),
    (
        "course.yaml",
        "hours: 2",
        "hours: dua",
        "kursus-contoh/course.yaml:4: 'hours' must be a whole number",
    ),
    (
        "course.yaml",
        "level: dasar",
        "level: dasar: lanjut",
        "kursus-contoh/course.yaml:3: invalid YAML",
    ),
    (
        "01-pengenalan/01-apa-itu-kim.md",
        "minutes: 5",
        "minutes: lima",
        "01-apa-itu-kim.md:3: 'minutes' must be a whole number",
    ),
    (
        "01-pengenalan/01-apa-itu-kim.md",
        "(alur.svg)",
        "(hilang.svg)",
        "01-apa-itu-kim.md:7: image 'hilang.svg' not found",
    ),
    (
        "01-pengenalan/01-apa-itu-kim.md",
        "(alur.svg)",
        "(https://cdn.example/a.png)",
        "must be a file in the course folder",
    ),
    (
        "01-pengenalan/quiz.yaml",
        "      - text: Partai politik",
        "      - text: Partai politik\n        correct: true",
        "question 'siapa-membentuk': a 'single' question needs exactly 1 correct option, found 2",
    ),
    (
        "01-pengenalan/quiz.yaml",
        "    answer: false",
        "    answer: mungkin",
        "quiz.yaml:31: question 'anggota-kim': a 'true_false' question needs",
    ),
    (
        "01-pengenalan/quiz.yaml",
        '    answers: ["KIM"]',
        "    answers: []",
        "question 'singkatan-kim': a 'short_answer' question needs a list 'answers'",
    ),
    (
        "01-pengenalan/quiz.yaml",
        "      - left: N\n        right: Networking\n",
        "",
        "question 'pasangkan-adinda': a 'matching' question needs at least 2 'pairs'",
    ),
    (
        "01-pengenalan/quiz.yaml",
        "  - id: anggota-kim",
        "  - id: siapa-membentuk",
        "question id 'siapa-membentuk' is used twice",
    ),
    ("01-pengenalan/quiz.yaml", "    type: true_false", "    type: esai", "'type' must be one of"),
    (
        "01-pengenalan/quiz.yaml",
        "    explanation: KIM adalah singkatan dari Kelompok Informasi Masyarakat.\n",
        "",
        "quiz.yaml:33: 'explanation' must be a non-empty text",
    ),
    (
        "01-pengenalan/quiz.yaml",
        "questions_per_attempt: 5",
        "questions_per_attempt: 9",
        "'questions_per_attempt' is 9 but the bank has 5 questions",
    ),
    (
        "01-pengenalan/quiz.yaml",
        "pass_mark: 70",
        "pass_mark: 170",
        "'pass_mark' must be between 0 and 100",
    ),
    ("01-pengenalan/module.yaml", "title: Pengenalan", "judul: Pengenalan", "unknown key: judul"),
    (
        "01-pengenalan/quiz.yaml",
        "pass_mark: 70",
        "pass_mark: 70\nreview: sesudah",
        "quiz.yaml:3: 'review' must be one of: after_each_attempt, after_pass, after_last_attempt",
    ),
    (
        "course.yaml",
        "version: 1",
        "version: " + "1" * 25,
        "'version' has at most 20 characters",
    ),
    ("02-praktik/task.yaml", "pass_score: 4", "pass_score: 9", "task.yaml:32: 'pass_score' is 9"),
    ("02-praktik/task.yaml", "review: trainer_or_peer", "review: guru", "task.yaml:33: 'review'"),
    (
        "02-praktik/task.yaml",
        "      - points: 2\n        description: Satu",
        "      - points: 0\n        description: Satu",
        "criterion 'kelengkapan-5w1h': points must rise level by level",
    ),
    (
        "02-praktik/task.yaml",
        "    max_words: 400",
        "    max_words: 10",
        "task.yaml:10: 'max_words' is below 'min_words'",
    ),
    (
        "02-praktik/task.yaml",
        "    max: 2",
        "    max: 5",
        "task.yaml:13: 'max' must be between 1 and 4",
    ),
    (
        "02-praktik/task.yaml",
        "peer_reviewers: 2",
        "peer_reviewers: 9",
        "'peer_reviewers' must be between 1 and 5",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "expected"), BROKEN)
def test_check_reports_file_and_line(runner, tree, file, old, new, expected):
    edit(tree / "kursus-contoh" / file, old, new)
    result = runner.invoke(args=["courses", "check", str(tree)])
    assert result.exit_code == 1
    assert expected in result.output, result.output


def test_check_warns_when_the_hours_do_not_match_the_content(runner, tree):
    """Issue 18: 1 JP = 45 minutes of lessons, quizzes, exam and tasks; more than 25% off is
    a warning (the check still passes)."""
    result = runner.invoke(args=["courses", "check", str(tree)])
    assert result.exit_code == 0 and "warning" not in result.output, result.output
    edit(tree / "kursus-contoh" / "course.yaml", "hours: 2", "hours: 12")
    result = runner.invoke(args=["courses", "check", str(tree)])
    assert result.exit_code == 0
    warning = "kursus-contoh/course.yaml: warning: 'hours' is 12 but the content takes"
    assert warning in result.output


@pytest.mark.parametrize(
    "svg",
    [
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><rect onclick="x()"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:l="http://www.w3.org/1999/xlink">'
        '<a l:href="https://penipu.example"><text>x</text></a></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><image href="data:image/png;base64,AA"/></svg>',
        '<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>',
        '<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(https://x/y)"/></svg>',
        "<svg",
    ],
)
def test_unsafe_svg_figures_are_refused(tree, svg):
    (tree / "kursus-contoh" / "01-pengenalan" / "alur.svg").write_text(svg)
    assert any("alur.svg" in p for p in problems_of(tree))


def test_a_module_task_is_read_with_its_rubric():
    courses, problems = load_tree(FIXTURES / "courses")
    assert problems == []
    [course] = courses
    task = course.modules[1].task
    assert task.title == "Tulis kabar desa dengan 5W+1H" and task.minutes == 45
    assert task.submit == {
        "text": {"min_words": 30, "max_words": 400},
        "photos": {"min": 1, "max": 2},
        "link": "optional",
    }
    assert [c["id"] for c in task.rubric] == ["kelengkapan-5w1h", "foto-dan-keterangan"]
    assert task.max_score == 6 and task.pass_score == 4
    assert (task.review, task.peer_reviewers) == ("trainer_or_peer", 2)
    assert "<strong>apa, siapa" in task.instructions_html


def test_misnamed_files_and_folders_are_reported(tree):
    course = tree / "kursus-contoh"
    (course / "01-pengenalan" / "catatan.txt").write_text("x")
    (course / "modul-tanpa-nomor").mkdir()
    (course / "02-praktik" / "Pelajaran Baru.md").write_text("---\ntitle: x\nminutes: 1\n---\nx")
    problems = "\n".join(problems_of(tree))
    assert "catatan.txt:0: unexpected file in a module folder" in problems
    assert "modul-tanpa-nomor:0: a module folder is named NN-slug" in problems
    assert "Pelajaran Baru.md:0: a lesson file is named NN-slug.md" in problems


def test_import_is_idempotent_and_reports_counts(runner):
    first = runner.invoke(args=["courses", "import", str(FIXTURES / "courses")])
    assert first.exit_code == 0
    assert "courses: 1 created, 0 updated, 0 hidden" in first.output
    assert "lessons: 3 created, 0 updated, 0 hidden" in first.output
    assert "quizzes: 2 created" in first.output
    second = runner.invoke(args=["courses", "import", str(FIXTURES / "courses")])
    assert "lessons: 0 created, 0 updated, 0 hidden" in second.output
    assert "courses: 0 created, 0 updated, 0 hidden" in second.output


def test_reimport_keeps_progress_and_hides_removed_lessons(app, runner, tree, make_user):
    runner.invoke(args=["courses", "import", str(tree)])
    user_id = make_user()
    with app.app_context():
        lessons = {slug: id_ for slug, id_ in db.session.execute(select(Lesson.slug, Lesson.id))}
        course_id = db.session.scalar(select(Course.id))
        for slug in ("apa-itu-kim", "menulis-kabar"):
            db.session.add(
                LessonProgress(user_id=user_id, lesson_id=lessons[slug], course_id=course_id)
            )
        db.session.commit()

    module = tree / "kursus-contoh" / "01-pengenalan"
    edit(module / "01-apa-itu-kim.md", "title: Apa itu KIM?", "title: Mengenal KIM")
    (tree / "kursus-contoh" / "02-praktik" / "01-menulis-kabar.md").unlink()
    (tree / "kursus-contoh" / "02-praktik" / "02-menulis-berita.md").write_text(
        "---\ntitle: Menulis berita\nminutes: 3\n---\nTeks.\n"
    )
    result = runner.invoke(args=["courses", "import", str(tree)])
    assert result.exit_code == 0, result.output
    assert "lessons: 1 created, 1 updated, 1 hidden" in result.output

    with app.app_context():
        rows = dict(db.session.execute(select(Lesson.slug, Lesson.hidden)).all())
        assert rows == {
            "apa-itu-kim": False,
            "adinda": False,
            "menulis-kabar": True,
            "menulis-berita": False,
        }
        assert db.session.query(LessonProgress).count() == 2  # nothing deleted
        assert (
            db.session.scalar(select(Lesson.title).where(Lesson.slug == "apa-itu-kim"))
            == "Mengenal KIM"
        )


def test_broken_tree_imports_nothing(app, runner, tree):
    edit(tree / "kursus-contoh" / "01-pengenalan" / "quiz.yaml", "pass_mark: 70", "pass_mark: x")
    result = runner.invoke(args=["courses", "import", str(tree)])
    assert result.exit_code == 1
    assert "Nothing imported" in result.output
    with app.app_context():
        assert db.session.query(Course).count() == 0
        assert db.session.query(Quiz).count() == 0


def test_removed_course_is_hidden_from_the_catalogue(client, runner, tree, tmp_path):
    runner.invoke(args=["courses", "import", str(tree)])
    assert "Kursus Contoh" in client.get("/kursus").get_data(as_text=True)
    empty = tmp_path / "kosong"
    (empty / "lain").mkdir(parents=True)
    shutil.copytree(SAMPLE, empty / "lain" / "kursus-lain")
    edit(
        empty / "lain" / "kursus-lain" / "course.yaml", "title: Kursus Contoh", "title: Kursus Lain"
    )
    result = runner.invoke(args=["courses", "import", str(empty / "lain")])
    assert "courses: 1 created, 0 updated, 1 hidden" in result.output
    html = client.get("/kursus").get_data(as_text=True)
    assert "Kursus Lain" in html and "Kursus Contoh" not in html
    assert client.get("/kursus/kursus-contoh").status_code == 404
