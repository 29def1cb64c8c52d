"""File downloads: one Content-Type (text types get a single ``charset=utf-8``) and a
Content-Disposition after RFC 6266, with an ASCII ``filename`` for old clients and
``filename*`` (RFC 8187, UTF-8) when the shown name is Japanese."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import current_app
from werkzeug.wrappers import Response

# Characters file systems refuse in a name (Windows is the strictest), and controls.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def file_name(text: str) -> str:
    """``text`` usable as a file name: characters file systems refuse become ``_``."""
    return _UNSAFE.sub("_", text).strip(" .") or "download"


def content_disposition(ascii_name: str, shown_name: str | None = None) -> str:
    """``attachment`` with ``ascii_name``, and ``filename*`` when ``shown_name`` differs."""
    fallback = file_name(ascii_name).encode("ascii", "replace").decode("ascii")
    value = f'attachment; filename="{fallback}"'
    shown = file_name(shown_name) if shown_name else fallback
    if shown != fallback:
        value += f"; filename*=UTF-8''{quote(shown, safe='')}"
    return value


def attachment(
    data: bytes | str, mimetype: str, ascii_name: str, shown_name: str | None = None
) -> Response:
    """A download of ``data``; ``mimetype`` carries no parameters (Flask adds the charset
    of text types once)."""
    return current_app.response_class(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": content_disposition(ascii_name, shown_name)},
    )
