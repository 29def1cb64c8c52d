"""Noto Sans JP ships with the app: the build hook (hatch_build.py) fetches the npm package,
refuses one whose sha512 is not the pinned value, takes only the faces and licence it names
(never a path outside its folder), and the installed package holds them, served by the app
with the day's cache of the other vendored files."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import re
import sys
import tarfile
from pathlib import Path

import pytest
from conftest import missing
from flask import Flask

from geoapp.web.vendor_assets import NOTO_SANS_JP_CSS, noto_sans_jp_folder

ROOT = Path(__file__).resolve().parents[1]


def load_hook():
    """hatch_build.py as a module (hatch loads it by path; so does this test)."""
    spec = importlib.util.spec_from_file_location("hatch_build", ROOT / "hatch_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["hatch_build"] = module
    spec.loader.exec_module(module)
    return module


hook = load_hook()

FACE = """/* noto-sans-jp-[{n}]-{w}-normal */
@font-face {{
  font-family: 'Noto Sans JP';
  font-style: normal;
  font-display: swap;
  font-weight: {w};
  src: url(./files/{file}.woff2) format('woff2'), url(./files/{file}.woff) format('woff');
  unicode-range: {r};
}}
"""
RANGES = {"0": "U+4e00-4e0f", "latin": "U+0000-00FF,U+2000-206F"}


def tarball(extra: dict[str, bytes] | None = None, css: dict[int, str] | None = None) -> bytes:
    """A package tarball shaped like @fontsource/noto-sans-jp's: two subsets per weight,
    woff and woff2, a weight it must leave out (300), the licence and the read-me."""
    files: dict[str, bytes] = {
        "package/LICENSE": b"SIL Open Font License, Version 1.1",
        "package/README.md": b"read me",
        "package/index.css": b"/* every weight */",
    }
    for weight in (300, 400, 700):
        sheet = "".join(
            FACE.format(n=n, w=weight, r=r, file=f"noto-sans-jp-{n}-{weight}-normal")
            for n, r in RANGES.items()
        )
        files[f"package/{weight}.css"] = (css or {}).get(weight, sheet).encode()
        for n in RANGES:
            for kind in ("woff", "woff2"):
                files[f"package/files/noto-sans-jp-{n}-{weight}-normal.{kind}"] = (
                    f"{kind} {n} {weight}".encode()
                )
    files.update(extra or {})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_the_integrity_check_takes_the_pinned_tarball_and_refuses_a_tampered_one() -> None:
    data = tarball()
    hook.check_integrity(data, integrity(data))
    tampered = data[:-1] + bytes([data[-1] ^ 1])
    with pytest.raises(hook.FontBuildError, match="sha512"):
        hook.check_integrity(tampered, integrity(data))
    with pytest.raises(hook.FontBuildError, match="unsupported integrity"):
        hook.check_integrity(data, "sha1-" + base64.b64encode(hashlib.sha1(data).digest()).decode())
    assert hook.INTEGRITY.startswith("sha512-") and hook.VERSION == "5.3.0"


def test_unpacking_takes_only_the_woff2_faces_of_400_and_700_their_style_sheet_and_the_licence(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "noto-sans-jp"
    written = hook.unpack(tarball(), folder)
    woff2 = [f"files/noto-sans-jp-{n}-{w}-normal.woff2" for w in (400, 700) for n in RANGES]
    assert sorted(written) == sorted(["LICENSE", "noto-sans-jp.css", *woff2])
    on_disk = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert on_disk == sorted(written)
    assert (folder / "files/noto-sans-jp-0-700-normal.woff2").read_bytes() == b"woff2 0 700"
    css = (folder / "noto-sans-jp.css").read_text()
    faces = re.findall(r"@font-face\{([^}]*)\}", css)
    assert len(faces) == 4
    assert all('font-family:"geoapp Noto Sans JP"' in face for face in faces)
    assert (
        'font-weight:700;src:url("files/noto-sans-jp-latin-700-normal.woff2") format("woff2");'
        in css
    )
    assert "unicode-range:U+0000-00FF,U+2000-206F" in css and "unicode-range:U+4e00-4e0f" in css
    assert ".woff)" not in css and "./files" not in css


@pytest.mark.parametrize(
    "name",
    ["package/../../evil.sh", "/etc/cron.d/evil", "../package/files/x.woff2"],
)
def test_a_tarball_with_a_path_outside_its_folder_is_refused_whole(
    tmp_path: Path, name: str
) -> None:
    with pytest.raises(hook.FontBuildError, match="unsafe paths"):
        hook.unpack(tarball({name: b"#!/bin/sh"}), tmp_path / "noto-sans-jp")
    assert list(tmp_path.iterdir()) == []


def test_a_style_sheet_pointing_outside_the_files_folder_or_a_linked_face_is_refused(
    tmp_path: Path,
) -> None:
    outside = FACE.format(n="0", w=400, r="U+4e00", file="../../LICENSE")
    with pytest.raises(hook.FontBuildError, match="unexpected @font-face source"):
        hook.unpack(tarball(css={400: outside}), tmp_path / "a")
    buffer = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(tarball()), mode="r:gz") as source,
        tarfile.open(fileobj=buffer, mode="w:gz") as linked,
    ):
        for member in source.getmembers():
            if member.name == "package/files/noto-sans-jp-0-400-normal.woff2":
                member.type, member.linkname, member.size = tarfile.SYMTYPE, "/etc/passwd", 0
                linked.addfile(member)
            else:
                linked.addfile(member, source.extractfile(member))
    with pytest.raises(hook.FontBuildError, match="is not a file"):
        hook.unpack(buffer.getvalue(), tmp_path / "b")


def test_the_registry_is_npms_unless_npm_config_registry_names_a_mirror(tmp_path: Path) -> None:
    assert hook.tarball_url(hook.registry({})) == (
        "https://registry.npmjs.org/@fontsource/noto-sans-jp/-/noto-sans-jp-5.3.0.tgz"
    )
    mirror = hook.registry({"npm_config_registry": "https://npm.city.lan/repo"})
    assert hook.tarball_url(mirror).startswith("https://npm.city.lan/repo/@fontsource/")
    assert (
        hook.registry({"NPM_CONFIG_REGISTRY": "http://10.0.0.5:4873/"}) == "http://10.0.0.5:4873/"
    )
    assert hook.cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "geoapp-build"


def test_a_failed_download_names_the_package_the_url_and_the_mirror_setting(
    tmp_path: Path,
) -> None:
    environ = {
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        # Nothing listens on port 9 of the loopback (discard), so the download fails at once.
        "npm_config_registry": "http://127.0.0.1:9/",
    }
    folder = tmp_path / "noto-sans-jp"
    with pytest.raises(hook.FontBuildError) as refused:
        hook.install(folder, environ)
    message = str(refused.value)
    assert "@fontsource/noto-sans-jp@5.3.0" in message
    assert "http://127.0.0.1:9/@fontsource/noto-sans-jp/-/noto-sans-jp-5.3.0.tgz" in message
    assert "npm_config_registry" in message and "Nothing was installed" in message
    assert str(tmp_path / "cache" / "geoapp-build" / "noto-sans-jp-5.3.0.tgz") in message
    assert list(tmp_path.iterdir()) == []  # no folder, no half-written cache


def test_an_installed_folder_counts_only_when_whole_and_of_this_version(tmp_path: Path) -> None:
    folder = tmp_path / "noto-sans-jp"
    files = hook.unpack(tarball(), folder)
    marker = {"package": hook.PACKAGE, "version": hook.VERSION, "integrity": hook.INTEGRITY}
    (folder / hook.MARKER).write_text(json.dumps({**marker, "files": files}))
    assert hook.installed(folder)
    (folder / hook.MARKER).write_text(json.dumps({**marker, "version": "5.2.0", "files": files}))
    assert not hook.installed(folder)
    (folder / hook.MARKER).write_text(json.dumps({**marker, "files": files}))
    (folder / "files/noto-sans-jp-0-700-normal.woff2").unlink()
    assert not hook.installed(folder)


def installed_font() -> Path:
    """The font folder of the package under test; fails under CI when it is missing."""
    folder = noto_sans_jp_folder()
    if not (folder / NOTO_SANS_JP_CSS).is_file():
        missing(
            f"Noto Sans JP is not installed in {folder}: the build hook writes it at "
            "`pip install .` or `pip install -e .`"
        )
    return folder


def test_the_installed_package_holds_the_fonts_faces_and_licence() -> None:
    folder = installed_font()
    assert hook.installed(folder)
    assert "SIL Open Font License, Version 1.1" in (folder / "LICENSE").read_text()
    css = (folder / NOTO_SANS_JP_CSS).read_text()
    files = re.findall(r'url\("files/([^"]+)"\)', css)
    weights = re.findall(r"font-weight:(\d+);", css)
    assert len(files) == len(weights) > 200
    assert set(weights) == {"400", "700"}
    assert {"noto-sans-jp-latin-400-normal.woff2", "noto-sans-jp-0-700-normal.woff2"} <= set(files)
    for name in files:
        assert (folder / "files" / name).read_bytes()[:4] == b"wOF2", name
    assert sorted(p.name for p in (folder / "files").iterdir()) == sorted(files)


def test_the_app_serves_the_font_with_the_days_cache_and_names_it_last_in_the_stack(
    app: Flask,
) -> None:
    folder = installed_font()
    client = app.test_client()
    css = client.get("/vendor/noto-sans-jp/noto-sans-jp.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert css.cache_control.max_age == 86400
    first = re.search(r'url\("(files/[^"]+)"\)', css.get_data(as_text=True)).group(1)
    woff2 = client.get(f"/vendor/noto-sans-jp/{first}")
    assert woff2.status_code == 200 and woff2.mimetype == "font/woff2"
    assert woff2.cache_control.max_age == 86400
    assert woff2.data == (folder / first).read_bytes()
    assert client.get("/vendor/noto-sans-jp/LICENSE").status_code == 200
    assert client.get("/vendor/noto-sans-jp/files/no-such.woff2").status_code == 404
    page = client.get("/login")
    assert "font-src 'self'" in page.headers["Content-Security-Policy"]
    assert '<link rel="stylesheet" href="/vendor/noto-sans-jp/noto-sans-jp.css">' in page.text
    stack = re.search(r"font-family: ([^;]+);", (ROOT / "geoapp/web/static/geoapp.css").read_text())
    families = [name.strip().strip('"') for name in stack.group(1).split(",")]
    assert families[-3:] == ["geoapp Noto Sans JP", "system-ui", "sans-serif"]
    assert {"Hiragino Sans", "Yu Gothic", "Meiryo", "Noto Sans CJK JP"} <= set(families[:-3])
