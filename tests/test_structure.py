"""The package's shape (issue 24): one folder per stage, no import cycles, no oversized module.

Read from the source with ``ast`` (nothing is imported), so a new cycle or a module grown past
the limit fails here, not in a reviewer's head."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PKG = ROOT / "nougat_align"
MAX_LINES = 520  # "no module over ~500 lines"
STAGES = {"source", "html2md", "pdf", "split", "layout", "run", "export", "report", "evaluate"}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Modules of nougat_align that ``path`` imports, at any depth, ``TYPE_CHECKING`` blocks
    included (the seven html parts once formed a circle through such imports alone)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("nougat_align")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("nougat_align"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}  # ``from pkg import module``
    return found


def _graph() -> dict[str, set[str]]:
    paths = {_module(p): p for p in PKG.rglob("*.py")}
    return {m: {i for i in _imports(p) if i in paths and i != m} for m, p in paths.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle, or []."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str]:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        stack.pop()
        state[m] = 2
        return []

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return []


def test_no_import_cycle():
    # nougat_align/__init__ names its lazily imported exports as strings; its TYPE_CHECKING
    # imports of them are the one place a stage module is imported "upwards"
    graph = _graph()
    graph["nougat_align"] = set()
    assert _cycle(graph) == []


def test_the_cycle_check_sees_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def test_html2md_parts_never_import_the_converter():
    graph = _graph()
    parts = [m for m in graph if m.startswith("nougat_align.html2md.") and m != "nougat_align.html2md.convert"]
    assert parts and all("nougat_align.html2md.convert" not in graph[m] for m in parts)


def test_no_module_is_oversized():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in PKG.rglob("*.py")}
    assert {p: n for p, n in sizes.items() if n > MAX_LINES} == {}


def test_one_folder_per_stage():
    folders = {p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert folders == STAGES
    top = {p.stem for p in PKG.glob("*.py")}
    assert top == {"__init__", "__main__", "cli", "errors", "records", "normalize", "pipeline", "write"}
