"""Noto Sans JP in Debian's Chromium: the app's own copy, fetched from the app and from
nowhere else; nothing fetched on a machine with Japanese fonts; and on a machine without
any (a thin client on a closed network, made here by letting fontconfig see only DejaVu)
the Japanese text of a page and of its print sheet comes in the app's font, a few of its
subsets rather than the whole font. Screenshots go to test-artifacts/fonts/."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import missing
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, browser, watched_page

pytestmark = [
    pytest.mark.browser,
    # The font does not depend on the database: the embedded one is enough.
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
__all__ = ["browser"]

FAMILY = "geoapp Noto Sans JP"
SHOTS = ARTIFACTS / "fonts"
OS_JAPANESE_FONTS = ("Hiragino Sans", "Yu Gothic", "Meiryo", "Noto Sans CJK JP")
LATIN_ONLY_FONTS = Path("/usr/share/fonts/truetype/dejavu")

# The app's own font faces the page has loaded, and the Japanese text the page shows.
_LOADED_FACES = f"""() => document.fonts.ready.then(() =>
  [...document.fonts].filter((f) => f.family === '"{FAMILY}"' || f.family === "{FAMILY}")
    .filter((f) => f.status === "loaded").map((f) => f.weight))"""


def fonts_requested(page) -> list[tuple[str, object]]:
    """Every font request the page makes, with its response (None when it failed), filled
    in as the page runs."""
    requests: list[tuple[str, object]] = []

    def finished(request) -> None:
        if request.resource_type == "font":
            requests.append((request.url, request.response()))

    def failed(request) -> None:
        if request.resource_type == "font":
            requests.append((request.url, None))

    page.on("requestfinished", finished)
    page.on("requestfailed", failed)
    return requests


def font_bytes(requests: list[tuple[str, object]]) -> int:
    """The bytes of the fonts the page downloaded (their Content-Length)."""
    return sum(int(response.headers["content-length"]) for _, response in requests if response)


@pytest.fixture(scope="module")
def thin_client(browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Debian's Chromium on a machine with no Japanese font: fontconfig sees only DejaVu.
    (Launched by the Playwright that runs ``browser``: one Playwright per process.)"""
    if not LATIN_ONLY_FONTS.is_dir():
        missing(f"{LATIN_ONLY_FONTS} is missing (apt-get install fonts-dejavu-core)")
    folder = tmp_path_factory.mktemp("fontconfig")
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig><dir>{LATIN_ONLY_FONTS}</dir><cachedir>{folder}/cache</cachedir>"
        "<alias><family>sans-serif</family><prefer><family>DejaVu Sans</family></prefer></alias>"
        "</fontconfig>\n"
    )
    launched = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        env={**os.environ, "FONTCONFIG_FILE": str(config)},
    )
    yield launched
    launched.close()


def test_the_font_comes_from_the_app_itself_and_nowhere_else(
    served: tuple[str, list[str]], browser
) -> None:
    root, _ = served
    context, page, left_machine, console_errors = watched_page(browser, root)
    requests = fonts_requested(page)
    page.goto(f"{root}/")
    faces = page.evaluate(
        """async (family) => (await document.fonts.load(`16px "${family}"`, "青葉川市"))
             .concat(await document.fonts.load(`bold 16px "${family}"`, "青葉川市"))
             .map((face) => ({status: face.status, weight: face.weight}))""",
        FAMILY,
    )
    assert faces, "no face of the app's font covers 青葉川市"
    assert {face["status"] for face in faces} == {"loaded"}
    assert {face["weight"] for face in faces} == {"400", "700"}
    urls = [url for url, _ in requests]
    assert urls and all(
        url.startswith(f"{root}/vendor/noto-sans-jp/files/") and url.endswith(".woff2")
        for url in urls
    ), urls
    assert left_machine == [] and console_errors == []
    woff2 = context.request.get(urls[0])
    assert woff2.status == 200
    assert woff2.headers["content-type"] == "font/woff2"
    assert "max-age=86400" in woff2.headers["cache-control"]
    context.close()


def test_a_machine_with_japanese_fonts_downloads_no_font(
    served: tuple[str, list[str]], browser
) -> None:
    listed = subprocess.run(
        ["fc-list", ":lang=ja", "family"], capture_output=True, text=True, check=False
    ).stdout
    if not any(name in listed for name in OS_JAPANESE_FONTS):
        missing(f"none of {OS_JAPANESE_FONTS} is installed (apt-get install fonts-noto-cjk)")
    root, _ = served
    context, page, _, _ = watched_page(browser, root)
    requests = fonts_requested(page)
    for path in ("/", "/print"):
        page.goto(f"{root}{path}")
        assert page.evaluate(_LOADED_FACES) == []
    assert requests == []
    context.close()


def test_a_machine_without_japanese_fonts_shows_the_pages_and_prints_in_the_apps_font(
    served: tuple[str, list[str]], thin_client
) -> None:
    root, _ = served
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page, left_machine, console_errors = watched_page(thin_client, root)
    requests = fonts_requested(page)
    for path, name in (("/", "map"), ("/print", "print")):
        page.goto(f"{root}{path}")
        assert set(page.evaluate(_LOADED_FACES)) == {"400", "700"}, path
        page.screenshot(path=str(SHOTS / f"thin-client-{name}-ja.png"))
    page.pdf(path=str(SHOTS / "thin-client-print-ja.pdf"))
    urls = [url for url, _ in requests]
    assert urls and all(url.startswith(f"{root}/vendor/noto-sans-jp/files/") for url in urls)
    assert all(response is not None and response.status == 200 for _, response in requests)
    assert left_machine == [] and console_errors == []
    # The subsets the two pages' characters need: a small part of the whole font's 5.8 MB.
    downloaded = font_bytes(requests)
    print(f"thin client: {len(urls)} font files, {downloaded} bytes")
    assert downloaded < 2_000_000
    context.close()
