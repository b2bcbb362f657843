"""The shape of the code (issue 12): no feature package imports a package that imports it
back, and the shared modules below the features import none of them."""

import ast

from lms import ROOT

PACKAGE = ROOT / "lms"
# The app factory, the CLI and the model registry sit above everything and may import it all.
TOP = {"__init__", "cli", "models"}


def unit_of(parts: tuple[str, ...]) -> str | None:
    """The unit a module belongs to: its feature package, or the shared module itself."""
    if not parts:
        return None
    if (PACKAGE / parts[0]).is_dir():
        return parts[0]
    name = parts[0].removesuffix(".py")
    return None if name in TOP else name


def imports() -> dict[str, set[str]]:
    """unit -> the other units it imports."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).parts
        source = unit_of(rel)
        if source is None:
            continue
        here = list(rel[:-1])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.ImportFrom) and node.level:
                base = here[: len(here) - (node.level - 1)]
                if node.module:
                    targets.append((*base, *node.module.split(".")))
                else:
                    targets += [(*base, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lms."):
                targets.append(tuple(node.module.split(".")[1:]))
            elif isinstance(node, ast.Import):
                targets += [
                    tuple(a.name.split(".")[1:]) for a in node.names if a.name.startswith("lms.")
                ]
            for target in targets:
                unit = unit_of(target)
                if unit and unit != source:
                    graph.setdefault(source, set()).add(unit)
    return graph


def reachable(graph, start) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_no_package_imports_one_that_imports_it_back():
    graph = imports()
    cycles = sorted(unit for unit in graph if unit in reachable(graph, unit))
    assert cycles == [], {unit: sorted(graph[unit]) for unit in cycles}


def test_shared_modules_import_no_feature_package():
    graph = imports()
    features = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    shared = {p.stem for p in PACKAGE.glob("*.py")} - TOP
    infrastructure = {"mail"}  # a package, but below every feature (outgoing email)
    leaks = {
        unit: sorted(graph.get(unit, set()) & (features - infrastructure))
        for unit in shared | infrastructure
        if graph.get(unit, set()) & (features - infrastructure)
    }
    assert leaks == {}


def test_the_check_sees_a_cycle():
    """The test above can fail: a package importing one that imports it back is found."""
    graph = {"catalog": {"quizzes"}, "quizzes": {"catalog"}, "accounts": set()}
    assert [u for u in graph if u in reachable(graph, u)] == ["catalog", "quizzes"]
