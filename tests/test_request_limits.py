"""Request limits on a real HTTP server: a chunked body without a Content-Length is capped
like any other, and a database that stays locked answers 503 with Retry-After."""

from __future__ import annotations

import contextlib
import http.client
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import TEST_SRID
from flask import Flask
from staff import Staff, load_grid_city
from werkzeug.serving import BaseWSGIServer, make_server

from geoapp import create_app
from geoapp.layers import DISTRICTS
from geoapp.web.request_limits import MAX_BODY_BYTES


@pytest.fixture
def served(grid_app: Flask) -> Iterator[BaseWSGIServer]:
    """The grid city's app behind Werkzeug's HTTP server on a free port."""
    server = make_server("127.0.0.1", 0, grid_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join()


def padded(head: bytes, total: int, tail: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """``head``, about ``total`` bytes of padding and ``tail``, piece by piece."""
    yield head
    for _ in range(0, total, size):
        yield b"x" * size
    yield tail


def post_chunked(
    server: BaseWSGIServer, path: str, body: Iterator[bytes], content_type: str, staff: Staff
) -> tuple[int, bytes]:
    """POST a chunked body (Transfer-Encoding: chunked, no Content-Length) as ``staff``."""
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
    cookie = staff.client.get_cookie("session")
    assert cookie is not None
    headers = {
        "Content-Type": content_type,
        "X-CSRFToken": staff.token,
        "Cookie": f"session={cookie.value}",
    }
    try:
        # the server may answer and close before the whole body is sent
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.request("POST", path, body=body, headers=headers, encode_chunked=True)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def chunked_edit(app: Flask, server: BaseWSGIServer, size: int) -> tuple[Staff, int, int, dict]:
    """A planner's new plan and an edit of about ``size`` bytes posted to it chunked: the
    planner, the plan's id, and the answer's status and JSON body."""
    tanaka = Staff(app, "tanaka")
    plan = tanaka.new_plan()["id"]
    body = padded(b'{"version": 1, "op": "unassign", "districts": ["G1"], "note": "', size, b'"}')
    status, answer = post_chunked(
        server, f"/api/plans/{plan}/edits", body, "application/json", tanaka
    )
    return tanaka, plan, status, json.loads(answer)


def test_a_chunked_body_over_the_limit_is_refused_with_413(
    grid_app: Flask, served: BaseWSGIServer
) -> None:
    tanaka, plan, status, body = chunked_edit(grid_app, served, 3 * MAX_BODY_BYTES)
    assert status == 413
    assert "2 MB" in body["message"]
    assert tanaka.plan(plan)["version"] == 1
    audit = tanaka.get(f"/api/plans/{plan}/audit").get_json()["edits"]
    assert [edit["operation"] for edit in audit] == ["create"]


def test_a_chunked_body_under_the_limit_is_read_whole(
    grid_app: Flask, served: BaseWSGIServer
) -> None:
    _, _, status, body = chunked_edit(grid_app, served, MAX_BODY_BYTES // 2)
    assert status == 400  # read whole, then refused by the schema: "note" is no field
    assert "note" in body["message"]


def test_a_chunked_upload_over_the_upload_limit_is_refused_with_413_and_keeps_nothing(
    grid_app: Flask, served: BaseWSGIServer
) -> None:
    grid_app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    head = (
        b'--B\r\nContent-Disposition: form-data; name="layer"\r\n\r\ndistricts\r\n'
        b'--B\r\nContent-Disposition: form-data; name="files"; filename="a.geojson"\r\n\r\n'
    )
    body = padded(head, 3 * 1024 * 1024, b"\r\n--B--\r\n")
    tanaka = Staff(grid_app, "tanaka")
    status, page = post_chunked(
        served, "/admin/import/", body, "multipart/form-data; boundary=B", tanaka
    )
    assert status == 413
    assert "1 MB" in page.decode()
    assert grid_app.extensions["geoapp.store"].count(DISTRICTS) == 9
    uploads = Path(grid_app.instance_path) / "uploads"
    assert not uploads.exists() or not list(uploads.iterdir())


@pytest.fixture
def impatient_app(tmp_path: Path) -> Iterator[Flask]:
    """The grid city on SQLite, waiting only a fifth of a second for a lock."""
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'geoapp.sqlite3'}",
            "INSTANCE_PATH": tmp_path / "instance",
            "SECRET_KEY": "test-secret",
            "BASEMAP": "none",
            "CRS": TEST_SRID,
            "SQLITE_BUSY_TIMEOUT": 0.2,
            "TESTING": True,
        }
    )
    app.extensions["geoapp.store"].upgrade()
    load_grid_city(app)
    yield app
    app.extensions["geoapp.store"].close()


def test_a_held_sqlite_write_lock_answers_503_with_retry_after(impatient_app: Flask) -> None:
    tanaka = Staff(impatient_app, "tanaka")
    plan = tanaka.new_plan()
    holder = sqlite3.connect(impatient_app.extensions["geoapp.store"].path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        answer = tanaka.edit(plan["id"], 1, "unassign", districts=["G1"])
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "5"
        assert answer.get_json()["error"] == "storage_busy"
        assert "使用中" in answer.get_json()["message"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    again = tanaka.edit(plan["id"], 1, "unassign", districts=["G1"])
    assert again.status_code == 200 and again.get_json()["version"] == 2
