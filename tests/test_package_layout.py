"""The package's import rules, read from the source: SQL lives in storage, Flask in the web
layer, and geometry knows neither (issue #18's layout)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "geoapp"
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b", re.S
)
WEB_MODULES = ("app.py", "cli.py")


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def name(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute (relative imports resolved)."""
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def is_web(path: Path) -> bool:
    """Views, the web layer and the app factory may use Flask."""
    relative = path.relative_to(PACKAGE)
    return (
        relative.parts[0] == "web"
        or path.name == "views.py"
        or path.name.endswith("_views.py")
        or relative.as_posix() in WEB_MODULES
    )


def uses_flask(path: Path) -> bool:
    return any(m == "flask" or m.startswith(("flask.", "flask_")) for m in imported(path))


@pytest.mark.parametrize("path", modules(), ids=name)
def test_only_views_the_web_layer_and_the_app_import_flask(path: Path) -> None:
    assert is_web(path) or not uses_flask(path), f"{name(path)} imports Flask"


@pytest.mark.parametrize("path", modules(), ids=name)
def test_sql_is_written_only_inside_storage(path: Path) -> None:
    if path.relative_to(PACKAGE).parts[0] == "storage":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    strings = [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]
    assert [s for s in strings if SQL.search(s)] == [], f"{name(path)} writes SQL"


@pytest.mark.parametrize("path", sorted((PACKAGE / "geometry").rglob("*.py")), ids=name)
def test_geometry_knows_no_flask_sql_or_storage(path: Path) -> None:
    banned = ("flask", "psycopg", "sqlite3", "geoapp.storage", "geoapp.web")
    assert [m for m in imported(path) if m.startswith(banned)] == []
