"""Question types: one small class each, owning everything about its kind of question.

- `keys`: the YAML keys of its own (besides id, type, prompt, explanation);
- `validate(q, line)`: problems, as (message, line), in one question mapping read from YAML;
- `normalise(q)`: the plain data stored for the question at import;
- `draw(q, rng, shuffle)`: the question as printed on one attempt's paper (option ids, order fixed);
- `public(paper)`: what the browser may see of it (never the correct answer);
- `fields(paper)`: the form fields that carry its answer;
- `read(paper, answers)`: the trainee's answer from the submitted `Answers`, or AnswerError;
- `score(paper, answer, partial)`: a number between 0 and 1;
- `solution(paper)` and `describe(paper, answer)`: texts for the result page;
- `template`: `templates/quizzes/types/<name>.html`, which draws it on the attempt and result pages;
- `editor`, `from_form(values)`: the authoring form's part of the question
  (`templates/authoring/types/<name>.html`) and the YAML mapping it makes.

A sixth type is one more class here and its two templates.
"""

import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Answers:
    """What the browser sent for a page of a quiz: each answer field with its values. Views
    build it from the form; services and types never see the request."""

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]], prefix: str = "q-") -> "Answers":
        values: dict[str, list[str]] = {}
        for name, value in pairs:
            if name.startswith(prefix):
                values.setdefault(name, []).append(value)
        return cls({name: tuple(v) for name, v in values.items()})

    def get(self, name: str) -> str:
        found = self.values.get(name)
        return found[0] if found else ""

    def getlist(self, name: str) -> tuple[str, ...]:
        return self.values.get(name, ())

    def names(self) -> set[str]:
        return set(self.values)


EDITOR_SLOTS = 6  # option or pair rows in the authoring form


class AnswerError(ValueError):
    """The submitted answer does not fit the question (tampered or stale form)."""


def option_id() -> str:
    return secrets.token_hex(4)


def normalise_text(value: str) -> str:
    """Short answers ignore case, surrounding spaces and repeated spaces."""
    return re.sub(r"\s+", " ", str(value)).strip().casefold()


def _line(node, default):
    return getattr(node, "line", default)


def _text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


@dataclass
class QuestionType:
    name: str
    keys: frozenset = frozenset()

    @property
    def template(self) -> str:
        return f"quizzes/types/{self.name}.html"

    @property
    def editor(self) -> str:
        return f"authoring/types/{self.name}.html"

    def from_form(self, values: Answers) -> dict:
        """The question's own YAML keys from the authoring form (checked by `validate`)."""
        return {}

    def validate(self, q, line) -> list:
        return []

    def normalise(self, q) -> dict:
        """The plain data stored for this question."""
        return {}

    def draw(self, q, rng, shuffle) -> dict:
        return dict(q)

    def public(self, paper) -> dict:
        return {
            **{k: paper[k] for k in ("id", "type", "prompt")},
            "field": self.field(paper),
            "template": self.template,
        }

    def field(self, paper) -> str:
        return f"q-{paper['id']}"

    def fields(self, paper) -> set[str]:
        return {self.field(paper)}


