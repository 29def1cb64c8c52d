"""Logged-in API clients for the plan tests, on the hand-drawn 3 × 3 grid city."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from shapes import SRID, grid_centers, grid_zones, nine_districts
from werkzeug.test import TestResponse

from geoapp.accounts.users import add_user
from geoapp.city.model import City
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES

GRID_CITY = City("格子市", "こうしし", "999024", SRID)
PASSWORD = "correct horse battery"


def load_grid_city(app: Flask) -> None:
    """Store the grid city and three accounts: an admin and two planners."""
    store = app.extensions["geoapp.store"]
    store.save_city(GRID_CITY)
    store.replace_layers(
        {DISTRICTS: nine_districts(), SCHOOL_ZONES: grid_zones(), CENTERS: grid_centers()},
        source="hand-drawn grid",
    )
    for name, role in (("kanri", "admin"), ("tanaka", "planner"), ("suzuki", "planner")):
        add_user(store, name, role, PASSWORD)


def api_log_in(
    client: FlaskClient, name: str, password: str, address: str = "127.0.0.1"
) -> TestResponse:
    """``POST /api/session`` from ``address`` with the CSRF token the client is given."""
    token = client.get("/api/session").get_json()["csrf_token"]
    return client.post(
        "/api/session",
        json={"name": name, "password": password},
        headers={"X-CSRFToken": token},
        environ_base={"REMOTE_ADDR": address},
    )


class Staff:
    """A test client logged in through the JSON API, sending its CSRF token."""

    def __init__(self, app: Flask, name: str | None) -> None:
        self.client: FlaskClient = app.test_client()
        self.token = self.client.get("/api/session").get_json()["csrf_token"]
        if name is not None:
            answer = api_log_in(self.client, name, PASSWORD)
            assert answer.status_code == 200, answer.get_json()
            self.token = answer.get_json()["csrf_token"]

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, **kwargs)

    def post(self, url: str, body: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        headers = {"X-CSRFToken": self.token, **kwargs.pop("headers", {})}
        if "data" in kwargs:
            return self.client.post(url, headers=headers, **kwargs)
        return self.client.post(url, json=body or {}, headers=headers, **kwargs)

    def edit(self, plan_id: int, version: int, op: str, **params: Any) -> TestResponse:
        """One edit against ``version``."""
        return self.post(f"/api/plans/{plan_id}/edits", {"version": version, "op": op, **params})

    def plan(self, plan_id: int) -> dict[str, Any]:
        answer = self.get(f"/api/plans/{plan_id}")
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    def import_plan(self, filename: str, data: bytes, name: str = "取込案") -> TestResponse:
        """Upload a plan file (CSV or GeoJSON) as a new plan called ``name``."""
        return self.post(
            "/api/plans/import",
            data={"file": (io.BytesIO(data), filename), "name": name},
            content_type="multipart/form-data",
        )

    def new_plan(self, source: str = "school_zones", name: str = "小学校区案") -> dict[str, Any]:
        answer = self.post("/api/plans", {"name": name, "source": source})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()
