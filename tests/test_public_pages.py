"""The public pages, for anyone: each community's page at a stable URL, the map embedded
without the header, the print layout; none shows a draft, a lock, an account or the audit."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from test_web import public_map

from geoapp.accounts.users import User
from geoapp.demo.grants import prepare_demo_grants
from geoapp.formatting import fiscal_year_short
from geoapp.layers import DISTRICTS, LAYERS, Layer
from geoapp.public.paper import qr_code_svg

SECRETS = (
    "demo-admin",
    "aobagawa",
    "locked",
    "author",
    "見直し案（作業中）",
    "地区まちづくり協議会",
)


def page(app: Flask, url: str, status: int = 200) -> str:
    answer = app.test_client().get(url)
    assert answer.status_code == status, url
    return answer.get_data(as_text=True)


def visible(html: str) -> str:
    """A page's text without its scripts (the map's data is checked separately)."""
    return re.sub(r"<script.*?</script>", "", html, flags=re.S)


def test_a_community_page_shows_its_hub_districts_schools_and_population(demo_app: Flask) -> None:
    planning = demo_app.extensions["geoapp.plans"]
    public = planning.public_plan()
    community = next(c for c in public["communities"] if c["name"] == "平和台小学校区")
    html = page(demo_app, f"/communities/{community['id']}")
    text = visible(html)
    assert "平和台小学校区" in text and "平和台コミュニティセンター" in text
    assert "青葉川市平和台三丁目16番5号" in text
    members = [code for code, cid in public["assignments"].items() if cid == community["id"]]
    assert f'<span class="count">{len(members)}</span>' in text
    assert "青葉川市立平和台小学校" in text
    assert "集計の時点はデータに記載がありません" in text
    assert re.search(r'読み込んだ日: <time datetime="\d{4}-\d\d-\d\d">令和\d+年\d+月\d+日<', text)
    assert "app-header" in html
    english = visible(page(demo_app, f"/communities/{community['id']}?lang=en"))
    assert "Hub facility" in english and "does not say as of when" in english
    assert re.search(r'Data loaded by the city: <time datetime="(\d{4}-\d\d-\d\d)">\1<', english)


def test_every_public_page_shows_only_the_adopted_plans_public_fields(demo_app: Flask) -> None:
    planning = demo_app.extensions["geoapp.plans"]
    draft = next(p for p in planning.list_plans() if p["status"] == "draft")
    draft_names = {c["name"] for c in planning.state(draft["id"])[1].communities.values()}
    adopted_names = {c["name"] for c in planning.public_plan()["communities"]}
    urls = ["/", "/?embed=1", "/print", "/print?paper=a3&orientation=portrait&c=1"]
    urls += ["/search?q=一丁目", "/search?q=ちょうめ", "/search?q=見直し案"]
    urls += [f"/communities/{c['id']}" for c in planning.public_plan()["communities"]]
    urls += ["/?layer=subsidies&fiscal_year=2025", "/print?layer=subsidies"]
    urls += ["/api/public/colouring", "/api/public/colouring?layer=subsidies&fiscal_year=2025"]
    urls += list(public_map(demo_app.test_client())[0]["collections"].values())  # its shapes
    for url in urls:
        html = page(demo_app, url)
        for secret in (*SECRETS, *(draft_names - adopted_names)):
            assert secret not in html, (url, secret)
    assert page(demo_app, f"/communities/{draft['id'] + 1000}", 404)


def test_the_search_page_lists_every_match_with_links_to_community_pages(
    demo_app: Flask,
) -> None:
    text = visible(page(demo_app, "/search?q=きぼうがおか"))
    names = re.findall(r'<strong class="match-district">([^<]+)</strong>', text)
    assert len(names) >= 2 and all(name.startswith("希望ヶ丘") for name in names)
    links = set(re.findall(r'href="/communities/(\d+)"', text))
    adopted = {
        str(c["id"]) for c in demo_app.extensions["geoapp.plans"].public_plan()["communities"]
    }
    assert links and links <= adopted
    assert visible(page(demo_app, "/search?q=キボウガオカ")).count("match-district") == len(names)
    english = visible(page(demo_app, "/search?q=希望ヶ丘&lang=en"))
    assert "Results for" in english and "About this community" in english


def test_the_search_page_says_when_nothing_matches_and_escapes_the_query(
    demo_app: Flask,
) -> None:
    text = visible(page(demo_app, "/search?q=平和代"))
    assert "「平和代」は見つかりませんでした。" in text and 'href="/search?q=' in text
    hostile = visible(page(demo_app, "/search?q=<img src=x onerror=alert(1)>"))
    assert "<img src=x" not in hostile and "&lt;img src=x onerror=alert(1)&gt;" in hostile
    postal = visible(page(demo_app, "/search?q=〒999-0001"))
    assert "郵便番号では探せません" in postal
    assert 'class="search-answer"' not in page(demo_app, "/search")
    assert 'action="/search"' in page(demo_app, "/")


def test_a_community_of_a_draft_only_is_not_found(demo_app: Flask) -> None:
    planning = demo_app.extensions["geoapp.plans"]
    adopted = {c["id"] for c in planning.public_plan()["communities"]}
    draft = next(p for p in planning.list_plans() if p["status"] == "draft")
    ids = set(planning.state(draft["id"])[1].communities) | {max(adopted) + 1}
    for cid in ids - adopted:
        page(demo_app, f"/communities/{cid}", 404)


@pytest.mark.parametrize(("lang", "label"), [("ja", "データのライセンス"), ("en", "Data licence")])
def test_the_public_map_names_the_data_licence_and_links_the_open_data(
    demo_app: Flask, lang: str, label: str
) -> None:
    html = page(demo_app, f"/?lang={lang}")
    licence = re.search(r'<dd id="data-licence">(.*?)</dd>', html, re.S)
    assert label in html and licence is not None
    assert 'rel="license">CC BY 4.0</a>' in licence.group(1)
    assert 'href="/opendata"' in licence.group(1)


@pytest.mark.parametrize("url", ["/?embed=1", "/communities/1?embed=1"])
def test_an_embedded_page_has_no_header(demo_app: Flask, url: str) -> None:
    html = page(demo_app, url)
    assert "app-header" not in html and "職員ログイン" not in html
    assert "app-header" in page(demo_app, url.replace("embed=1", "embed=0"))


@pytest.mark.parametrize(
    ("query", "size"),
    [
        ("", "297mm 210mm"),
        ("?paper=a4&orientation=portrait", "210mm 297mm"),
        ("?paper=a3&orientation=landscape", "420mm 297mm"),
        ("?paper=a3&orientation=portrait", "297mm 420mm"),
    ],
)
def test_the_print_layout_sets_the_paper_and_a_qr_code_of_the_same_view(
    demo_app: Flask, query: str, size: str
) -> None:
    view = "lat=34.95&lon=138.02&z=13&c=3"
    html = page(demo_app, f"/print{query}{'&' if query else '?'}{view}")
    assert f"@page {{ size: {size}; margin: 0; }}" in html
    assert 'class="qr-code"' in html and "north-arrow" in html and "geoapp-legend" in html
    assert "令和" in html and "出典" in html


def test_the_qr_code_is_an_inline_svg() -> None:
    svg = qr_code_svg("http://localhost/?lat=34.95&lon=138.02&z=13&c=3")
    assert svg.startswith("<svg") and "qr-code" in svg


def test_a_community_page_shows_its_organizations_public_fields_and_timeline(
    demo_app: Flask,
) -> None:
    organizations = demo_app.extensions["geoapp.organizations"]
    admin = User("demo-admin", "admin")
    listed = organizations.list_organizations(None)
    assert listed, "adopting the demo plan makes one organization per community"
    first = listed[0]
    scheme = organizations.scheme()
    organizations.update_fields(
        admin,
        first["id"],
        {"contact_public": "公開の連絡先 054-000-0000", "contact_private": "職員だけの連絡先"},
    )
    milestone = scheme.milestones[0]
    organizations.record_milestone(admin, first["id"], milestone.key, date(2024, 5, 1))
    html = visible(page(demo_app, f"/communities/{first['community_id']}"))
    assert first["name"] in html and "公開の連絡先 054-000-0000" in html
    assert milestone.name in html and '<time datetime="2024-05-01">令和6年5月1日</time>' in html
    assert "<small>令和6年度</small>" in html and "2024-05-01</time>" not in html
    english = visible(page(demo_app, f"/communities/{first['community_id']}?lang=en"))
    assert milestone.name_en in english
    assert '<time datetime="2024-05-01">2024-05-01</time><small>FY2024</small>' in english
    assert "職員だけの連絡先" not in html


def test_a_community_page_shows_only_public_organization_fields(demo_app: Flask) -> None:
    organizations = demo_app.extensions["geoapp.organizations"]
    admin = User("demo-admin", "admin")
    first = organizations.list_organizations(None)[0]
    public = {"contact_public": "公開窓口 054-111-2222", "notes_public": "公開の活動紹介"}
    private = {
        "contact_private": "会長宅 090-9999-0000",
        "notes_private": "内部メモ：役員改選でもめている",
        "area_staff": "担当職員 山田花子",
    }
    organizations.update_fields(admin, first["id"], {**public, **private})
    html = page(demo_app, f"/communities/{first['community_id']}")
    for value in public.values():
        assert value in visible(html)
    for field, value in private.items():
        assert value not in html, field


def test_a_community_page_tables_its_subsidies_by_fiscal_year_without_private_fields(
    demo_app: Flask,
) -> None:
    organizations = demo_app.extensions["geoapp.organizations"]
    subsidies = demo_app.extensions["geoapp.subsidies"]
    assert prepare_demo_grants(organizations, subsidies)
    admin = User("demo-admin", "admin")
    everything = subsidies.grants()
    paid = [g for g in everything if g["granted"] > 0]
    excepted = [g for g in everything if g["exception_reason"]]
    refused = [g for g in everything if g["granted"] == 0]
    assert paid and excepted and refused
    organization = excepted[0]["organization_id"]
    community = organizations.organization(admin, organization)["community_id"]
    html = page(demo_app, f"/communities/{community}")
    text = visible(html)
    own = [g for g in paid if g["organization_id"] == organization]
    for grant in own:
        year = f'<tbody data-fiscal-year="{grant["fiscal_year"]}">'
        assert year in text and fiscal_year_short(grant["fiscal_year"], "ja") in text
    assert f"{sum(g['granted'] for g in own):,}" in text
    for grant in everything:
        assert grant["exception_reason"] is None or grant["exception_reason"] not in html
        assert not grant["note"] or grant["note"] not in html
    assert "demo-admin" not in html and "recorded" not in html
    refused_projects = {g["project"] for g in refused if g["organization_id"] == organization}
    for project in refused_projects - {g["project"] for g in own}:
        assert project not in text
    english = visible(page(demo_app, f"/communities/{community}?lang=en"))
    assert "Subsidies by fiscal year" in english
    assert fiscal_year_short(own[0]["fiscal_year"], "en") in english


def test_a_community_page_without_organization_or_grants_says_so(demo_app: Flask) -> None:
    organizations = demo_app.extensions["geoapp.organizations"]
    first = organizations.list_organizations(None)[0]
    text = visible(page(demo_app, f"/communities/{first['community_id']}"))
    assert "補助金の交付記録はまだありません。" in text
    store = demo_app.extensions["geoapp.store"]
    with store.session(write=True) as session:
        session.run(
            "UPDATE organizations SET archived_at = %s WHERE id = %s",
            (datetime.now(UTC), first["id"]),
        )
    text = visible(page(demo_app, f"/communities/{first['community_id']}"))
    assert "この地域の運営組織はまだ登録されていません。" in text
    assert "運営組織が登録されると、交付された補助金がここに表示されます。" in text
    assert first["name"] not in text.split('id="organization"')[1].split("</section>")[0]


def test_the_map_page_reads_no_layer_again_once_the_directory_is_built(
    demo_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's counts, totals, centre kinds and school zone labels come from the public
    directory, built once per data generation, not from every layer on every request."""
    page(demo_app, "/")
    store = demo_app.extensions["geoapp.store"]
    reads: list[str] = []
    read_layer = store.read_layer

    def counted_read(layer: Layer, **options: object) -> object:
        reads.append(layer.name)
        return read_layer(layer, **options)

    monkeypatch.setattr(store, "read_layer", counted_read)
    again = page(demo_app, "/")
    assert page(demo_app, "/print")
    assert reads == []
    monkeypatch.undo()
    for layer in LAYERS:
        shown = re.search(rf'data-count="{layer.name}">([\d,]+)<', again)
        assert shown and int(shown[1].replace(",", "")) == len(store.read_layer(layer))
    population = int(store.read_layer(DISTRICTS)["population"].sum())
    assert f'data-figure="population">{population:,}<small>' in again
