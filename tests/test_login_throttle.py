"""The login throttle on both backends: it slows a (name, address) pair after repeated
failures, with 429 and Retry-After growing with each further failure, while the owner's
right password from elsewhere, and a city hall's staff behind one address, still log in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from staff import PASSWORD, api_log_in

from geoapp.accounts.throttle import (
    ADDRESS_MAX_FAILURES,
    PAIR_FREE_FAILURES,
    PAIR_MAX_DELAY,
    pair_delay,
)
from geoapp.accounts.users import add_user, authenticate
from geoapp.errors import TooManyAttempts, Unauthorized
from geoapp.storage import Store
from geoapp.storage.rows import as_datetime

ATTACKER = "203.0.113.66"
OWNER = "10.20.30.40"
CITY_HALL = "192.0.2.1"


@pytest.fixture
def accounts(store: Store) -> Store:
    for name in ("tanaka", "suzuki"):
        add_user(store, name, "planner", PASSWORD)
    return store


def fail(store: Store, name: str, address: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(Unauthorized):
            authenticate(store, name, "wrong password", address)


def age_attempts(store: Store, by: timedelta) -> None:
    """Move every recorded attempt ``by`` into the past, as if that time had gone by."""
    with store.session(write=True) as session:
        rows = session.rows("SELECT id, attempted_at FROM login_attempts")
        for row in rows:
            session.run(
                "UPDATE login_attempts SET attempted_at = %s WHERE id = %s",
                (as_datetime(row["attempted_at"]) - by, row["id"]),
            )


def test_an_attackers_failures_from_another_address_never_stop_the_owners_login(
    accounts: Store,
) -> None:
    fail(accounts, "tanaka", ATTACKER, PAIR_FREE_FAILURES)
    for _ in range(20):
        with pytest.raises(TooManyAttempts):
            authenticate(accounts, "tanaka", "wrong password", ATTACKER)
    assert authenticate(accounts, "tanaka", PASSWORD, OWNER).name == "tanaka"
    with pytest.raises(TooManyAttempts):
        authenticate(accounts, "tanaka", PASSWORD, ATTACKER)


def test_the_pair_waits_longer_after_each_further_failure(accounts: Store) -> None:
    fail(accounts, "tanaka", ATTACKER, PAIR_FREE_FAILURES)
    waits = []
    for _ in range(3):
        with pytest.raises(TooManyAttempts) as refused:
            authenticate(accounts, "tanaka", "wrong password", ATTACKER)
        waits.append(refused.value.retry_after)
        age_attempts(accounts, timedelta(seconds=refused.value.retry_after + 1))
        fail(accounts, "tanaka", ATTACKER, 1)
    assert 55 <= waits[0] <= 60
    assert 115 <= waits[1] <= 120
    assert 235 <= waits[2] <= 240
    assert pair_delay(PAIR_FREE_FAILURES + 30) == PAIR_MAX_DELAY


def test_a_successful_login_clears_the_pairs_failures(accounts: Store) -> None:
    fail(accounts, "tanaka", OWNER, PAIR_FREE_FAILURES - 1)
    authenticate(accounts, "tanaka", PASSWORD, OWNER)
    fail(accounts, "tanaka", OWNER, PAIR_FREE_FAILURES - 1)
    assert authenticate(accounts, "tanaka", PASSWORD, OWNER).name == "tanaka"


def test_a_pair_is_forgotten_a_day_after_its_last_failure(accounts: Store) -> None:
    fail(accounts, "tanaka", ATTACKER, PAIR_FREE_FAILURES)
    with pytest.raises(TooManyAttempts):
        authenticate(accounts, "tanaka", "wrong password", ATTACKER)
    age_attempts(accounts, timedelta(hours=25))
    fail(accounts, "tanaka", ATTACKER, PAIR_FREE_FAILURES)


def test_a_city_hall_behind_one_address_logs_in_while_someone_there_sprays_names(
    accounts: Store,
) -> None:
    authenticate(accounts, "tanaka", PASSWORD, CITY_HALL)
    fail(accounts, "tanaka", CITY_HALL, 3)  # the staff's own typos count for no one else
    for number in range(ADDRESS_MAX_FAILURES):
        fail(accounts, f"guess{number:03d}", CITY_HALL, 1)
    with pytest.raises(TooManyAttempts) as refused:
        authenticate(accounts, "guess999", "anything at all", CITY_HALL)
    assert 0 < refused.value.retry_after <= 15 * 60
    with pytest.raises(TooManyAttempts):
        authenticate(accounts, "suzuki", "wrong password", CITY_HALL)
    assert authenticate(accounts, "tanaka", PASSWORD, CITY_HALL).name == "tanaka"
    assert authenticate(accounts, "suzuki", PASSWORD, OWNER).name == "suzuki"
    age_attempts(accounts, timedelta(minutes=16))
    assert authenticate(accounts, "suzuki", PASSWORD, CITY_HALL).name == "suzuki"


def test_the_api_answers_429_with_retry_after_once_the_pair_is_throttled(app: Flask) -> None:
    add_user(app.extensions["geoapp.store"], "tanaka", "planner", PASSWORD)
    client = app.test_client()
    statuses = [
        api_log_in(client, "tanaka", "guess").status_code for _ in range(PAIR_FREE_FAILURES)
    ]
    assert statuses == [401] * PAIR_FREE_FAILURES
    refused = api_log_in(client, "tanaka", PASSWORD)
    assert refused.status_code == 429
    assert 55 <= int(refused.headers["Retry-After"]) <= 60
    body = refused.get_json()
    assert body["error"] == "too_many_attempts" and body["details"]["retry_after"] > 0
    assert "この接続元からのログインを一時的に止めています" in body["message"]
    assert "from this address" in body["message_en"]
    assert api_log_in(app.test_client(), "tanaka", PASSWORD, OWNER).status_code == 200


def test_the_login_page_says_how_long_to_wait_with_retry_after(app: Flask) -> None:
    add_user(app.extensions["geoapp.store"], "tanaka", "planner", PASSWORD)
    client = app.test_client()
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)
    ).group(1)
    form = {"csrf_token": token, "name": "tanaka", "password": "guess"}
    statuses = [client.post("/login", data=form).status_code for _ in range(PAIR_FREE_FAILURES)]
    assert statuses == [401] * PAIR_FREE_FAILURES
    answer = client.post("/login", data=form)
    assert answer.status_code == 429
    assert 55 <= int(answer.headers["Retry-After"]) <= 60
    assert "1分後にもう一度お試しください" in answer.get_data(as_text=True)
    client.set_cookie("lang", "en")
    english = client.post("/login", data={**form, "password": PASSWORD})
    assert english.status_code == 429 and "try again in" in english.get_data(as_text=True)


@pytest.mark.parametrize("name", ["x" * 10_000, "tana\x00ka", "田中"])
def test_a_name_no_account_can_have_is_refused_like_a_wrong_password_and_not_stored(
    accounts: Store, name: str
) -> None:
    with pytest.raises(Unauthorized, match="ユーザー名またはパスワードが違います"):
        authenticate(accounts, name, PASSWORD, ATTACKER)
    with accounts.session() as session:
        assert session.rows("SELECT name FROM login_attempts") == []
