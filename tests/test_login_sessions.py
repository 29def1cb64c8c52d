"""Server-side login sessions on both backends: a cookie copied before logout, a new
password, removing the account or an admin's sign-out is refused when replayed; sessions
expire when idle and after their absolute lifetime; the id is stored only hashed."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from staff import PASSWORD, Staff, api_log_in

from geoapp import create_app
from geoapp.accounts.users import add_user
from geoapp.cli import main
from geoapp.storage import Store

NEW_PASSWORD = "a brand new passphrase"


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def replay(app: Flask, cookie: str) -> FlaskClient:
    """A fresh client carrying a copied session cookie, as an attacker would send it."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def assert_anonymous(app: Flask, cookie: str) -> None:
    """The copied cookie gets the anonymous answer: 401 on the API, the login page on pages."""
    assert replay(app, cookie).get("/api/plans").status_code == 401
    assert replay(app, cookie).get("/api/session").get_json()["user"] is None
    page = replay(app, cookie).get("/plans/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")


def session_id(app: Flask, cookie: str) -> str:
    """The session id a cookie carries (the cookie is signed, not encrypted)."""
    return app.session_interface.get_signing_serializer(app).loads(cookie)["sid"]


def shift_session(store: Store, **ages: timedelta) -> None:
    """Move every stored session's ``created_at`` / ``last_seen_at`` to that long ago."""
    now = datetime.now(UTC)
    with store.session(write=True) as session:
        for column, age in ages.items():
            session.run(f"UPDATE login_sessions SET {column} = %s", (now - age,))


def stored_sessions(store: Store) -> list[dict[str, Any]]:
    with store.session() as session:
        return session.rows("SELECT id_hash, user_id FROM login_sessions")


def open_sessions(page: str, name: str) -> int:
    """The session count the accounts page shows for ``name``."""
    row = re.search(rf'data-account="{name}">.*?data-sessions>(\d+)<', page, re.S)
    assert row is not None, name
    return int(row.group(1))


@pytest.fixture
def tanaka_cookie(tanaka: Staff) -> str:
    """tanaka's session cookie, checked to work before any test replays it."""
    assert tanaka.get("/api/plans").status_code == 200
    return session_cookie(tanaka.client)


def test_a_cookie_replayed_after_logging_out_with_the_form_is_refused(
    grid_app: Flask, tanaka: Staff, tanaka_cookie: str
) -> None:
    assert replay(grid_app, tanaka_cookie).get("/api/plans").status_code == 200
    assert tanaka.post("/logout", data={"csrf_token": tanaka.token}).status_code == 302
    assert_anonymous(grid_app, tanaka_cookie)


def test_a_cookie_replayed_after_deleting_the_api_session_is_refused(
    grid_app: Flask, tanaka: Staff, tanaka_cookie: str
) -> None:
    answer = tanaka.client.delete("/api/session", headers={"X-CSRFToken": tanaka.token})
    assert answer.status_code == 204
    assert_anonymous(grid_app, tanaka_cookie)
    assert stored_sessions(grid_app.extensions["geoapp.store"]) == []


def test_a_cookie_replayed_after_geoapp_user_password_is_refused(
    grid_app: Flask, tanaka_cookie: str
) -> None:
    changed = grid_app.test_cli_runner().invoke(
        main, ["user", "password", "tanaka", "--password-stdin"], input=NEW_PASSWORD
    )
    assert changed.exit_code == 0, changed.output
    assert_anonymous(grid_app, tanaka_cookie)
    again = grid_app.test_client()
    assert api_log_in(again, "tanaka", NEW_PASSWORD).status_code == 200
    assert again.get("/api/plans").status_code == 200


def test_a_cookie_replayed_after_geoapp_user_remove_is_refused(
    grid_app: Flask, tanaka_cookie: str
) -> None:
    removed = grid_app.test_cli_runner().invoke(main, ["user", "remove", "tanaka", "--yes"])
    assert removed.exit_code == 0, removed.output
    assert_anonymous(grid_app, tanaka_cookie)


def test_geoapp_user_signout_ends_every_session_of_that_account_only(
    grid_app: Flask, tanaka_cookie: str
) -> None:
    second = session_cookie(Staff(grid_app, "tanaka").client)
    suzuki = Staff(grid_app, "suzuki")
    signed_out = grid_app.test_cli_runner().invoke(main, ["user", "signout", "tanaka"])
    assert signed_out.exit_code == 0, signed_out.output
    assert "tanaka (2)" in signed_out.output
    assert_anonymous(grid_app, tanaka_cookie)
    assert_anonymous(grid_app, second)
    assert suzuki.get("/api/plans").status_code == 200


def test_an_admin_signs_an_account_out_everywhere_from_the_accounts_page(
    grid_app: Flask, tanaka_cookie: str
) -> None:
    kanri = Staff(grid_app, "kanri")
    page = kanri.get("/admin/users/").get_data(as_text=True)
    assert "すべてログアウト" in page and open_sessions(page, "tanaka") == 1
    answer = kanri.post("/admin/users/tanaka/signout", data={"csrf_token": kanri.token})
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/users/"
    page = kanri.get("/admin/users/").get_data(as_text=True)
    assert "すべてのセッションを終了しました" in page and open_sessions(page, "tanaka") == 0
    assert open_sessions(page, "kanri") == 1
    assert_anonymous(grid_app, tanaka_cookie)
    assert kanri.get("/api/plans").status_code == 200


