"""The house's rules, read from the imports of every module: bot -> handlers -> db, handlers know no
platform, and a feature (a module of handlers/ that declares a Router) never imports another feature."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_LIBRARIES = {"telegram", "discord", "aiohttp", "httpx"}


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, as dotted names (`from handlers import faq` gives handlers.faq)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _features() -> set[str]:
    """The features: top-level modules of handlers/ that declare their own Router, and packages whose
    __init__ does (handlers/practice/)."""
    modules = {
        p.stem
        for p in (ROOT / "handlers").glob("*.py")
        if "Router(" in p.read_text(encoding="utf-8") and p.stem != "__init__"
    }
    packages = {
        p.parent.name
        for p in (ROOT / "handlers").glob("*/__init__.py")
        if "Router(" in p.read_text(encoding="utf-8")
    }
    return modules | packages


def test_db_imports_neither_bot_nor_handlers() -> None:
    wrong = {
        (str(p.relative_to(ROOT)), m)
        for p in _modules("db")
        for m in _imports(p)
        if m.split(".")[0] in ("bot", "handlers")
    }
    assert wrong == set()


def test_handlers_import_no_bot_module_and_no_platform_library() -> None:
    wrong = {
        (str(p.relative_to(ROOT)), m)
        for p in _modules("handlers")
        for m in _imports(p)
        if m.split(".")[0] in PLATFORM_LIBRARIES | {"bot"}
    }
    assert wrong == set()


def test_no_feature_imports_another_feature() -> None:
    features = _features()
    assert {"faq", "roadmap", "study", "reminders", "general", "admin", "practice"} <= features
    wrong = set()
    for p in _modules("handlers"):
        me = p.relative_to(ROOT / "handlers").parts[0].removesuffix(".py")
        for m in _imports(p):
            parts = m.split(".")
            if parts[0] == "handlers" and len(parts) > 1 and parts[1] in features and parts[1] != me:
                wrong.add((str(p.relative_to(ROOT)), m))
    assert wrong == set(), "share it through handlers/replies.py, study_time.py or core/ instead"


def test_the_rule_sees_a_feature_importing_another(tmp_path: Path) -> None:
    """The check above can fail: an import of one feature by another is found."""
    module = tmp_path / "m.py"
    module.write_text("from handlers import roadmap\nfrom handlers.faq import understand\n", encoding="utf-8")
    assert {"handlers.roadmap", "handlers.faq"} <= _imports(module)
