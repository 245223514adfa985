"""The project's own import graph, read from source: no cycles, layers, handlers stay inside.

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
WIRING = "bot.runtime.app"

# The layers of bot/, top to bottom: a module may import its own layer and the ones below,
# never one above. The process (runtime) wires handlers; handlers parse and reply; delivery
# (tick, sender) plans with the tip feed's rotation rules and sends on the bot's own
# initiative; ui words what people see (from services' results); services hold the rules;
# storage holds all SQL; pure modules (time, zones, parsing, the diary's models and rules,
# the tip content) know no layer at all. Renderers reach the sender by injection from the
# wiring, never by an import upward.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("bot.runtime",),
    ("bot.handlers",),
    ("bot.delivery",),
    ("bot.ui",),
    ("bot.services",),
    ("bot.storage",),
    ("bot.core", "bot.diary", "tips"),
)


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


def layer_of(module: str) -> int | None:
    """The index of the layer a module belongs to (0 is the top), or None outside them."""
    for index, packages in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in packages):
            return index
    return None


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Every import of a module in a higher layer than the importer's."""
    bad = []
    for source, targets in graph.items():
        here = layer_of(source)
        for target in targets:
            there = layer_of(target)
            if here is not None and there is not None and there < here:
                bad.append((source, target))
    return sorted(bad)


def unplaced_modules(graph: dict[str, set[str]]) -> list[str]:
    """bot modules that belong to no layer (a new flat module in bot/ must pick one)."""
    return sorted(m for m in graph
                  if m.startswith("bot.") and layer_of(m) is None)


# ------------------------------------------------------------------ the project

def test_the_project_has_no_import_cycle():
    graph = import_graph(ROOT)
    assert {"bot.runtime.app", "bot.handlers", "bot.handlers.admin", "tips.catalog"} <= set(graph)
    assert find_cycles(graph) == []


def test_every_module_of_bot_sits_in_a_layer_and_imports_none_above_it():
    graph = import_graph(ROOT)
    assert {"bot.runtime.app", "bot.delivery.sender", "bot.services.diary",
            "bot.storage.outbox", "bot.diary.weekly"} <= set(graph)
    assert unplaced_modules(graph) == []
    assert upward_imports(graph) == []


def test_only_the_wiring_imports_the_handlers_package():
    graph = import_graph(ROOT)
    assert HANDLERS in graph[WIRING], "bot.runtime.app registers the handlers"
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
        "bot/runtime/app.py": "from bot import handlers\nfrom bot.handlers.admin import stats\n",
        "bot/handlers/__init__.py": "from bot.handlers import admin\n",
        "bot/handlers/admin.py": "from bot.handlers.common import send\n",
        "bot/handlers/common.py": "",
        "bot/runtime/console.py": "def f():\n    import bot.handlers.common\n",
    })
    assert handler_imports_from_outside(import_graph(root)) == [
        ("bot.runtime.app", "bot.handlers.admin"), ("bot.runtime.console", "bot.handlers.common")]


def test_an_import_of_a_higher_layer_is_found(tmp_path):
    root = _project(tmp_path, {
        "bot/__init__.py": "",
        "bot/storage/__init__.py": "",
        "bot/storage/outbox.py": "def f():\n    from bot.services.feed import x\n",
        "bot/services/__init__.py": "",
        "bot/services/feed.py": "from bot.storage import outbox\nfrom bot.core import clock\n",
        "bot/core/__init__.py": "",
        "bot/core/clock.py": "",
        "bot/loose.py": "",
    })
    graph = import_graph(root)
    assert upward_imports(graph) == [("bot.storage.outbox", "bot.services.feed")]
    assert unplaced_modules(graph) == ["bot.loose"]