@dataclass
class ChoiceType(QuestionType):
    many: bool = False  # several correct options (multiple) or exactly one (single)

    def validate(self, q, line):
        problems = []
        options = q.get("options")
        if not isinstance(options, list) or len(options) < 2:
            return [
                ("'options' must list at least 2 choices", line, _l("Write at least 2 options."))
            ]
        correct = 0
        texts = set()
        for option in options:
            oline = _line(option, line)
            if not isinstance(option, dict) or not _text(option.get("text")):
                problems.append(("each option needs a 'text'", oline, _l("Write every option.")))
                continue
            unknown = set(option) - {"text", "correct"}
            if unknown:
                problems.append((f"unknown option key: {', '.join(sorted(unknown))}", oline))
            if option.get("correct", False) not in (True, False):
                problems.append(("'correct' must be true or false", oline))
            if option["text"].strip() in texts:
                problems.append(
                    ("two options have the same text", oline, _l("Two options are the same."))
                )
            texts.add(option["text"].strip())
            correct += option.get("correct") is True
        if not self.many and correct != 1:
            problems.append(
                (
                    f"a 'single' question needs exactly 1 correct option, found {correct}",
                    line,
                    _l("Mark exactly one option as correct."),
                )
            )
        if self.many and correct < 1:
            problems.append(
                (
                    "a 'multiple' question needs at least 1 correct option",
                    line,
                    _l("Mark at least one option as correct."),
                )
            )
        return problems

    def normalise(self, q):
        return {
            "options": [
                {"text": o["text"].strip(), "correct": o.get("correct") is True}
                for o in q["options"]
            ]
        }

    def from_form(self, values: Answers) -> dict:
        correct = set(values.getlist("correct"))
        options = []
        for i in range(EDITOR_SLOTS):
            text = values.get(f"option-{i}").strip()
            if text:
                option = {"text": text}
                if str(i) in correct:
                    option["correct"] = True
                options.append(option)
        return {"options": options}

    def draw(self, q, rng, shuffle):
        options = [{**o, "id": option_id()} for o in q["options"]]
        if shuffle:
            rng.shuffle(options)
        return {**q, "options": options}

    def public(self, paper):
        return {
            **super().public(paper),
            "options": [{"id": o["id"], "text": o["text"]} for o in paper["options"]],
        }

    def read(self, paper, answers: Answers):
        ids = {o["id"] for o in paper["options"]}
        values = [v for v in answers.getlist(self.field(paper)) if v != ""]
        if any(v not in ids for v in values):
            raise AnswerError("unknown option")
        if not self.many:
            if len(values) > 1:
                raise AnswerError("one option only")
            return values[0] if values else None
        return sorted(set(values)) or None

    def score(self, paper, answer, partial=False):
        correct = {o["id"] for o in paper["options"] if o["correct"]}
        if not self.many:
            return 1.0 if answer in correct else 0.0
        chosen = set(answer or [])
        if chosen == correct:
            return 1.0
        if not partial:
            return 0.0
        right, wrong = len(chosen & correct), len(chosen - correct)
        return max(0.0, (right - wrong) / len(correct))

    def solution(self, paper):
        return [o["text"] for o in paper["options"] if o["correct"]]

    def describe(self, paper, answer):
        chosen = {answer} if isinstance(answer, str) else set(answer or [])
        return [o["text"] for o in paper["options"] if o["id"] in chosen]

    def perfect(self, paper):
        ids = [o["id"] for o in paper["options"] if o["correct"]]
        return sorted(ids) if self.many else ids[0]


class TrueFalseType(QuestionType):
    def validate(self, q, line):
        if q.get("answer") not in (True, False):
            return [
                (
                    "a 'true_false' question needs 'answer: true' or 'answer: false'",
                    q.line_of("answer"),
                    _l("Choose true or false."),
                )
            ]
        return []

    def normalise(self, q):
        return {"answer": q["answer"]}

    def from_form(self, values: Answers) -> dict:
        answer = values.get("answer")
        return {"answer": {"true": True, "false": False}.get(answer, answer or None)}

    LABELS = {"true": _l("True"), "false": _l("False")}

    def read(self, paper, answers: Answers):
        value = answers.get(self.field(paper))
        if value not in ("", "true", "false"):
            raise AnswerError("true or false")
        return value or None

    def score(self, paper, answer, partial=False):
        return 1.0 if answer == ("true" if paper["answer"] else "false") else 0.0

    def solution(self, paper):
        return [str(self.LABELS["true" if paper["answer"] else "false"])]

    def describe(self, paper, answer):
        return [str(self.LABELS[answer])] if answer in self.LABELS else []

    def perfect(self, paper):
        return "true" if paper["answer"] else "false"


class ShortAnswerType(QuestionType):
    def validate(self, q, line):
        answers = q.get("answers")
        if not isinstance(answers, list) or not answers:
            return [
                (
                    "a 'short_answer' question needs a list 'answers'",
                    q.line_of("answers"),
                    _l("Write at least one accepted answer."),
                )
            ]
        if not all(isinstance(a, str | int | float) and str(a).strip() for a in answers):
            return [
                (
                    "every accepted answer must be a non-empty text",
                    q.line_of("answers"),
                    _l("Write at least one accepted answer."),
                )
            ]
        return []

    def normalise(self, q):
        return {"answers": [str(a).strip() for a in q["answers"]]}

    def from_form(self, values: Answers) -> dict:
        lines = values.get("answers").splitlines()
        return {"answers": [line.strip() for line in lines if line.strip()]}

    MAX_LENGTH = 200

    def read(self, paper, answers: Answers):
        value = answers.get(self.field(paper))
        if len(value) > self.MAX_LENGTH:
            raise AnswerError("too long")
        return value.strip() or None

    def score(self, paper, answer, partial=False):
        accepted = {normalise_text(a) for a in paper["answers"]}
        return 1.0 if answer is not None and normalise_text(answer) in accepted else 0.0

    def solution(self, paper):
        return list(paper["answers"])

    def describe(self, paper, answer):
        return [answer] if answer else []

    def perfect(self, paper):
        return paper["answers"][0]


