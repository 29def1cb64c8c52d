"""``geoapp user …``: accounts for administrators and scripts (add, change the password,
sign out everywhere, remove, list)."""

from __future__ import annotations

import sys

import click

from ..web.current import session_limits, store, with_app
from .sessions import end_user_sessions, live_session_counts
from .users import ROLES, add_user, list_users, remove_user, set_password


@click.group("user")
def user_group() -> None:
    """アカウントの管理 / Manage accounts (admin, planner)."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="役割 / role")
@click.option("--password-stdin", is_flag=True, help="パスワードを標準入力から読む / read stdin")
@click.option("--generate", is_flag=True, help="パスワードを生成して表示 / generate and print one")
@with_app
def user_add(name: str, role: str, password_stdin: bool, generate: bool) -> None:
    """アカウントを作る / Create an account."""
    password = _new_password(password_stdin, generate)
    user, password = add_user(store(), name, role, password)
    click.echo(f"作成しました / created: {user.name} ({user.role})")
    if generate:
        click.echo(f"パスワード / password: {password}")


@user_group.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="パスワードを標準入力から読む / read stdin")
@with_app
def user_password(name: str, password_stdin: bool) -> None:
    """パスワードを変える（セッションは終了） / Set a new password (ends its sessions)."""
    password = _typed_password(password_stdin)
    set_password(store(), name, password)
    click.echo(f"変更しました / changed: {name}")


@user_group.command("remove")
@click.argument("name")
@click.confirmation_option(prompt="アカウントを削除しますか？ / Remove the account?")
@with_app
def user_remove(name: str) -> None:
    """アカウントを削除（ログイン中のセッションも終了） / Remove an account and end its sessions."""
    remove_user(store(), name)
    click.echo(f"削除しました / removed: {name}")


@user_group.command("list")
@with_app
def user_list() -> None:
    """アカウントの一覧（名前・役割・開いているセッション数） / List accounts (name, role,
    open sessions)."""
    sessions = live_session_counts(store(), session_limits())
    for user in list_users(store()):
        click.echo(f"{user.name}\t{user.role}\t{sessions.get(user.name, 0)}")


@user_group.command("signout")
@click.argument("name")
@with_app
def user_signout(name: str) -> None:
    """すべてのセッションを終了 / Sign an account out everywhere."""
    ended = end_user_sessions(store(), name)
    click.echo(f"ログアウトさせました / signed out: {name} ({ended})")


def _new_password(from_stdin: bool, generate: bool) -> str | None:
    """The password to set: None to have one generated, else read or typed."""
    return None if generate else _typed_password(from_stdin)


def _typed_password(from_stdin: bool) -> str:
    """A password from stdin, or typed twice at a prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(
        "パスワード / password", hide_input=True, confirmation_prompt=True, err=True
    )
