"""Accounts and login on both backends: hashed passwords, the login page, the JSON session,
cookie flags, the login throttle across app instances and ``geoapp user add``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from staff import api_log_in

from geoapp import create_app
from geoapp.accounts.throttle import PAIR_FREE_FAILURES
from geoapp.accounts.users import add_user, authenticate, remove_user, set_password
from geoapp.cli import main
from geoapp.errors import BadInput, Conflict, TooManyAttempts, Unauthorized
from geoapp.storage import Store

PASSWORD = "correct horse battery"


@pytest.fixture
def staff_app(app: Flask) -> Flask:
    add_user(app.extensions["geoapp.store"], "tanaka", "planner", PASSWORD)
    return app


def form_token(client: FlaskClient, url: str = "/login") -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in_with_form(client: FlaskClient, next_url: str):
    """Post the login form with the right password and a page to return to."""
    return client.post(
        "/login",
        data={
            "csrf_token": form_token(client),
            "name": "tanaka",
            "password": PASSWORD,
            "next": next_url,
        },
    )


def test_passwords_are_stored_hashed(store: Store) -> None:
    add_user(store, "tanaka", "planner", PASSWORD)
    with store.session() as session:
        stored = session.rows("SELECT password_hash FROM users WHERE name = 'tanaka'")[0]
    assert PASSWORD not in stored["password_hash"]
    assert stored["password_hash"].startswith(("scrypt:", "pbkdf2:"))
    assert authenticate(store, "tanaka", PASSWORD, "127.0.0.1").role == "planner"


def test_bad_accounts_are_refused_with_a_reason(store: Store) -> None:
    with pytest.raises(BadInput, match="10"):
        add_user(store, "tanaka", "planner", "short")
    with pytest.raises(BadInput, match="admin または planner"):
        add_user(store, "tanaka", "mayor", PASSWORD)
    with pytest.raises(BadInput):
        add_user(store, "田中 太郎", "planner", PASSWORD)
    add_user(store, "tanaka", "planner", PASSWORD)
    with pytest.raises(Conflict):
        add_user(store, "tanaka", "admin", PASSWORD)


def test_the_login_page_logs_in_and_returns_to_the_page_asked_for(staff_app: Flask) -> None:
    client = staff_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "職員ログイン" in page and 'type="password"' in page
    answer = log_in_with_form(client, "/admin/import/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/import/"
    home = client.get("/").get_data(as_text=True)
    assert "tanaka" in home and "ログアウト" in home


def test_a_wrong_password_shows_the_form_again_with_a_message(staff_app: Flask) -> None:
    client = staff_app.test_client()
    answer = client.post(
        "/login", data={"csrf_token": form_token(client), "name": "tanaka", "password": "nope"}
    )
    assert answer.status_code == 401
    assert "ユーザー名またはパスワードが違います" in answer.get_data(as_text=True)


def test_the_login_page_never_redirects_off_the_site(staff_app: Flask) -> None:
    client = staff_app.test_client()
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        answer = log_in_with_form(client, target)
        assert answer.headers["Location"] == "/", target


def test_a_login_form_without_the_csrf_token_is_refused(staff_app: Flask) -> None:
    client = staff_app.test_client()
    answer = client.post("/login", data={"name": "tanaka", "password": PASSWORD})
    assert answer.status_code == 400
    assert client.get("/api/session").get_json()["user"] is None


def test_the_session_cookie_is_httponly_and_samesite_and_secure_over_https(
    staff_app: Flask,
) -> None:
    for base, secure in (("http://localhost", False), ("https://localhost", True)):
        client = staff_app.test_client()
        token = client.get("/api/session", base_url=base).get_json()["csrf_token"]
        answer = client.post(
            "/api/session",
            json={"name": "tanaka", "password": PASSWORD},
            headers={"X-CSRFToken": token, "Referer": f"{base}/login"},
            base_url=base,
        )
        assert answer.status_code == 200, answer.get_json()
        cookie = answer.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure


def test_logging_out_ends_the_session(staff_app: Flask) -> None:
    client = staff_app.test_client()
    token = api_log_in(client, "tanaka", PASSWORD).get_json()["csrf_token"]
    assert client.get("/api/plans").status_code == 200
    assert client.delete("/api/session", headers={"X-CSRFToken": token}).status_code == 204
    assert client.get("/api/plans").status_code == 401


def test_geoapp_user_add_creates_a_planner_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEOAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("GEOAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'users.sqlite3'}")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    added = runner.invoke(
        main, ["user", "add", "tanaka", "--role", "planner", "--password-stdin"], input=PASSWORD
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(main, ["user", "list"])
    assert "tanaka\tplanner\t0" in listed.output
    removed = runner.invoke(main, ["user", "remove", "tanaka", "--yes"])
    assert removed.exit_code == 0, removed.output
    assert "tanaka" not in runner.invoke(main, ["user", "list"]).output
    re_added = runner.invoke(
        main, ["user", "add", "tanaka", "--role", "planner", "--password-stdin"], input=PASSWORD
    )
    assert re_added.exit_code == 0, re_added.output
    again = runner.invoke(
        main, ["user", "add", "tanaka", "--role", "admin", "--password-stdin"], input=PASSWORD
    )
    assert again.exit_code == 1 and "既にあります" in again.output


def test_the_rate_limit_holds_across_app_instances_on_one_database(
    database_url: str, tmp_path: Path
) -> None:
    workers = [
        create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": tmp_path, "SECRET_KEY": "s"})
        for _ in range(2)
    ]
    stores = [worker.extensions["geoapp.store"] for worker in workers]
    stores[0].upgrade()
    add_user(stores[0], "tanaka", "planner", PASSWORD)
    for attempt in range(PAIR_FREE_FAILURES):
        with pytest.raises(Unauthorized):
            authenticate(stores[attempt % 2], "tanaka", "guess", "10.0.0.8")
    with pytest.raises(TooManyAttempts):
        authenticate(stores[1], "tanaka", PASSWORD, "10.0.0.8")
    for store in stores:
        store.close()


def test_a_new_password_or_a_removed_account_ends_the_sessions_already_open(
    staff_app: Flask,
) -> None:
    store = staff_app.extensions["geoapp.store"]
    clients = []
    for _ in range(2):
        client = staff_app.test_client()
        api_log_in(client, "tanaka", PASSWORD)
        assert client.get("/api/plans").status_code == 200
        clients.append(client)
    set_password(store, "tanaka", "a brand new passphrase")
    assert clients[0].get("/api/plans").status_code == 401
    assert clients[0].get("/api/session").get_json()["user"] is None
    again = staff_app.test_client()
    api_log_in(again, "tanaka", "a brand new passphrase")
    assert again.get("/api/plans").status_code == 200
    remove_user(store, "tanaka")
    assert again.get("/api/plans").status_code == 401


def test_behind_a_proxy_the_cookie_is_secure_when_the_proxy_says_https(
    database_url: str, tmp_path: Path
) -> None:
    proxied = create_app(
        {
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": tmp_path,
            "SECRET_KEY": "s",
            "PROXY_COUNT": 1,
        }
    )
    store = proxied.extensions["geoapp.store"]
    store.upgrade()
    add_user(store, "tanaka", "planner", PASSWORD)
    client = proxied.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    token = client.get("/api/session", headers=forwarded).get_json()["csrf_token"]
    answer = client.post(
        "/api/session",
        json={"name": "tanaka", "password": PASSWORD},
        headers={**forwarded, "X-CSRFToken": token, "Referer": "https://localhost/login"},
    )
    assert answer.status_code == 200, answer.get_json()
    assert "Secure" in answer.headers["Set-Cookie"]
    with store.session() as session:
        (attempt,) = session.rows("SELECT remote_addr FROM login_attempts")
    assert attempt["remote_addr"] == "203.0.113.7"
    store.close()


def test_the_login_page_shows_the_account_command_as_code_in_both_languages(
    staff_app: Flask,
) -> None:
    client = staff_app.test_client()
    for url in ("/login", "/login?lang=en"):
        page = client.get(url).get_data(as_text=True)
        assert "<code>geoapp user add</code>" in page, url
        assert "&lt;code&gt;" not in page, url