class MatchingType(QuestionType):
    def validate(self, q, line):
        pairs = q.get("pairs")
        if not isinstance(pairs, list) or len(pairs) < 2:
            return [
                (
                    "a 'matching' question needs at least 2 'pairs'",
                    line,
                    _l("Write at least 2 pairs."),
                )
            ]
        problems = []
        rights = []
        for pair in pairs:
            pline = _line(pair, line)
            if (
                not isinstance(pair, dict)
                or not _text(pair.get("left"))
                or not _text(pair.get("right"))
            ):
                problems.append(
                    (
                        "each pair needs a 'left' and a 'right' text",
                        pline,
                        _l("Every pair needs both sides."),
                    )
                )
                continue
            rights.append(pair["right"].strip())
        lefts = [p["left"].strip() for p in pairs if isinstance(p, dict) and _text(p.get("left"))]
        if len(set(lefts)) != len(lefts):
            problems.append(
                (
                    "two pairs have the same 'left' text",
                    line,
                    _l("Two pairs have the same left side."),
                )
            )
        return problems

    def normalise(self, q):
        return {
            "pairs": [{"left": p["left"].strip(), "right": p["right"].strip()} for p in q["pairs"]]
        }

    def from_form(self, values: Answers) -> dict:
        pairs = []
        for i in range(EDITOR_SLOTS):
            left, right = values.get(f"left-{i}").strip(), values.get(f"right-{i}").strip()
            if left or right:
                pairs.append({"left": left, "right": right})
        return {"pairs": pairs}

    def draw(self, q, rng, shuffle):
        texts = list(dict.fromkeys(p["right"] for p in q["pairs"]))
        choices = [{"id": option_id(), "text": t} for t in texts]
        by_text = {c["text"]: c["id"] for c in choices}
        rng.shuffle(choices)  # the right column is always shuffled, or matching is trivial
        return {
            **{k: v for k, v in q.items() if k != "pairs"},
            "left": [p["left"] for p in q["pairs"]],
            "choices": choices,
            "key": [by_text[p["right"]] for p in q["pairs"]],
        }

    def public(self, paper):
        return {**super().public(paper), "left": paper["left"], "choices": paper["choices"]}

    def fields(self, paper) -> set[str]:
        return {f"{self.field(paper)}-{i}" for i in range(len(paper["left"]))}

    def read(self, paper, answers: Answers):
        ids = {c["id"] for c in paper["choices"]}
        answer = []
        for i in range(len(paper["left"])):
            value = answers.get(f"{self.field(paper)}-{i}")
            if value and value not in ids:
                raise AnswerError("unknown choice")
            answer.append(value or None)
        return answer if any(answer) else None

    def score(self, paper, answer, partial=False):
        key = paper["key"]
        answer = answer or [None] * len(key)
        right = sum(a == k for a, k in zip(answer, key, strict=False))
        if right == len(key):
            return 1.0
        if not partial:
            return 0.0
        wrong = sum(a is not None and a != k for a, k in zip(answer, key, strict=False))
        return max(0.0, (right - wrong) / len(key))

    def _choice_text(self, paper, choice_id):
        return next((c["text"] for c in paper["choices"] if c["id"] == choice_id), "—")

    def solution(self, paper):
        return [
            f"{left} → {self._choice_text(paper, k)}"
            for left, k in zip(paper["left"], paper["key"], strict=True)
        ]

    def describe(self, paper, answer):
        if not answer:
            return []
        return [
            f"{left} → {self._choice_text(paper, a)}"
            for left, a in zip(paper["left"], answer, strict=False)
        ]

    def perfect(self, paper):
        return list(paper["key"])


TYPES: dict[str, QuestionType] = {
    kind.name: kind
    for kind in (
        ChoiceType("single", frozenset({"options"})),
        ChoiceType("multiple", frozenset({"options"}), many=True),
        TrueFalseType("true_false", frozenset({"answer"})),
        ShortAnswerType("short_answer", frozenset({"answers"})),
        MatchingType("matching", frozenset({"pairs"})),
    )
}
