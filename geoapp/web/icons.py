"""Icons drawn from Font Awesome Free's SVGs, installed with the ``XStatic-Font-Awesome`` wheel.

Pages inline an icon's SVG (so it prints, takes the text colour and needs no font); style
sheets mask a box with the same file served under ``/vendor/font-awesome/``. No emoji or
symbol character stands for an icon: those show as boxes where no font has them.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from markupsafe import Markup

_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" '


def icon_folder() -> Path:
    """Font Awesome's solid icons, one SVG file per icon."""
    import xstatic.pkg.font_awesome as font_awesome

    return Path(font_awesome.BASE_DIR) / "svgs" / "solid"


@cache
def _svg(name: str) -> str:
    """The SVG text of the solid icon ``name`` (its licence comment kept)."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not an icon name: {name!r}")
    return (icon_folder() / f"{name}.svg").read_text(encoding="utf-8").strip()


def icon(name: str, label: str | None = None) -> Markup:
    """The icon ``name`` as inline SVG: hidden from screen readers beside visible text, or
    an image named ``label`` when it stands alone."""
    svg = _svg(name)
    if not svg.startswith(_SVG_OPEN):
        raise ValueError(f"unexpected SVG for the icon {name!r}")
    if label is None:
        role = Markup('aria-hidden="true"')
    else:
        role = Markup('role="img" aria-label="{}"').format(label)
    opening = Markup(_SVG_OPEN + 'class="icon icon-{}" {} focusable="false" ').format(name, role)
    return opening + Markup(svg[len(_SVG_OPEN) :])
