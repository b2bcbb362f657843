"""Question types: one small class each (validate the file's data; later: draw, score).

`validate(q)` returns a list of (message, line) problems for one question mapping read from YAML.
"""

from dataclasses import dataclass


def _line(node, default):
    return getattr(node, "line", default)


def _text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


@dataclass
class QuestionType:
    name: str

    def validate(self, q, line) -> list:
        return []

    def normalise(self, q) -> dict:
        """The plain data stored for this question."""
        return {}


class ChoiceType(QuestionType):
    def validate(self, q, line):
        problems = []
        options = q.get("options")
        if not isinstance(options, list) or len(options) < 2:
            return [("'options' must list at least 2 choices", line)]
        correct = 0
        texts = set()
        for option in options:
            oline = _line(option, line)
            if not isinstance(option, dict) or not _text(option.get("text")):
                problems.append(("each option needs a 'text'", oline))
                continue
            unknown = set(option) - {"text", "correct"}
            if unknown:
                problems.append((f"unknown option key: {', '.join(sorted(unknown))}", oline))
            if option.get("correct", False) not in (True, False):
                problems.append(("'correct' must be true or false", oline))
            if option["text"].strip() in texts:
                problems.append(("two options have the same text", oline))
            texts.add(option["text"].strip())
            correct += option.get("correct") is True
        if self.name == "single" and correct != 1:
            problems.append(
                (f"a 'single' question needs exactly 1 correct option, found {correct}", line)
            )
        if self.name == "multiple" and correct < 1:
            problems.append(("a 'multiple' question needs at least 1 correct option", line))
        return problems

    def normalise(self, q):
        return {
            "options": [
                {"text": o["text"].strip(), "correct": o.get("correct") is True}
                for o in q["options"]
            ]
        }


class TrueFalseType(QuestionType):
    def validate(self, q, line):
        if q.get("answer") not in (True, False):
            return [
                (
                    "a 'true_false' question needs 'answer: true' or 'answer: false'",
                    q.line_of("answer"),
                )
            ]
        return []

    def normalise(self, q):
        return {"answer": q["answer"]}


class ShortAnswerType(QuestionType):
    def validate(self, q, line):
        answers = q.get("answers")
        if not isinstance(answers, list) or not answers:
            return [("a 'short_answer' question needs a list 'answers'", q.line_of("answers"))]
        if not all(isinstance(a, str | int | float) and str(a).strip() for a in answers):
            return [("every accepted answer must be a non-empty text", q.line_of("answers"))]
        return []

    def normalise(self, q):
        return {"answers": [str(a).strip() for a in q["answers"]]}


class MatchingType(QuestionType):
    def validate(self, q, line):
        pairs = q.get("pairs")
        if not isinstance(pairs, list) or len(pairs) < 2:
            return [("a 'matching' question needs at least 2 'pairs'", line)]
        problems = []
        rights = []
        for pair in pairs:
            pline = _line(pair, line)
            if (
                not isinstance(pair, dict)
                or not _text(pair.get("left"))
                or not _text(pair.get("right"))
            ):
                problems.append(("each pair needs a 'left' and a 'right' text", pline))
                continue
            rights.append(pair["right"].strip())
        lefts = [p["left"].strip() for p in pairs if isinstance(p, dict) and _text(p.get("left"))]
        if len(set(lefts)) != len(lefts):
            problems.append(("two pairs have the same 'left' text", line))
        return problems

    def normalise(self, q):
        return {
            "pairs": [{"left": p["left"].strip(), "right": p["right"].strip()} for p in q["pairs"]]
        }


TYPES: dict[str, QuestionType] = {
    "single": ChoiceType("single"),
    "multiple": ChoiceType("multiple"),
    "true_false": TrueFalseType("true_false"),
    "short_answer": ShortAnswerType("short_answer"),
    "matching": MatchingType("matching"),
}

TYPE_KEYS = {
    "single": {"options"},
    "multiple": {"options"},
    "true_false": {"answer"},
    "short_answer": {"answers"},
    "matching": {"pairs"},
}
