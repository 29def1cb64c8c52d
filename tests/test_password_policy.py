"""Weak passwords are refused wherever a password is set, naming the rule they break
(NIST SP 800-63B: common passwords, repeats, sequences, the user name)."""

from __future__ import annotations

import pytest
from flask import Flask
from staff import PASSWORD

from geoapp.accounts.passwords import check_password
from geoapp.accounts.users import add_user, authenticate, set_password
from geoapp.cli import main
from geoapp.errors import BadInput
from geoapp.storage import Store

WEAK = [
    ("short", "length", "10文字以上"),
    (" " * 10, "whitespace", "空白だけ"),
    ("\t \u3000" * 4, "whitespace", "空白だけ"),
    ("aaaaaaaaaa", "repeat", "繰り返し"),
    ("dragondragon", "repeat", "繰り返し"),
    ("abcdefghijk", "sequence", "連続した文字"),
    ("9876543210", "sequence", "連続した文字"),
    ("asdfghjkl;'", "spatial", "キーボードの並び"),
    ("password123", "passwords", "よく使われるパスワード"),
    ("P@ssw0rd123", "passwords", "よく使われるパスワード"),
    ("qwertyuiop", "passwords", "よく使われるパスワード"),
    ("iloveyou123", "passwords", "よく使われるパスワード"),
    ("tanaka12345", "user_name", "ユーザー名"),
    ("TanakaTanaka", "user_name", "ユーザー名"),
]
STRONG = ["correct horse battery", "aobagawa-demo", "xk3-pq9-zt", "Tanaka2024!mikan"]


@pytest.mark.parametrize(("password", "rule", "message"), WEAK)
def test_a_weak_password_is_refused_naming_the_rule_it_breaks(
    password: str, rule: str, message: str
) -> None:
    with pytest.raises(BadInput, match=message) as refused:
        check_password(password, "tanaka")
    assert refused.value.details["rule"] == rule
    assert refused.value.message_en != refused.value.message


@pytest.mark.parametrize("password", STRONG)
def test_a_password_hard_to_guess_is_accepted(password: str) -> None:
    check_password(password, "tanaka")


def test_the_user_name_itself_is_refused_as_a_password(store: Store) -> None:
    with pytest.raises(BadInput, match="ユーザー名") as refused:
        add_user(store, "kanri-tantou", "admin", "kanri-tantou")
    assert "user name" in refused.value.message_en


def test_a_new_password_is_checked_and_the_old_one_stays_when_refused(store: Store) -> None:
    add_user(store, "tanaka", "planner", PASSWORD)
    with pytest.raises(BadInput, match="繰り返し"):
        set_password(store, "tanaka", "zzzzzzzzzzzz")
    assert authenticate(store, "tanaka", PASSWORD, "10.0.0.1").name == "tanaka"


@pytest.mark.parametrize("command", ["add", "password"])
def test_geoapp_user_refuses_a_common_password_with_the_rule_in_both_languages(
    app: Flask, command: str
) -> None:
    runner = app.test_cli_runner()
    if command == "password":
        add_user(app.extensions["geoapp.store"], "tanaka", "planner", PASSWORD)
    role = ["--role", "planner"] if command == "add" else []
    answer = runner.invoke(
        main, ["user", command, "tanaka", *role, "--password-stdin"], input="1234567890\n"
    )
    assert answer.exit_code == 1
    assert "よく使われるパスワードの一覧にあります" in answer.output
    assert "commonly used passwords" in answer.output
