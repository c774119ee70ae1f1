"""The house rules of docs/architecture (issue 10), checked on the source so they stay true.

* Imports point one way: ``integrations`` and ``tagging`` -> ``costs`` -> ``vantage``; ``vantage``
  imports no app, ``costs`` neither ``integrations`` nor ``tagging``, and the two feature apps not
  each other.
* No two modules import each other, directly or through others.
* An import inside a function only where Django requires it, with a comment saying why.
* No function in the app packages is longer than 60 lines.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("vantage", "costs", "integrations", "tagging")
# Which first-party packages each app may import (itself included).
ALLOWED = {
    "vantage": {"vantage"},
    "costs": {"costs", "vantage"},
    "integrations": {"integrations", "costs", "vantage"},
    "tagging": {"tagging", "costs", "vantage"},
}
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _enclosing_function(node: ast.AST, parents) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return node
    return None


def _targets(module: str, path: Path, node: ast.AST) -> list[str]:
    """The first-party modules an import statement reaches (``from pkg import name`` may name a module)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            anchor = package
            for _ in range(node.level - 1):
                anchor = anchor.rpartition(".")[0]
            base = f"{anchor}.{base}" if node.module else anchor
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
    out = []
    for name in names:
        if name.split(".")[0] not in APPS:
            continue
        while name not in MODULES and "." in name:
            name = name.rpartition(".")[0]
        if name in MODULES and name != module:
            out.append(name)
    return out


def _imports():
    """(module, line, target, enclosing function's first line or None, source lines) for every first-party import."""
    for module, path in MODULES.items():
        source = path.read_text()
        tree = ast.parse(source)
        parents = _parents(tree)
        lines = source.splitlines()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                function = _enclosing_function(node, parents)
                for target in _targets(module, path, node):
                    yield module, node.lineno, target, function and function.lineno, lines


def test_imports_point_one_way():
    wrong = sorted({
        f"{module}:{line} imports {target}"
        for module, line, target, _, _ in _imports()
        if target.split(".")[0] not in ALLOWED[module.split(".")[0]]
    })
    assert not wrong, "Imports against the direction integrations/tagging -> costs -> vantage:\n" + "\n".join(wrong)


def test_no_import_cycles():
    graph = defaultdict(set)
    for module, _, target, _, _ in _imports():
        graph[module].add(target)
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for module in sorted(MODULES):
        if module not in state:
            visit(module, [])
    assert not cycles, "Modules that import each other:\n" + "\n".join(cycles)


def _says_why(lines: list[str], function_line: int, line: int) -> bool:
    """A comment on the import's line, or on a line of the function between its ``def`` and the import."""
    return "#" in lines[line - 1] or any(text.strip().startswith("#") for text in lines[function_line:line - 1])


def test_imports_inside_functions_say_why():
    """Allowed only where Django requires it (AppConfig.ready and the like), with a comment saying so."""
    silent = sorted({
        f"{module}:{line} imports {target}"
        for module, line, target, function_line, lines in _imports()
        if function_line and not _says_why(lines, function_line, line)
    })
    assert not silent, "Imports inside functions without a comment saying why Django needs them:\n" + "\n".join(silent)


@pytest.mark.parametrize("app", APPS)
def test_functions_are_short(app):
    long = []
    for module, path in MODULES.items():
        if module.split(".")[0] != app:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{module}.{node.name} ({path.name}:{node.lineno}): {length} lines")
    assert not long, f"Functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(long)


def test_the_checks_see_the_code():
    """Guard against a check that passes because it reads nothing."""
    assert {"costs.models", "integrations.models", "tagging.models", "vantage.models"} <= set(MODULES)
    assert sum(1 for _ in _imports()) > 100
