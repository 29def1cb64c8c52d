"""Where the templates and the project's own geodata live, installed or in a checkout.

A wheel carries them inside the package (``geoapp/templates``, ``geoapp/geodata``); a
source checkout keeps them at the top level beside the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The folder ``name`` (``templates`` or ``geodata``) of this installation."""
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"geoapp resource folder {name!r} is missing from this installation")


def templates_dir() -> Path:
    """The Jinja templates folder."""
    return resource_dir("templates")


def geodata_dir() -> Path:
    """The folder holding the demo city and the city presets."""
    return resource_dir("geodata")
