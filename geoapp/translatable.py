"""The marker for user text defined away from where it is shown."""

from __future__ import annotations


def N_(text: str) -> str:
    """``text`` unchanged, marked for ``pybabel extract``: labels kept in tables and
    constants are translated where they are shown (``_(label)``, ``translate(label, lang)``)."""
    return text
