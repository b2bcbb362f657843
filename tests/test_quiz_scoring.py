"""Scoring of each question type, as pure functions over a drawn paper."""

import random

from hypothesis import given
from hypothesis import strategies as st

from lms.quizzes.types import TYPES

CHOICE = {
    "id": "q",
    "type": "multiple",
    "prompt": "Pilih",
    "explanation": "Karena.",
    "options": [
        {"text": "A", "correct": True},
        {"text": "B", "correct": True},
        {"text": "C", "correct": False},
        {"text": "D", "correct": False},
    ],
}
MATCHING = {
    "id": "m",
    "type": "matching",
    "prompt": "Pasangkan",
    "explanation": "Karena.",
    "pairs": [
        {"left": "Foto lama", "right": "Konteks yang salah"},
        {"left": "Akun palsu", "right": "Konten tiruan"},
        {"left": "Sindiran", "right": "Satire"},
    ],
}


def draw(question, seed=1):
    return TYPES[question["type"]].draw(question, random.Random(seed), True)


def test_single_choice():
    paper = draw({**CHOICE, "type": "single", "options": CHOICE["options"][1:]})
    right = next(o["id"] for o in paper["options"] if o["correct"])
    wrong = next(o["id"] for o in paper["options"] if not o["correct"])
    kind = TYPES["single"]
    assert (kind.score(paper, right), kind.score(paper, wrong), kind.score(paper, None)) == (
        1,
        0,
        0,
    )


def test_multiple_choice_is_all_or_nothing_unless_partial():
    paper = draw(CHOICE)
    ids = {o["text"]: o["id"] for o in paper["options"]}
    kind = TYPES["multiple"]
    assert kind.score(paper, [ids["A"], ids["B"]]) == 1
    assert kind.score(paper, [ids["A"]]) == 0
    assert kind.score(paper, [ids["A"]], partial=True) == 0.5
    assert kind.score(paper, [ids["A"], ids["C"]], partial=True) == 0
    assert kind.score(paper, [ids["A"], ids["B"], ids["C"]], partial=True) == 0.5
    assert kind.score(paper, [ids["C"], ids["D"]], partial=True) == 0


def test_true_false():
    paper = draw(
        {"id": "t", "type": "true_false", "prompt": "?", "explanation": ".", "answer": False}
    )
    kind = TYPES["true_false"]
    assert kind.score(paper, "false") == 1 and kind.score(paper, "true") == 0
    assert kind.score(paper, None) == 0


def test_short_answer_ignores_case_and_spacing():
    question = {
        "id": "s",
        "type": "short_answer",
        "prompt": "?",
        "explanation": ".",
        "answers": ["Quick Response Code Indonesian Standard", "QRIS"],
    }
    paper = draw(question)
    kind = TYPES["short_answer"]
    for answer in ("qris", "  QRIS ", "quick   response code  INDONESIAN standard"):
        assert kind.score(paper, answer) == 1, answer
    for answer in ("QR IS", "QRIS!", "", None):
        assert kind.score(paper, answer) == 0, answer


def test_matching_all_or_nothing_unless_partial():
    paper = draw(MATCHING)
    kind = TYPES["matching"]
    key = paper["key"]
    assert kind.score(paper, list(key)) == 1
    swapped = [key[1], key[0], key[2]]
    assert kind.score(paper, swapped) == 0
    assert kind.score(paper, swapped, partial=True) == 0  # 1 right - 2 wrong, floored at 0
    assert kind.score(paper, [key[0], None, None], partial=True) == 1 / 3


def test_matching_never_reveals_the_key_to_the_browser():
    paper = draw(MATCHING)
    public = TYPES["matching"].public(paper)
    assert "key" not in public and "pairs" not in public
    assert [c["text"] for c in public["choices"]] != [None]


@st.composite
def question_and_answer(draw_):
    kind = draw_(st.sampled_from(["single", "multiple", "true_false", "short_answer", "matching"]))
    n = draw_(st.integers(min_value=2, max_value=6))
    if kind in ("single", "multiple"):
        correct = draw_(
            st.sets(st.integers(0, n - 1), min_size=1, max_size=1 if kind == "single" else n)
        )
        q = {"options": [{"text": f"opsi {i}", "correct": i in correct} for i in range(n)]}
    elif kind == "true_false":
        q = {"answer": draw_(st.booleans())}
    elif kind == "short_answer":
        q = {
            "answers": draw_(
                st.lists(st.text(min_size=1, max_size=8).filter(str.strip), min_size=1, max_size=3)
            )
        }
    else:
        q = {
            "pairs": [
                {"left": f"kiri {i}", "right": f"kanan {i % draw_(st.integers(1, n))}"}
                for i in range(n)
            ]
        }
    question = {"id": "x", "type": kind, "prompt": "?", "explanation": ".", **q}
    paper = TYPES[kind].draw(question, random.Random(draw_(st.integers())), draw_(st.booleans()))
    ids = [o["id"] for o in paper.get("options", [])] + [c["id"] for c in paper.get("choices", [])]
    if kind == "single":
        answer = draw_(st.one_of(st.none(), st.sampled_from(ids)))
    elif kind == "multiple":
        answer = sorted(draw_(st.sets(st.sampled_from(ids))))
    elif kind == "true_false":
        answer = draw_(st.sampled_from([None, "true", "false"]))
    elif kind == "short_answer":
        answer = draw_(st.one_of(st.none(), st.text(max_size=10)))
    else:
        answer = [draw_(st.one_of(st.none(), st.sampled_from(ids))) for _ in paper["left"]]
    return paper, answer


@given(question_and_answer(), st.booleans())
def test_a_score_is_always_between_0_and_1(pair, partial):
    paper, answer = pair
    assert 0 <= TYPES[paper["type"]].score(paper, answer, partial) <= 1


@given(question_and_answer(), st.booleans())
def test_a_fully_correct_answer_always_scores_the_maximum(pair, partial):
    paper, _ = pair
    kind = TYPES[paper["type"]]
    assert kind.score(paper, kind.perfect(paper), partial) == 1
