"""The house rules of issue #10, checked on the source: no import cycle, no exercise named
outside its definition, every cue an exercise lists has a rule."""

from __future__ import annotations

import ast
from pathlib import Path

from formcheck.exercise.clinical_tests import CLINICAL_TESTS
from formcheck.exercise.cues import known_cues
from formcheck.exercise.definitions import EXERCISES

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "formcheck"
DEFINITIONS = (PACKAGE / "exercise" / "definitions.py", PACKAGE / "exercise" / "clinical_tests.py")
"""The definitions: exercises, and clinical tests (which name the exercise they run as)."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    return {_module_name(p): ast.parse(p.read_text(), str(p)) for p in PACKAGE.rglob("*.py")}


def _runtime_nodes(node: ast.AST) -> list[ast.AST]:
    """Every node under ``node`` except ``if TYPE_CHECKING:`` blocks (never run)."""
    out = [node]
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and ast.unparse(child.test) in (
            "TYPE_CHECKING", "typing.TYPE_CHECKING"
        ):
            out += [n for orelse in child.orelse for n in _runtime_nodes(orelse)]
            continue
        out += _runtime_nodes(child)
    return out


def _imports(tree: ast.Module, known: set[str]) -> set[str]:
    """The package modules a module imports when it runs (top level or inside functions;
    not under ``if TYPE_CHECKING:``)."""
    out: set[str] = set()
    for node in _runtime_nodes(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        out |= {n for n in names if n in known}
    return out


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (a path that returns to its start), or None."""
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt, path + [nxt])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_the_package_has_no_import_cycle() -> None:
    modules = _modules()
    known = set(modules)
    # a package's __init__ runs before its modules: importing a.b imports a, so edges to
    # the top package only matter when it imports back, which _imports sees itself
    graph = {name: _imports(tree, known) - {name} for name, tree in modules.items()}
    assert _cycle(graph) is None, f"import cycle: {' -> '.join(_cycle(graph) or [])}"


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def _named_exercises(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, name) of every exercise name used as a string or an attribute."""
    names = set(EXERCISES)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value in names:
            found.append((node.lineno, str(node.value)))
        elif isinstance(node, ast.Attribute) and node.attr in names:
            found.append((node.lineno, node.attr))
    return found


def test_no_exercise_is_named_outside_the_definitions() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line}: {name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path not in DEFINITIONS
        for line, name in _named_exercises(ast.parse(path.read_text()))
    ]
    assert not offenders, "exercise names outside exercise/definitions.py:\n" + "\n".join(
        offenders
    )


def test_the_name_finder_sees_strings_and_attributes() -> None:
    tree = ast.parse('if plan.exercise == "squat" or config.squat.depth: pass')
    assert [n for _, n in _named_exercises(tree)] == ["squat", "squat"]


def test_every_cue_an_exercise_lists_has_a_rule() -> None:
    missing = {s.name: set(s.cues) - known_cues() for s in EXERCISES.values()}
    assert not any(missing.values()), f"cues without a rule: {missing}"


def test_exercises_and_clinical_tests_agree_on_which_runs_which() -> None:
    by_tests = {(name, test.exercise) for name, test in CLINICAL_TESTS.items()}
    by_exercises = {(test, spec.name) for spec in EXERCISES.values() for test in spec.tests}
    assert by_tests == by_exercises
