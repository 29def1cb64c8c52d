"""Hostile requests against every route that takes input, on both backends, as an admin,
a planner and an anonymous visitor: each is refused with a 4xx whose message names the
field, and the database is exactly as it was before."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from staff import Staff

BIG = 2**63
DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 50_000 + "1" + "}" * 50_000
STAFF_ONLY = {
    "plans_api",
    "editor_api",
    "editor",
    "uploads",
    "city_settings",
    "accounts",
    "organizations_edit",
    "scheme_admin",
    "organization_pages",
    "scheme_page",
    "grants",
    "programs_admin",
}
ADMIN_ONLY = {"city_settings", "accounts", "scheme_admin", "scheme_page", "programs_admin"}


@dataclass(frozen=True)
class Probe:
    """One hostile request and the field its refusal must name (None: only a 4xx; a pair
    when the Japanese and English messages name it differently)."""

    endpoint: str
    method: str
    url: str
    names: str | tuple[str, str] | None
    json: object = None
    raw: str | bytes | None = None
    form: dict[str, Any] = field(default_factory=dict)
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)


def edit(names: str, **body: object) -> Probe:
    return Probe("plans_api.edit_plan", "POST", "/api/plans/{plan}/edits", names, json=body)


def raw_edit(names: str, text: str | bytes) -> Probe:
    return Probe("plans_api.edit_plan", "POST", "/api/plans/{plan}/edits", names, raw=text)


def lasso(names: str, text: str) -> Probe:
    return Probe("editor_api.lasso", "POST", "/api/editor/lasso", names, raw=text)


def upload(names: str, file_name: str = "町丁.geojson", **form: str) -> Probe:
    files = {"files": (b'{"type": "FeatureCollection", "features": []}', file_name)}
    return Probe("uploads.check_upload", "POST", "/admin/import/", names, form=form, files=files)


def plan_file(names: str, content: bytes, file_name: str = "割当.csv", **form: str) -> Probe:
    files = {"file": (content, file_name)}
    return Probe(
        "plans_api.import_plan", "POST", "/api/plans/import", names, form=form, files=files
    )


def organization(endpoint: str, method: str, path: str, names: str, **body: object) -> Probe:
    url = f"/api/organizations/{{plan}}{path}"
    return Probe(f"organizations_edit.{endpoint}", method, url, names, json=body)


def organization_form(endpoint: str, path: str, **form: str) -> Probe:
    """A form posted to an organization page; the organization does not exist, so the
    refusal is a 400 for the value or a 404 for the organization, never a 500."""
    url = f"/organizations/{{plan}}{path}"
    return Probe(f"organization_pages.{endpoint}", "POST", url, None, form=form)


def scheme(names: str, body: object, query: str = "") -> Probe:
    return Probe("scheme_admin.put_scheme", "PUT", f"/api/scheme{query}", names, json=body)


def programs(names: str, body: object) -> Probe:
    return Probe("programs_admin.put_programs", "PUT", "/api/programs", names, json=body)


def grant(names: str, **fields: object) -> Probe:
    body = {"organization_id": 1, "program": "preparation", "fiscal_year": 2024}
    body |= {"requested": 1, "granted": 1, **fields}
    return Probe("grants.create_grant", "POST", "/api/grants", names, json=body)


def grant_form(names: str, **fields: object) -> Probe:
    form = {"organization_id": "1", "program": "preparation", "fiscal_year": "R6"}
    form |= {"requested": "1", "granted": "1", **fields}
    return Probe("grants.grants_form", "POST", "/grants/", names, form=form)


GRANT_HEADER = b"organization,program,fiscal_year,project,requested,granted,decided_on\n"


def grant_table(names: str, content: bytes, endpoint: str = "import_grants", **form: str) -> Probe:
    url = "/api/grants/import" if endpoint == "import_grants" else "/grants/import"
    files = {"file": (content, "交付.csv")}
    return Probe(f"grants.{endpoint}", "POST", url, names, form=form, files=files)


STAGES = [{"key": "a", "name": "一", "name_en": "One", "color": "#ffffff"}]
SCHEME = {
    "key": "x",
    "name": "体系",
    "name_en": "S",
    "organization": "組織",
    "organization_en": "O",
}
SQUARE = "[[139.0, 35.0], [139.1, 35.0], [139.1, 35.1]"
PROBES: list[Probe] = [
    # logging in, also anonymously
    Probe("auth.api_login", "POST", "/api/session", "body", raw=DEEP),
    Probe("auth.api_login", "POST", "/api/session", "body", raw=DEEP_OBJECT),
    Probe("auth.api_login", "POST", "/api/session", "name", json={"name": ["kanri"]}),
    Probe("auth.api_login", "POST", "/api/session", "name", json={"name": "kan\x00ri"}),
    Probe(
        "auth.api_login",
        "POST",
        "/api/session",
        "password",
        json={"name": "kanri", "password": "\ud800"},
    ),
    Probe("auth.api_login", "POST", "/api/session", "role", json={"name": "a", "role": "admin"}),
    Probe("auth.api_login", "POST", "/api/session", "body", json=["kanri"]),
    Probe("auth.api_login", "POST", "/api/session", "body", form={"name": "kanri"}),
    Probe("auth.login", "POST", "/login", "name", form={"name": "kan\x00ri", "password": "x"}),
    Probe("auth.login", "POST", "/login", "password", form={"name": "k", "password": "x" * 2000}),
    # plans
    Probe("plans_api.list_plans", "GET", "/api/plans?status=²", "status"),
    Probe("plans_api.create_plan", "POST", "/api/plans", "body", raw=DEEP),
    Probe("plans_api.create_plan", "POST", "/api/plans", "name", json={"name": "案\x00"}),
    Probe("plans_api.create_plan", "POST", "/api/plans", "name", json={"name": "案\udfff"}),
    Probe("plans_api.create_plan", "POST", "/api/plans", "name", json={"name": "案" * 61}),
    Probe("plans_api.create_plan", "POST", "/api/plans", "source", json={"source": ["empty"]}),
    Probe(
        "plans_api.create_plan",
        "POST",
        "/api/plans",
        "copy_of",
        json={"name": "複製", "source": "copy", "copy_of": BIG},
    ),
    Probe(
        "plans_api.create_plan",
        "POST",
        "/api/plans",
        "copy_of",
        json={"name": "複製", "source": "copy", "copy_of": "²"},
    ),
    Probe(
        "plans_api.create_plan",
        "POST",
        "/api/plans",
        "description",
        json={"name": "a", "description": 5},
    ),
    raw_edit("body", DEEP),
    raw_edit("body", '{"version": 1' + "0" * 5000 + ', "op": "fix_strays"}'),
    raw_edit("body", '{"version": 1, "op": "fix_strays"'),
    raw_edit("body", b'{"version": 1, "op": "\xff\xfe"}'),
    edit("version", version="²", op="fix_strays"),
    edit("version", version=-1, op="fix_strays"),
    edit("version", version=BIG, op="fix_strays"),
    edit("version", version=True, op="fix_strays"),
    edit("op", version=1, op=["assign"]),
    edit("op", version=1, op={}),
    edit("op", version=1, op="drop_table"),
    edit("op", version=1),
    raw_edit(
        "population", '{"version": 1, "op": "update_community", "community": 1, "population": NaN}'
    ),
    edit("population", version=1, op="update_community", community=1, population=5),
    edit("community", version=1, op="assign", community=BIG, districts=["G1"]),
    edit("community", version=1, op="assign", community="１", districts=["G1"]),
    edit("districts", version=1, op="assign", community=1, districts="G1"),
    edit("districts", version=1, op="assign", community=1, districts=[["G1"]]),
    edit("districts", version=1, op="unassign", districts=["G1"] * 50_001),
    edit("districts", version=1, op="unassign", districts=["G\x001"]),
    edit("zone", version=1, op="assign", community=1, zone={"code": "Z1"}),
    edit("assignments", version=1, op="reassign", assignments={"G1": "²"}),
    edit("assignments", version=1, op="reassign", assignments=["G1"]),
    edit("name", version=1, op="create_community", name="\ud800西"),
    edit("name", version=1, op="create_community", name="西\x00"),
    edit("name_kana", version=1, op="create_community", name="西", name_kana=7),
    edit("color", version=1, op="create_community", name="西", color=["#fff"]),
    raw_edit(
        "places",
        '{"version": 1, "op": "update_community", "community": 1,'
        ' "places": [{"name": "p", "lon": Infinity, "lat": 35}]}',
    ),
    raw_edit(
        "places",
        '{"version": 1, "op": "update_community", "community": 1,'
        ' "places": [{"name": "p", "lon": 1e400, "lat": 35}]}',
    ),
    edit(
        "places", version=1, op="update_community", community=1, places=[{"lon": 1, "lat": 95}] * 51
    ),
    edit("communities", version=1, op="merge_communities", into=1, communities=[-1]),
    edit("into", version=1, op="merge_communities", into="a", communities=[2]),
    edit("description", version=1, op="update_plan", description="x" * 2001),
    Probe(
        "plans_api.set_status",
        "POST",
        "/api/plans/{plan}/status",
        "status",
        json={"version": 1, "status": 5},
    ),
    Probe(
        "plans_api.set_status",
        "POST",
        "/api/plans/{plan}/status",
        "version",
        json={"version": BIG, "status": "proposed"},
    ),
    Probe(
        "plans_api.restore",
        "POST",
        "/api/plans/{plan}/restore",
        "to_version",
        json={"version": 1, "to_version": "²"},
    ),
    Probe(
        "plans_api.restore",
        "POST",
        "/api/plans/{plan}/restore",
        "to_version",
        json={"version": 1, "to_version": -5},
    ),
    Probe("plans_api.diff", "GET", "/api/plans/{plan}/diff?from=²&to=1", "from"),
    Probe("plans_api.diff", "GET", f"/api/plans/{{plan}}/diff?from=1&to={BIG}", "to"),
    Probe("plans_api.diff", "GET", "/api/plans/{plan}/diff?from=1", "to"),
    Probe("plans_api.compare", "GET", "/api/plans/compare?a=²&b={plan}", "a"),
    Probe("plans_api.compare", "GET", f"/api/plans/compare?a={{plan}}&b={BIG}", "b"),
    Probe(
        "plans_api.compare", "GET", "/api/plans/compare?a={plan}&b={plan}&a_version=-1", "a_version"
    ),
    Probe("plans_api.export", "GET", "/api/plans/{plan}/export?format=gpkg%00", "format"),
    Probe(
        "plans_api.export",
        "GET",
        "/api/plans/{plan}/export?format=shp&encoding=" + "x" * 30,
        "encoding",
    ),
    Probe("plans_api.get_plan", "GET", f"/api/plans/{BIG}", None),
    Probe("plans_api.get_plan", "GET", "/api/plans/²", None),
    Probe("plans_api.checks", "GET", f"/api/plans/{BIG}/checks", None),
    Probe("plans_api.boundaries", "GET", f"/api/plans/{BIG}/boundaries", None),
    Probe("plans_api.versions", "GET", f"/api/plans/{BIG}/versions", None),
    Probe("plans_api.version", "GET", f"/api/plans/{{plan}}/versions/{BIG}", None),
    Probe("plans_api.audit", "GET", f"/api/plans/{BIG}/audit", None),
    plan_file(("1行目", "row 1"), "G1,西\x00地区\n".encode()),
    plan_file("file", b"G1,x\n", file_name="割" * 300 + ".csv"),
    plan_file("name", b"G1,x\n", name="案\x00"),
    # organizations
    Probe("organizations_api.list_organizations", "GET", "/api/organizations?stage=²", "stage"),
    Probe(
        "organizations_api.list_organizations",
        "GET",
        "/api/organizations?milestone=" + "m" * 50,
        "milestone",
    ),
    Probe("organizations_api.list_organizations", "GET", "/api/organizations?staff=%00", "staff"),
    Probe("organizations_api.get_organization", "GET", f"/api/organizations/{BIG}", None),
    Probe("organizations_api.get_organization", "GET", "/api/organizations/{plan}0", None),
    Probe("organizations_api.stages", "GET", "/api/organizations/stages?date=2024-02-30", "date"),
    Probe("organizations_api.stages", "GET", "/api/organizations/stages?date=%00", "date"),
    Probe(
        "organizations_api.stages",
        "GET",
        "/api/organizations/stages?fiscal_year=²",
        "fiscal_year",
    ),
    Probe(
        "organizations_api.stages",
        "GET",
        f"/api/organizations/stages?fiscal_year={BIG}",
        "fiscal_year",
    ),
    Probe(
        "organizations_api.milestone_counts",
        "GET",
        "/api/organizations/milestone-counts?date=1e400",
        "date",
    ),
    organization("change_stage", "POST", "/stage", "stage", stage=["a"], date="2024-04-01"),
    organization("change_stage", "POST", "/stage", "stage", stage="a\x00", date="2024-04-01"),
    organization("change_stage", "POST", "/stage", "date", stage="a", date="2024-02-30"),
    organization("change_stage", "POST", "/stage", "date", stage="a", date=1711929600),
    organization(
        "change_stage", "POST", "/stage", "version", stage="a", date="2024-04-01", version=BIG
    ),
    organization(
        "change_stage",
        "POST",
        "/stage",
        "exception_reason",
        stage="a",
        date="2024-04-01",
        exception_reason="\ud800",
    ),
    Probe(
        "organizations_edit.change_stage",
        "POST",
        "/api/organizations/{plan}/stage",
        "body",
        raw=DEEP,
    ),
    organization(
        "record_milestone", "POST", "/milestones", "milestone", milestone=5, date="2024-04-01"
    ),
    organization(
        "record_milestone",
        "POST",
        "/milestones",
        "links.0.url",
        milestone="m",
        date="2024-04-01",
        links=[{"url": "javascript:alert(1)"}],
    ),
    organization(
        "record_milestone",
        "POST",
        "/milestones",
        "links",
        milestone="m",
        date="2024-04-01",
        links=[{"url": "https://a.example"}] * 21,
    ),
    organization(
        "record_milestone",
        "POST",
        "/milestones",
        "note",
        milestone="m",
        date="2024-04-01",
        note="x" * 2001,
    ),
    organization("update_organization", "PATCH", "", "name", name=""),
    organization("update_organization", "PATCH", "", "name_kana", name_kana=7),
    organization("update_organization", "PATCH", "", "notes_private", notes_private="\x00"),
    organization("update_organization", "PATCH", "", "population", population=5),
    organization("update_organization", "PATCH", "", "version", version="²"),
    Probe("organizations_edit.audit", "GET", f"/api/organizations/{BIG}/audit", None),
    Probe("organizations_edit.audit", "GET", "/api/organizations/{plan}0/audit", None),
    scheme("body", ["x"]),
    scheme("scheme", {"stages": STAGES}),
    scheme("stages", {"scheme": SCHEME, "stages": []}),
    scheme("stages.0.color", {"scheme": SCHEME, "stages": [{**STAGES[0], "color": "red"}]}),
    scheme("stages.0.key", {"scheme": SCHEME, "stages": [{**STAGES[0], "key": "Ａ"}]}),
    scheme("stages.1.key", {"scheme": SCHEME, "stages": STAGES * 2}),
    scheme(
        "stages.0.requires",
        {"scheme": SCHEME, "stages": [{**STAGES[0], "requires": ["signed"]}]},
    ),
    scheme("programs.0.cap", {"scheme": SCHEME, "stages": STAGES, "programs": [{"cap": None}]}),
    scheme("force", {"scheme": SCHEME, "stages": STAGES}, "?force=perhaps"),
    # the city's settings (admins only)
    Probe("city_settings.save", "POST", "/admin/city/", "name", form={"name": "青葉\x00市"}),
    Probe(
        "city_settings.save",
        "POST",
        "/admin/city/",
        "municipality_code",
        form={"name": "青葉川市", "municipality_code": "²²²²²²"},
    ),
    Probe(
        "city_settings.save",
        "POST",
        "/admin/city/",
        "basemap",
        form={"name": "青葉川市", "basemap": "x" * 5000},
    ),
    # accounts (admins only)
    Probe(
        "accounts.sign_out_everywhere",
        "POST",
        "/admin/users/ka%00nri/signout",
        ("ユーザー名", "User name"),
    ),
    Probe(
        "accounts.sign_out_everywhere",
        "POST",
        "/admin/users/" + "k" * 300 + "/signout",
        ("ユーザー名", "User name"),
    ),
    Probe("accounts.sign_out_everywhere", "POST", "/admin/users/nobody/signout", "nobody"),
    # the editor
    lasso("body", DEEP),
    lasso("polygon", '{"polygon": [[NaN, 35.0], [139.1, 35.0], [139.1, 35.1]]}'),
    lasso("polygon", '{"polygon": [[Infinity, 35.0], [139.1, 35.0], [139.1, 35.1]]}'),
    lasso("polygon", '{"polygon": [[1e400, 35.0], [139.1, 35.0], [139.1, 35.1]]}'),
    lasso("polygon", '{"polygon": [[139.0, 95.0], [139.1, 35.0], [139.1, 35.1]]}'),
    lasso("polygon", '{"polygon": [["東", "西"], [139.1, 35.0], [139.1, 35.1]]}'),
    lasso("polygon", '{"polygon": [[139.0, 35.0]]}'),
    lasso("polygon", '{"polygon": ' + json.dumps([[139.0, 35.0]] * 5001) + "}"),
    lasso("polygon", '{"polygon": "' + SQUARE + '"}'),
    lasso("extra", '{"polygon": ' + SQUARE + "], " + '"extra": 1}'),
    Probe("editor.compare", "GET", "/plans/compare?a=²", "a"),
    Probe("editor.compare", "GET", f"/plans/compare?b={BIG}", "b"),
    Probe("editor.edit", "GET", f"/plans/{BIG}/edit", None),
    # the overlay
    Probe("overlay.api", "GET", "/api/overlay?threshold=nan", "threshold"),
    Probe("overlay.overlay_page", "GET", "/overlay?threshold=inf", "threshold"),
    Probe("overlay.csv", "GET", "/api/overlay/pieces.csv?threshold=²", "threshold"),
    Probe("overlay.geojson", "GET", "/api/overlay/pieces.geojson?threshold=1e400", "threshold"),
    # the public map, for anyone
    Probe("public_api.search", "GET", "/api/public/search", "q"),
    Probe("public_api.search", "GET", "/api/public/search?q=", "q"),
    Probe("public_api.search", "GET", "/api/public/search?q=" + "本" * 101, "q"),
    Probe("public_api.search", "GET", "/api/public/search?q=%00", "q"),
    Probe("public_api.search", "GET", "/api/public/search?q=%1b%5b31m", "q"),
    Probe("public_api.at_point", "GET", "/api/public/at?lon=nan&lat=35", "lon"),
    Probe("public_api.at_point", "GET", "/api/public/at?lon=139&lat=1e400", "lat"),
    Probe("public_api.at_point", "GET", "/api/public/at?lon=181&lat=35", "lon"),
    Probe("public_api.at_point", "GET", "/api/public/at?lon=東&lat=35", "lon"),
    Probe("public_api.at_point", "GET", "/api/public/at?lat=35", "lon"),
    Probe("public.search_page", "GET", "/search?q=" + "本" * 101, "q"),
    Probe("public.search_page", "GET", "/search?q=%00", "q"),
    Probe("public.search_page", "GET", "/search?q=%1b%5b31m", "q"),
    Probe("public.search_page", "GET", "/search?q=a&embed=maybe", "embed"),
    Probe("public.community", "GET", f"/communities/{BIG}", None),
    Probe("public.community", "GET", "/communities/²", None),
    Probe("public.community", "GET", "/communities/99999", None),
    Probe("public.community", "GET", "/communities/1?embed=maybe", "embed"),
    Probe("pages.home", "GET", "/?embed=²", "embed"),
    Probe("pages.home", "GET", "/?layer=%3Cscript%3E", "layer"),
    Probe("pages.home", "GET", "/?layer=subsidies&fiscal_year=1e400", "fiscal_year"),
    Probe("public_api.colouring", "GET", "/api/public/colouring?layer=ageing", "layer"),
    Probe("public_api.colouring", "GET", "/api/public/colouring?fiscal_year=%00", "fiscal_year"),
    Probe("public_api.colouring", "GET", "/api/public/colouring?fiscal_year=R999", "fiscal_year"),
    Probe("public.print_map", "GET", "/print?layer=stages", "layer"),
    Probe("public.print_map", "GET", "/print?paper=b5", "paper"),
    Probe("public.print_map", "GET", "/print?orientation=diagonal", "orientation"),
    Probe("public.print_map", "GET", "/print?lat=nan", "lat"),
    Probe("public.print_map", "GET", "/print?lon=1e400", "lon"),
    Probe("public.print_map", "GET", "/print?z=21", "z"),
    Probe("public.print_map", "GET", f"/print?c={BIG}", "c"),
    Probe("public.print_map", "GET", "/print?hide=1;drop", "hide"),
    Probe("public.print_map", "GET", "/print?hide=%00", "hide"),
    # layers and files
    Probe("pages.layer_geojson", "GET", "/api/layers/%00", None),
    Probe("vendor.asset", "GET", "/vendor/leaflet/%00", None),
    Probe("vendor.asset", "GET", "/vendor/%00/leaflet.js", None),
    Probe("vendor.asset", "GET", "/vendor/noto-sans-jp/..%2f..%2fpyproject.toml", None),
    Probe("vendor.asset", "GET", "/vendor/noto-sans-jp/files/%00.woff2", None),
    Probe("static", "GET", "/static/..%2f..%2fpyproject.toml", None),
    upload("crs", crs="²", layer="districts"),
    upload("crs", crs=str(BIG), layer="districts"),
    upload("mode", mode="drop", layer="districts"),
    upload("snap", snap="nan", layer="districts"),
    upload("snap", snap="1e400", layer="districts"),
    upload("snap", snap="-1", layer="districts"),
    upload("skip_invalid", skip_invalid="perhaps", layer="districts"),
    upload("encoding", encoding="cp932\x00", layer="districts"),
    upload("files", file_name="町" * 300 + ".geojson", layer="districts"),
    upload("files", file_name="a\x00.geojson", layer="districts"),
    upload(("レイヤ", "layer"), layer="plans"),
    # OGC API - Features
    Probe("ogcapi.landing", "GET", "/ogcapi/?f=html", "f"),
    Probe("ogcapi.conformance_classes", "GET", "/ogcapi/conformance?f=%00", "f"),
    Probe("ogcapi.api_definition", "GET", "/ogcapi/api?f=xml", "f"),
    Probe("ogcapi.collections", "GET", "/ogcapi/collections?f=" + "x" * 5000, "f"),
    Probe("ogcapi.collection", "GET", "/ogcapi/collections/%00", None),
    Probe("ogcapi.collection", "GET", "/ogcapi/collections/" + "c" * 3000, None),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/nowhere/items", None),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/districts/items?limit=-1", "limit"),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/districts/items?limit=0", "limit"),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/districts/items?limit=1.5", "limit"),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/districts/items?limit=²", "limit"),
    Probe(
        "ogcapi.items", "GET", "/ogcapi/collections/districts/items?limit=" + "9" * 5000, "limit"
    ),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/districts/items?offset=abc", "offset"),
    Probe("ogcapi.items", "GET", f"/ogcapi/collections/districts/items?offset={BIG}", "offset"),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/districts/items?bbox=1,2,3", "bbox"),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/districts/items?bbox=a,b,c,d", "bbox"),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/districts/items?bbox=1,2,nan,4", "bbox"),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/districts/items?bbox=1,2,inf,4", "bbox"),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/districts/items?bbox=10,10,0,0", "bbox"),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/districts/items?bbox=0,0,200,95", "bbox"),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/districts/items?bbox=%00", "bbox"),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/districts/items?crs=EPSG:9999", "crs"),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/districts/items?crs=%00", "crs"),
    Probe(
        "ogcapi.items",
        "GET",
        "/ogcapi/collections/districts/items?bbox=0,0,1,1&bbox-crs=urn:nothing",
        "bbox-crs",
    ),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/districts/items?datetime=%00", "datetime"),
    Probe("ogcapi.item", "GET", "/ogcapi/collections/districts/items/%00", None),
    Probe("ogcapi.item", "GET", "/ogcapi/collections/districts/items/G1?crs=http://x/", "crs"),
    Probe("ogcapi.item", "GET", "/ogcapi/collections/nowhere/items/G1", None),
    Probe("ogcapi.no_such_resource", "GET", "/ogcapi/%00/..%2f..%2fetc", None),
    Probe("opendata.file", "GET", "/opendata/nowhere/geojson", None),
    Probe("opendata.file", "GET", "/opendata/districts/exe", None),
    Probe("opendata.file", "GET", "/opendata/districts/%00", None),
    Probe("opendata.file", "GET", "/opendata/" + "d" * 3000 + "/csv", None),
    # organizations: no geometry, so no Shapefile and no feature by a hostile id
    Probe("opendata.file", "GET", "/opendata/organizations/shp", None),
    Probe("opendata.file", "GET", "/opendata/grants/shp.zip", None),
    Probe("ogcapi.item", "GET", "/ogcapi/collections/grants/items/1.0", None),
    Probe("ogcapi.item", "GET", "/ogcapi/collections/grants/items/-1", None),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/grants/items?bbox=1,2,3", "bbox"),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/grants/items?offset=-1", "offset"),
    Probe("ogcapi.item", "GET", "/ogcapi/collections/organizations/items/%00", None),
    Probe("ogcapi.item", "GET", f"/ogcapi/collections/organizations/items/{BIG}", None),
    Probe("ogcapi.items", "GET", "/ogcapi/collections/organizations/items?bbox=a,b,c,d", "bbox"),
    # organization pages
    Probe("organization_pages.organization_list", "GET", "/organizations?stage=²", "stage"),
    Probe("organization_pages.organization_list", "GET", "/organizations?staff=%00", "staff"),
    Probe("organization_pages.organization_list", "GET", "/organizations?milestone=A", "milestone"),
    Probe("organization_pages.organization_page", "GET", f"/organizations/{BIG}", None),
    Probe("organization_pages.organization_page", "GET", "/organizations/{plan}0", None),
    organization_form("change_stage", "/stage", stage="a", date="2024-02-30"),
    organization_form("change_stage", "/stage", stage="a\x00", date="<script>"),
    organization_form("change_stage", "/stage", stage="preparation", date="2024-04-01"),
    organization_form("record_milestone", "/milestones", milestone="x", link_url="javascript:1"),
    organization_form("record_milestone", "/milestones", milestone="x", date="1e400"),
    organization_form("update_fields", "/fields", name="", version="²"),
    organization_form("update_fields", "/fields", name="組織", notes_private="\x00"),
    Probe("organization_pages.change_stage", "POST", f"/organizations/{BIG}/stage", None),
    Probe(
        "organization_pages.stage_map_page",
        "GET",
        "/organizations/map?fiscal_year=²",
        "fiscal_year",
    ),
    Probe(
        "organization_pages.stage_map_page",
        "GET",
        f"/organizations/map?fiscal_year={BIG}",
        "fiscal_year",
    ),
    Probe("organization_pages.stage_map_page", "GET", "/organizations/map?date=2024-02-30", "date"),
    Probe(
        "organization_pages.milestone_map_page",
        "GET",
        "/organizations/milestones?milestone=%3Cb%3E",
        "milestone",
    ),
    Probe(
        "organization_pages.milestone_map_page",
        "GET",
        "/organizations/milestones?milestone=nothing_like_it",
        "milestone",
    ),
    Probe("scheme_page.save_scheme", "POST", "/admin/scheme", "toml", form={"toml": "[[["}),
    Probe(
        "scheme_page.save_scheme",
        "POST",
        "/admin/scheme",
        "toml",
        form={"toml": '[scheme]\nkey = "<img>"'},
    ),
    Probe("scheme_page.save_scheme", "POST", "/admin/scheme", "toml", form={"force": "1"}),
    Probe(
        "scheme_page.switch_to_preset",
        "POST",
        "/admin/scheme/preset",
        "preset",
        form={"preset": "../../etc/passwd"},
    ),
    Probe(
        "scheme_page.switch_to_preset",
        "POST",
        "/admin/scheme/preset",
        "preset",
        form={"preset": "nothing_like_it"},
    ),
    # subsidy programs (admins) and grants (staff)
    programs("body", None),
    programs("programs", {"programs": "x"}),
    programs("programs.0.key", {"programs": [{"key": "Ａ", "name": "制度", "name_en": "P"}]}),
    programs("programs.0.name", {"programs": [{"key": "a", "name": "\x00", "name_en": "P"}]}),
    programs(
        "programs.0.cap_per_year",
        {"programs": [{"key": "a", "name": "制度", "name_en": "P", "cap_per_year": -5}]},
    ),
    programs(
        "programs.0.stages",
        {"programs": [{"key": "a", "name": "制度", "name_en": "P", "stages": ["ripe"]}]},
    ),
    programs(
        "programs.0.budgets",
        {"programs": [{"key": "a", "name": "制度", "name_en": "P", "budgets": {"R6": 1}}]},
    ),
    programs(
        "programs.0.when", {"programs": [{"key": "a", "name": "x", "name_en": "P", "when": 1}]}
    ),
    Probe("programs_admin.put_programs", "PUT", "/api/programs", "body", raw=DEEP),
    Probe("grants.list_grants", "GET", "/api/grants?fiscal_year=R", "fiscal_year"),
    Probe("grants.list_grants", "GET", f"/api/grants?organization_id={BIG}", "organization_id"),
    Probe("grants.list_grants", "GET", "/api/grants?program=%00", "program"),
    Probe("grants.create_grant", "POST", "/api/grants", "body", raw=DEEP),
    grant("organization_id", organization_id=0),
    grant("organization_id", organization_id=BIG),
    grant("organization_id"),
    grant("program", program="Ａ"),
    grant("fiscal_year", fiscal_year="R"),
    grant("fiscal_year", fiscal_year=True),
    grant("requested", requested="abc"),
    grant("requested", requested=-1),
    grant("granted", granted=1.5),
    grant("granted", granted=2),
    grant("decided_on", decided_on="2024-02-30"),
    grant("project", project="x" * 201),
    grant("note", note="\x00"),
    grant("exception_reason", exception_reason="\ud800"),
    grant("unknown", unknown=1),
    Probe("grants.delete_grant", "DELETE", f"/api/grants/{BIG}", None),
    Probe("grants.delete_grant", "DELETE", "/api/grants/999", None),
    grant_table("file", b"", filename=""),
    grant_table("organization", b"program\n1\n"),
    grant_table("requested", GRANT_HEADER + b"1,preparation,2024,,abc,1,2024-06-01\n"),
    grant_table("fiscal_year", GRANT_HEADER + b"1,preparation,R0,,1,1,\n"),
    grant_table("organization", GRANT_HEADER + b"\x82\xa0,preparation,2024,,1,1,\n"),
    Probe("grants.import_grants", "POST", "/api/grants/import?dry_run=perhaps", "dry_run"),
    Probe("grants.export_csv", "GET", "/api/grants/export.csv?fiscal_year=x", "fiscal_year"),
    Probe("grants.export_xlsx", "GET", "/api/grants/export.xlsx?fiscal_year=%00", "fiscal_year"),
    Probe("grants.grants_page", "GET", "/grants/?fiscal_year=R0", "fiscal_year"),
    Probe("grants.grants_page", "GET", "/grants/?program=%00", "program"),
    grant_form("requested", requested="abc"),
    grant_form("organization_id", organization_id="x"),
    grant_form("decided_on", decided_on="2024/02/30"),
    grant_form("note", note="\x00"),
    grant_table("file", b"", endpoint="grants_import_form"),
    grant_table("requested", GRANT_HEADER + b"1,p,2024,,x,1,\n", endpoint="grants_import_form"),
    Probe("subsidies.budget", "GET", "/api/grants/budget?fiscal_year=R", "fiscal_year"),
    Probe("subsidies.report", "GET", "/api/grants/report?fiscal_year=1800", "fiscal_year"),
    Probe("subsidies.report_csv", "GET", "/api/grants/report.csv?fiscal_year=²", "fiscal_year"),
    Probe("subsidies.report_xlsx", "GET", "/api/grants/report.xlsx?fiscal_year=x", "fiscal_year"),
    Probe("subsidies.report_page", "GET", "/grants/report?fiscal_year=%00", "fiscal_year"),
    Probe("subsidies.map_values", "GET", "/api/grants/map?measure=all", "measure"),
    Probe("subsidies.map_values", "GET", "/api/grants/map?program=nothing", "program"),
    Probe("subsidies.map_values", "GET", "/api/grants/map?fiscal_year=R", "fiscal_year"),
    Probe("subsidies.map_page", "GET", "/grants/map?measure=%00", "measure"),
    Probe("subsidies.map_page", "GET", "/grants/map?program=Ａ", "program"),
    Probe("uploads.confirm", "POST", "/admin/import/%00/confirm", None),
    Probe("uploads.confirm", "POST", "/admin/import/0000000001-aaaaaaaaaaaaaaaaaaaa/confirm", None),
    Probe("uploads.cancel", "POST", "/admin/import/" + "a" * 300 + "/cancel", None),
]

# Routes whose only input is the session, the language or the cookie: nothing to probe.
NO_INPUT = {
    "pages.healthz",
    "opendata.page",
    "opendata.catalogue",
    "auth.session_info",
    "auth.api_logout",
    "auth.logout",
    "uploads.form",
    "editor_api.city",
    "editor.plans",
    "public_plan_api.public_plan",
    "public_plan_api.public_boundaries",
    "city_settings.form",
    "accounts.accounts",
    "organizations_api.stage_counts",
    "organizations_api.get_scheme",
    "organizations_edit.scheme_audit",
    "scheme_page.scheme_page",
    "scheme_page.scheme_download",
    "subsidies.get_programs",
    "subsidies.chart_svg",
}


def test_every_route_either_takes_no_input_or_has_hostile_probes(grid_app: Flask) -> None:
    endpoints = {rule.endpoint for rule in grid_app.url_map.iter_rules()}
    probed = {probe.endpoint for probe in PROBES}
    assert endpoints - probed - NO_INPUT == set(), "add probes for these routes"
    assert probed | NO_INPUT <= endpoints


def database_dump(app: Flask) -> dict[str, list[str]]:
    """Every table's rows (as text, sorted), to compare before and after."""
    store = app.extensions["geoapp.store"]
    if store.backend == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    else:
        query = (
            "SELECT table_name AS name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    with store.session() as session:
        tables = [row["name"] for row in session.rows(query)]
        return {
            table: sorted(repr(row) for row in session.rows(f'SELECT * FROM "{table}"'))
            for table in tables
        }


def send(client: Staff, probe: Probe, plan: int) -> Any:
    """The probe's request, with the CSRF token."""
    url = probe.url.replace("{plan}", str(plan))
    headers = {"X-CSRFToken": client.token}
    if probe.method == "GET":
        return client.client.get(url, headers=headers)
    if probe.raw is not None:
        return client.client.open(
            url,
            method=probe.method,
            data=probe.raw
            if isinstance(probe.raw, bytes)
            else probe.raw.encode("utf-8", "surrogatepass"),
            content_type="application/json",
            headers=headers,
        )
    if probe.json is not None:
        return client.client.open(
            url,
            method=probe.method,
            data=json.dumps(probe.json),
            content_type="application/json",
            headers=headers,
        )
    data: dict[str, Any] = dict(probe.form)
    for name, (content, file_name) in probe.files.items():
        data[name] = (io.BytesIO(content), file_name)
    return client.client.open(url, method=probe.method, data=data, headers=headers)


def refusal_problem(probe: Probe, answer: Any, role: str | None) -> str | None:
    """What is wrong with the answer to a probe, or None when it is a proper refusal."""
    status = answer.status_code
    staff_route = probe.endpoint.split(".")[0] in STAFF_ONLY
    if role is None and staff_route:
        to_login = status == 302 and answer.headers["Location"].startswith("/login")
        # 404: an id past 64 bits matches no route, before any login is asked for
        return None if status in (401, 404) or to_login else f"anonymous got {status}"
    if role != "kanri" and probe.endpoint.split(".")[0] in ADMIN_ONLY:
        return None if status == 403 else f"a planner got {status}"
    if not 400 <= status < 500:
        return f"status {status}"
    if probe.names is None:
        return None
    ja, en = (probe.names, probe.names) if isinstance(probe.names, str) else probe.names
    if answer.is_json:
        body = answer.get_json()
        named = ja in body.get("message", "") and en in body.get("message_en", "")
        shown = body.get("message", "")
    else:
        shown = answer.get_data(as_text=True)
        named = ja in shown
    return None if named else f"{status} without naming {ja!r}: {shown[:300]!r}"


@pytest.mark.parametrize("role", ["kanri", "tanaka", None])
def test_hostile_requests_are_refused_naming_the_field_and_change_nothing(
    grid_app: Flask, role: str | None
) -> None:
    plan = Staff(grid_app, "tanaka").new_plan()["id"]
    client = Staff(grid_app, role)
    uploads = Path(grid_app.instance_path) / "uploads"
    before = database_dump(grid_app)
    problems = []
    for probe in PROBES:
        try:
            answer = send(client, probe, plan)
        except Exception as error:  # the test app propagates what would be a 500
            problems.append(f"{probe}: raised {error!r}"[:500])
            continue
        if (problem := refusal_problem(probe, answer, role)) is not None:
            problems.append(f"{probe.method} {probe.url[:80]} {probe.names}: {problem}")
    assert problems == []
    assert database_dump(grid_app) == before
    assert not uploads.exists() or not list(uploads.iterdir())


def check_each_versions_and_audit_are_valid_json(client: Staff, plan: int) -> None:
    for url in (f"/api/plans/{plan}/versions", f"/api/plans/{plan}/audit"):
        answer = client.get(url)
        assert answer.status_code == 200
        json.loads(answer.get_data(as_text=True), parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Callable[[], None]:
    raise AssertionError(f"{name} in a JSON answer")


def test_the_audit_keeps_only_known_fields_and_stays_valid_json(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    east = next(c["id"] for c in plan["communities"] if c["name"] == "東小学校区")
    refused = tanaka.client.post(
        f"/api/plans/{plan['id']}/edits",
        data=f'{{"version": 1, "op": "update_community", "community": {east}, "name": "東",'
        ' "population": NaN}',
        content_type="application/json",
        headers={"X-CSRFToken": tanaka.token},
    )
    assert refused.status_code == 400 and "population" in refused.get_json()["message"]
    renamed = tanaka.edit(plan["id"], 1, "update_community", community=str(east), name=" 東 ")
    assert renamed.status_code == 200, renamed.get_json()
    audit = tanaka.get(f"/api/plans/{plan['id']}/audit").get_json()["edits"]
    assert audit[-1]["request"] == {"community": east, "name": "東"}
    check_each_versions_and_audit_are_valid_json(tanaka, plan["id"])


# PostgreSQL's jsonb never held NaN: only SQLite files can have such rows.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_audit_row_stored_with_nan_before_requests_were_checked_reads_as_valid_json(
    tanaka: Staff,
) -> None:
    store = tanaka.client.application.extensions["geoapp.store"]
    plan = tanaka.new_plan()["id"]
    with store.session(write=True) as session:
        session.run(
            "UPDATE plan_edits SET request = %s WHERE plan_id = %s",
            ('{"population": NaN, "ratio": Infinity}', plan),
        )
    check_each_versions_and_audit_are_valid_json(tanaka, plan)
    audit = tanaka.get(f"/api/plans/{plan}/audit").get_json()["edits"]
    assert audit[0]["request"] == {"population": None, "ratio": None}