def test_only_admins_reach_the_accounts_page(grid_app: Flask, tanaka: Staff) -> None:
    assert tanaka.get("/admin/users/").status_code == 403
    refused = tanaka.post("/admin/users/kanri/signout", data={"csrf_token": tanaka.token})
    assert refused.status_code == 403
    assert tanaka.get("/api/plans").status_code == 200
    anonymous = grid_app.test_client().get("/admin/users/")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    assert "アカウントの管理" not in tanaka.get("/").get_data(as_text=True)
    assert "アカウントの管理" in Staff(grid_app, "kanri").get("/").get_data(as_text=True)


def test_an_idle_session_ends_after_two_hours_and_a_used_one_lives_on(
    grid_app: Flask, tanaka_cookie: str
) -> None:
    store = grid_app.extensions["geoapp.store"]
    shift_session(store, last_seen_at=timedelta(minutes=115))
    assert replay(grid_app, tanaka_cookie).get("/api/plans").status_code == 200
    shift_session(store, last_seen_at=timedelta(minutes=121))
    assert_anonymous(grid_app, tanaka_cookie)


def test_using_a_session_moves_its_idle_deadline(grid_app: Flask, tanaka_cookie: str) -> None:
    store = grid_app.extensions["geoapp.store"]
    shift_session(store, last_seen_at=timedelta(minutes=100))
    assert replay(grid_app, tanaka_cookie).get("/api/plans").status_code == 200
    with store.session() as session:
        (row,) = session.rows("SELECT last_seen_at FROM login_sessions")
    seen = row["last_seen_at"]
    seen = datetime.fromisoformat(seen) if isinstance(seen, str) else seen
    assert datetime.now(UTC) - seen < timedelta(minutes=1)


def test_a_session_ends_ten_hours_after_login_however_busy(
    grid_app: Flask, tanaka_cookie: str
) -> None:
    store = grid_app.extensions["geoapp.store"]
    shift_session(store, created_at=timedelta(hours=9, minutes=58))
    assert replay(grid_app, tanaka_cookie).get("/api/plans").status_code == 200
    shift_session(store, created_at=timedelta(hours=10, minutes=1))
    assert_anonymous(grid_app, tanaka_cookie)


def test_the_limits_are_set_by_environment_variables(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEOAPP_SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("GEOAPP_SESSION_MAX_HOURS", "1")
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": tmp_path,
            "SECRET_KEY": "s",
            "BASEMAP": "none",
        }
    )
    store = app.extensions["geoapp.store"]
    store.upgrade()
    add_user(store, "tanaka", "planner", PASSWORD)
    limited = Staff(app, "tanaka")
    cookie = session_cookie(limited.client)
    assert app.permanent_session_lifetime == timedelta(hours=1)
    shift_session(store, last_seen_at=timedelta(minutes=6))
    assert_anonymous(app, cookie)
    again = session_cookie(Staff(app, "tanaka").client)
    shift_session(store, created_at=timedelta(minutes=61))
    assert_anonymous(app, again)
    store.close()


@pytest.mark.parametrize("value", ["0", "-5", "two", "²"])
def test_a_session_limit_that_is_not_a_positive_number_is_refused_naming_the_variable(
    tmp_path: Path, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEOAPP_SESSION_IDLE_MINUTES", value)
    with pytest.raises(Exception, match="GEOAPP_SESSION_IDLE_MINUTES"):
        create_app(
            {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "INSTANCE_PATH": tmp_path}
        )


def test_expired_sessions_are_purged_when_someone_logs_in(
    grid_app: Flask, tanaka_cookie: str
) -> None:
    store = grid_app.extensions["geoapp.store"]
    shift_session(store, created_at=timedelta(hours=11))
    listed = grid_app.test_cli_runner().invoke(main, ["user", "list"])
    assert "tanaka\tplanner\t0" in listed.output
    Staff(grid_app, "suzuki")
    (left,) = stored_sessions(store)
    assert (
        left["id_hash"] != hashlib.sha256(session_id(grid_app, tanaka_cookie).encode()).hexdigest()
    )


def test_the_database_keeps_only_a_hash_of_the_session_id(
    grid_app: Flask, tanaka_cookie: str
) -> None:
    sid = session_id(grid_app, tanaka_cookie)
    (stored,) = stored_sessions(grid_app.extensions["geoapp.store"])
    assert len(sid) >= 40
    assert stored["id_hash"] == hashlib.sha256(sid.encode()).hexdigest()
    assert sid not in stored["id_hash"]


def test_logging_in_again_replaces_the_session_the_browser_had(
    grid_app: Flask, tanaka: Staff, tanaka_cookie: str
) -> None:
    answer = tanaka.client.post(
        "/api/session",
        json={"name": "tanaka", "password": PASSWORD},
        headers={"X-CSRFToken": tanaka.token},
    )
    assert answer.status_code == 200
    assert_anonymous(grid_app, tanaka_cookie)
    assert len(stored_sessions(grid_app.extensions["geoapp.store"])) == 1


def test_a_signed_cookie_with_a_made_up_session_id_is_anonymous(grid_app: Flask) -> None:
    serializer = grid_app.session_interface.get_signing_serializer(grid_app)
    assert_anonymous(grid_app, serializer.dumps({"sid": "guessed-session-id"}))
