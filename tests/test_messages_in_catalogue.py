"""Every message a user can read from an error, a rule or an import note comes from the
gettext catalogue: errors are raised with a ``Text`` whose msgid is a literal that
``pybabel extract`` finds, and no code keeps a Japanese and an English copy side by side."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import geoapp
from geoapp.errors import GeoappError

PACKAGE = Path(geoapp.__file__).resolve().parent
MESSAGE_CLASSES = {"Text": 1, "Counted": 2, "InContext": 2}


@cache
def modules() -> tuple[tuple[Path, ast.Module], ...]:
    """Every module of the package, parsed."""
    return tuple(
        (path.relative_to(PACKAGE.parent), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
    )


def error_classes() -> set[str]:
    """The names of GeoappError and every subclass defined in the package."""
    names = {"GeoappError"}
    found = True
    while found:
        found = False
        for _path, tree in modules():
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name not in names
                    and any(isinstance(base, ast.Name) and base.id in names for base in node.bases)
                ):
                    names.add(node.name)
                    found = True
    return names


def calls_to(names: set[str] | dict[str, int]) -> Iterator[tuple[str, ast.Call]]:
    for path, tree in modules():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in names
            ):
                yield f"{path}:{node.lineno}", node


def is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def test_the_error_classes_found_include_those_of_the_domain() -> None:
    found = error_classes()
    assert {"BadInput", "NotFound", "Conflict", "StageRuleBroken"} <= found
    assert issubclass(geoapp.errors.BadInput, GeoappError)


def test_every_error_is_raised_with_a_text_not_a_string() -> None:
    strings = [
        where
        for where, call in calls_to(error_classes())
        if call.args and (is_text(call.args[0]) or isinstance(call.args[0], ast.JoinedStr))
    ]
    pairs = [
        where
        for where, call in calls_to(error_classes())
        if any(is_text(arg) or isinstance(arg, ast.JoinedStr) for arg in call.args[1:])
    ]
    assert strings == []
    assert pairs == []


def computed(node: ast.expr) -> bool:
    """Whether a msgid is made up at run time (an f-string, a sum, a call's result), so
    that ``pybabel extract`` cannot find it. A name or attribute is a msgid kept where it
    was marked (``N_`` labels, a Text's own msgid) and is checked by the catalogue test."""
    return not (is_text(node) or isinstance(node, ast.Name | ast.Attribute | ast.Subscript))


def test_every_message_is_a_literal_that_pybabel_extracts() -> None:
    made_up = [
        where
        for where, call in calls_to(MESSAGE_CLASSES)
        if len(call.args) < MESSAGE_CLASSES[call.func.id]
        or any(computed(arg) for arg in call.args[: MESSAGE_CLASSES[call.func.id]])
    ]
    assert made_up == []


def english_copies(node: ast.AST) -> list[ast.expr]:
    """The literal English given beside a message in a dict or as a keyword argument."""
    if isinstance(node, ast.Dict):
        return [
            value
            for key, value in zip(node.keys, node.values, strict=True)
            if key is not None and is_text(key) and key.value == "message_en"
        ]
    if isinstance(node, ast.Call):
        return [keyword.value for keyword in node.keywords if keyword.arg == "message_en"]
    return []


def test_no_code_keeps_an_english_copy_of_a_message_beside_the_japanese() -> None:
    copies = [
        f"{path}:{node.lineno}"
        for path, tree in modules()
        for node in ast.walk(tree)
        if any(isinstance(copy, ast.Constant | ast.JoinedStr) for copy in english_copies(node))
    ]
    assert copies == []
