"""Every error answered in one place: JSON for API routes, an HTML page for the rest."""

from __future__ import annotations

import logging

from flask import Flask, Request, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..errors import GeoappError
from ..translatable import Text
from .i18n import request_language

logger = logging.getLogger(__name__)

# The messages for the HTTP errors Flask raises itself.
_HTTP_MESSAGES = {
    400: Text("リクエストの内容が正しくありません。"),
    403: Text("この操作を行う権限がありません。"),
    404: Text("お探しのページは見つかりませんでした。"),
    405: Text("この方法ではアクセスできません。"),
}


def wants_json(req: Request) -> bool:
    """True for API and health routes, and for clients that ask for JSON; a browser that
    opened an API link as a page (a download such as a plan export) gets the error page."""
    if req.headers.get("Sec-Fetch-Dest") == "document":
        return False
    if req.path.startswith(("/api/", "/healthz", "/ogcapi")):
        return True
    best = req.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def respond_with_error(error: GeoappError) -> Response:
    """The JSON body or the error page for ``error``, with Retry-After when it has one."""
    if wants_json(request):
        response = jsonify(error.to_dict())
    else:
        lang = request_language()
        response = make_response(
            render_template(
                "web/error.html",
                error=error,
                message=error.in_language(lang),
                lang=lang,
            )
        )
    response.status_code = int(error.status)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _too_large(limit: int | None) -> Text:
    """The 413 message, naming the route's limit."""
    return Text(
        "送信された内容（本文・ファイル）が大きすぎます（上限 {limit}）。",
        limit=f"{limit / 1024 / 1024:g} MB" if limit else "",
    )


def register_error_handlers(app: Flask) -> None:
    """Turn domain errors, HTTP errors and unexpected failures into answers."""

    @app.errorhandler(GeoappError)
    def domain_error(error: GeoappError) -> Response:
        if error.status >= 500:
            logger.error("%s: %s", error.code, error.message_en)
        return respond_with_error(error)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response:
        logger.warning("refused %s %s: %s", request.method, request.path, error.description)
        return respond_with_error(
            GeoappError(
                Text(
                    "送信を受け付けられませんでした（フォームの確認用トークンがないか、期限切れ"
                    "です）。ページを開き直してからもう一度送信してください。"
                ),
                status=400,
                code="csrf_failed",
            )
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        if status == 413:
            message = _too_large(request.max_content_length)
        else:
            message = _HTTP_MESSAGES.get(status) or Text(
                "このリクエストには応じられません（HTTP {status} {name}）。",
                status=status,
                name=error.name,
            )
        code = (error.name or "error").lower().replace(" ", "_")
        return respond_with_error(GeoappError(message, status=status, code=code))

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> Response:
        logger.exception("unexpected error on %s", request.path)
        return respond_with_error(
            GeoappError(
                Text(
                    "システムでエラーが発生しました。時間をおいて再度お試しください。"
                    "解決しない場合は管理者に連絡してください。"
                )
            )
        )
