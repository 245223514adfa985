"""The project's own import graph, read from source: no cycles, and handlers stay inside.

Every `import` and `from … import` counts, wherever it sits: inside a function, under
TYPE_CHECKING or at the top. A cycle hidden in a function body is still a cycle, it just
fails later. Handler modules (bot.handlers.*) may be imported only from inside the
handlers package and by the application wiring, bot.app, which may import the package
itself (its `register`) and nothing below it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "tips", "standin")  # standin/ once the stand-in is its own package
SCRIPTS = ("run.py",)
HANDLERS = "bot.handlers"
WIRING = "bot.app"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_sources(root: Path) -> dict[str, Path]:
    found = {module_name(path, root): path
             for package in PACKAGES if (root / package).is_dir()
             for path in sorted((root / package).rglob("*.py"))}
    found.update({module_name(root / script, root): root / script
                  for script in SCRIPTS if (root / script).is_file()})
    return found


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module a `from` import names (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(root: Path) -> dict[str, set[str]]:
    """module -> the project modules it imports (directly, from anywhere in its source)."""
    sources = project_sources(root)
    graph: dict[str, set[str]] = {name: set() for name in sources}
    for name, path in sources.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, path, node)
                # `from bot import handlers` imports the module bot.handlers.
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in sources
                           else base for alias in node.names]
            for target in targets:
                # `import bot.handlers.user` names the module itself, or its nearest package.
                while target and target not in sources:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One example path for every strongly connected group of two or more modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def handler_imports_from_outside(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    def is_handler(module: str) -> bool:
        return module == HANDLERS or module.startswith(HANDLERS + ".")

    bad = []
    for source, targets in graph.items():
        if is_handler(source):
            continue
        for target in targets:
            if is_handler(target) and not (source == WIRING and target == HANDLERS):
                bad.append((source, target))
    return sorted(bad)


# ------------------------------------------------------------------ the project

def test_the_project_has_no_import_cycle():
    graph = import_graph(ROOT)
    assert {"bot.app", "bot.handlers", "bot.handlers.admin", "tips.catalog"} <= set(graph)
    assert find_cycles(graph) == []


def test_only_the_wiring_imports_the_handlers_package():
    graph = import_graph(ROOT)
    assert HANDLERS in graph[WIRING], "bot.app registers the handlers"
    assert handler_imports_from_outside(graph) == []


# ------------------------------------------------------------------ the checker itself

def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_a_cycle_hidden_in_a_function_is_found(tmp_path):
    root = _project(tmp_path, {
        "bot/__init__.py": "",
        "bot/a.py": "from bot.b import x\n",
        "bot/b.py": "def register():\n    from bot import a\n",
        "bot/c.py": "import bot.a\n",
    })
    assert find_cycles(import_graph(root)) == [["bot.a", "bot.b"]]


def test_a_relative_import_cycle_is_found(tmp_path):
    root = _project(tmp_path, {
        "tips/__init__.py": "",
        "tips/x.py": "from .y import thing\n",
        "tips/y.py": "from . import x\n",
    })
    assert find_cycles(import_graph(root)) == [["tips.x", "tips.y"]]


def test_a_handler_module_imported_from_outside_is_found(tmp_path):
    root = _project(tmp_path, {
        "bot/__init__.py": "",
        "bot/app.py": "from bot import handlers\nfrom bot.handlers.admin import stats\n",
        "bot/handlers/__init__.py": "from bot.handlers import admin\n",
        "bot/handlers/admin.py": "from bot.handlers.common import send\n",
        "bot/handlers/common.py": "",
        "bot/console.py": "def f():\n    import bot.handlers.common\n",
    })
    assert handler_imports_from_outside(import_graph(root)) == [
        ("bot.app", "bot.handlers.admin"), ("bot.console", "bot.handlers.common")]
