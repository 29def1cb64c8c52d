"""The accounts page for admins: every account with its open sessions, and a button that
signs one account out everywhere (after a lost laptop or a leaked cookie)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from ..errors import NotFound
from ..translatable import N_, Text
from ..web.current import session_limits, store
from .sessions import end_user_sessions, live_session_counts
from .users import ROLE_LABELS, check_user_name, find_user, list_users
from .views import login_required

blueprint = Blueprint("accounts", __name__, url_prefix="/admin/users")


@blueprint.get("/")
@login_required("admin")
def accounts() -> str:
    """Every account, its role and how many unexpired sessions it has open."""
    return render_template(
        "accounts/accounts.html",
        accounts=list_users(store()),
        sessions=live_session_counts(store(), session_limits()),
        role_labels=ROLE_LABELS,
    )


@blueprint.post("/<name>/signout")
@login_required("admin")
def sign_out_everywhere(name: str) -> Response:
    """End every session of the account ``name`` (a name no account can have is refused
    before the database sees it)."""
    check_user_name(name)
    if find_user(store(), name) is None:
        raise NotFound(Text("アカウント「{name}」はありません。", name=name))
    end_user_sessions(store(), name)
    flash(N_("このアカウントのすべてのセッションを終了しました。"))
    return redirect(url_for("accounts.accounts"))
