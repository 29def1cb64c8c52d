"""How large a request body may be, whatever its transfer encoding.

Every route reads at most ``MAX_BODY_BYTES`` (JSON, forms); a route that takes files
declares its own cap with ``@accepts_files``. The cap is set on the request before anything
reads the body, so Werkzeug refuses a longer body with 413 whether it came with a
``Content-Length`` or chunked without one (except that reading a chunked body whole stops
at the cap without an error: ``validation.request_json`` refuses a body that fills it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request

MAX_BODY_BYTES = 2 * 1024 * 1024

View = TypeVar("View", bound=Callable[..., Any])
_LIMIT_ATTRIBUTE = "geoapp_max_body_bytes"


def accepts_files(max_bytes: int | None = None) -> Callable[[View], View]:
    """Mark a view that takes uploads: its body may be ``max_bytes`` long (default: the
    app's ``MAX_CONTENT_LENGTH``)."""

    def mark(view: View) -> View:
        setattr(view, _LIMIT_ATTRIBUTE, max_bytes or "app")
        return view

    return mark


def body_limit(endpoint: str | None) -> int:
    """The most bytes the body of a request to ``endpoint`` may hold."""
    view = current_app.view_functions.get(endpoint or "")
    declared = getattr(view, _LIMIT_ATTRIBUTE, None)
    if declared == "app":
        return int(current_app.config["MAX_CONTENT_LENGTH"])
    return int(declared or MAX_BODY_BYTES)


def register_body_limits(app: Flask) -> None:
    """Cap each request's body by its route; call before anything that reads forms (CSRF)."""

    @app.before_request
    def cap_body() -> None:
        request.max_content_length = body_limit(request.endpoint)
