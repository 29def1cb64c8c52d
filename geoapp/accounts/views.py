"""Logging in and out, the current user, and role checks for views.

The cookie is Flask's signed session: HttpOnly, SameSite=Lax, and Secure whenever the
request came over HTTPS (or ``SESSION_COOKIE_SECURE`` is set). It carries the id of a
server-side login session (``login_sessions``), checked on every request. Every
state-changing request, forms and JSON alike, carries Flask-WTF's CSRF token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from pydantic import AfterValidator, StringConstraints
from werkzeug.wrappers import Response

from ..errors import BadInput, Forbidden, GeoappError, Unauthorized
from ..translatable import Text
from ..web import current
from ..web.i18n import request_language
from ..web.validation import (
    QueryModel,
    RequestModel,
    from_form,
    from_json,
    refuse_unsafe_text,
    text,
)
from .sessions import end_session, session_user, start_session
from .users import ROLE_LABELS, User, authenticate

logger = logging.getLogger(__name__)

blueprint = Blueprint("auth", __name__)
View = TypeVar("View", bound=Callable[..., Any])
# Names are at most 64 characters (``accounts``); the bound keeps odd input out of the logs.
UserName = text(64)
Password = Annotated[str, StringConstraints(max_length=1024), AfterValidator(refuse_unsafe_text)]


class GeoappSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session, marked Secure whenever the request itself is HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


class Login(RequestModel):
    """``POST /api/session``: a user name and a password."""

    name: UserName = ""
    password: Password = ""


class LoginForm(QueryModel):
    """The login page's form fields."""

    name: UserName = ""
    password: Password = ""


def current_user() -> User | None:
    """The logged-in user of this request, from its server-side session: one that was
    ended or has expired leaves the request anonymous and the cookie cleared."""
    if "user" not in g:
        token = session.get("sid")
        user = session_user(current.store(), token, current.session_limits()) if token else None
        if token and user is None:
            session.clear()
        g.user = user
    return g.user


def require_user(*roles: str) -> User:
    """The logged-in user, who must hold one of ``roles`` when given."""
    user = current_user()
    if user is None:
        raise Unauthorized(Text("この操作にはログインが必要です。"), login=url_for("auth.login"))
    if roles and user.role not in roles:
        raise Forbidden(Text("この操作を行う権限がありません。"), role=user.role)
    return user


def login_required(*roles: str) -> Callable[[View], View]:
    """Decorate a page: anonymous visitors go to the login page, wrong roles get 403."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user() is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            require_user(*roles)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def user_json(user: User | None) -> dict[str, Any] | None:
    """A user as the API shows it."""
    if user is None:
        return None
    return {"name": user.name, "role": user.role, "role_label": ROLE_LABELS[user.role]}


def _log_in(name: str, password: str) -> User:
    """Check the password (rate-limited) and start a fresh session for the user."""
    if not name or not password:
        raise BadInput(Text("ユーザー名とパスワードを入力してください。"))
    store = current.store()
    address = request.remote_addr or "unknown"
    user = authenticate(store, name, password, address)
    _end_current_session()
    session["sid"] = start_session(store, user, address, current.session_limits())
    session.permanent = True
    g.user = user
    logger.info("%s logged in from %s", user.name, request.remote_addr)
    return user


def _safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("pages.home")


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    """The login page."""
    lang = request_language()
    next_url = request.values.get("next", "")
    city = _city_or_none()
    if request.method == "GET":
        return render_template(
            "accounts/login.html", lang=lang, city=city, next_url=next_url, error=None, name=""
        )
    name = request.form.get("name", "").strip()
    try:
        form = from_form(LoginForm)
        _log_in(form.name, form.password)
    except GeoappError as error:
        message = error.in_language(lang)
        page = make_response(
            render_template(
                "accounts/login.html",
                lang=lang,
                city=city,
                next_url=next_url,
                error=message,
                name=name,
            ),
            int(error.status),
        )
        if error.retry_after is not None:
            page.headers["Retry-After"] = str(error.retry_after)
        return page
    return redirect(_safe_next(next_url))


def _city_or_none() -> Any:
    """The stored city for the page header (none before set-up or with the database down)."""
    try:
        return current.store().city()
    except GeoappError:
        return None


def _end_current_session() -> None:
    """End this request's server-side session, if any, and empty the cookie."""
    token = session.get("sid")
    if token:
        end_session(current.store(), token)
    session.clear()
    g.pop("user", None)


@blueprint.post("/logout")
def logout() -> Response:
    """End the session."""
    _end_current_session()
    return redirect(url_for("pages.home"))


@blueprint.get("/api/session")
def session_info() -> Response:
    """Who is logged in, and the CSRF token to send as X-CSRFToken with every change."""
    return jsonify({"user": user_json(current_user()), "csrf_token": generate_csrf()})


@blueprint.post("/api/session")
def api_login() -> Response:
    """Log in with JSON ``{"name", "password"}``; returns the user and a new CSRF token."""
    body = from_json(Login)
    user = _log_in(body.name, body.password)
    return jsonify({"user": user_json(user), "csrf_token": generate_csrf()})


@blueprint.delete("/api/session")
def api_logout() -> tuple[str, int]:
    """Log out."""
    _end_current_session()
    return "", 204


@blueprint.app_context_processor
def user_in_templates() -> dict[str, Any]:
    """The logged-in user (if any) for the page header; none when the database is down,
    so error pages still render."""
    try:
        user = current_user()
    except GeoappError:
        user = None
    role = ROLE_LABELS[user.role] if user else None
    return {"current_user": user, "current_user_role": role}
