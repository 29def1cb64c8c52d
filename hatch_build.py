"""Build hook: ship Noto Sans JP, the Japanese font pages fall back on when the OS has none.

The font is not kept in git and never comes from a CDN when a page runs. At build time
(``pip install .`` and ``pip install -e .`` alike) this hook takes the npm registry's
``@fontsource/noto-sans-jp`` package at a pinned version, checks its sha512 integrity, and
writes only what pages use into ``geoapp/web/vendor/noto-sans-jp/`` (gitignored; in the wheel
as a hatch artifact): the woff2 files of weights 400 and 700, every unicode-range subset, so a
browser fetches only the subsets a page's characters need; one style sheet declaring them;
and the font's licence (SIL OFL 1.1). The tarball (79 MB) is cached, and a folder already
holding this version is left alone, so reinstalling downloads nothing. Standard library only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGE = "@fontsource/noto-sans-jp"
VERSION = "5.3.0"
# `npm view @fontsource/noto-sans-jp@5.3.0 dist.integrity`
INTEGRITY = "sha512-OZbBzZ8LrFRs2RFT2Cc0HUV2C2ZeSfyEXhDJWR0EZuZaraJfRubpvrFmUnCljuBDEkw8Vn6CE/+nf9dj9b+0lg=="  # noqa: E501
WEIGHTS = (400, 700)
# A name of the app's own, so the font stack can name an installed "Noto Sans JP" first
# (the OS copy, downloading nothing) and this copy last.
FAMILY = "geoapp Noto Sans JP"
STYLE_SHEET = "noto-sans-jp.css"
MARKER = "INSTALLED.json"
FOLDER = Path("geoapp", "web", "vendor", "noto-sans-jp")
DEFAULT_REGISTRY = "https://registry.npmjs.org/"
_WOFF2 = re.compile(r"noto-sans-jp-[a-z0-9-]+-(?:400|700)-normal\.woff2")
_FACE = re.compile(r"@font-face\s*{([^}]*)}")
_DESCRIPTOR = re.compile(r"([a-z-]+)\s*:\s*([^;]+);")
_URL = re.compile(r"url\(\./files/([^)]+)\)\s*format\('woff2'\)")


class FontBuildError(Exception):
    """The font could not be fetched or its package is not what was pinned."""


class Face(NamedTuple):
    """One @font-face of the package: a weight's woff2 file for one unicode-range subset.
    (A NamedTuple: hatch loads this file without registering it as a module, which a
    dataclass needs.)"""

    weight: int
    unicode_range: str
    file: str


def registry(environ: Mapping[str, str]) -> str:
    """The npm registry to fetch from: ``npm_config_registry`` (either case), as npm does."""
    given = environ.get("npm_config_registry") or environ.get("NPM_CONFIG_REGISTRY")
    return (given or DEFAULT_REGISTRY).rstrip("/") + "/"


def tarball_url(registry_url: str) -> str:
    """The package's tarball at ``registry_url``, laid out as every npm registry does."""
    name = PACKAGE.split("/")[1]
    return f"{registry_url}{PACKAGE}/-/{name}-{VERSION}.tgz"


def cache_dir(environ: Mapping[str, str]) -> Path:
    """Where the tarball is kept between builds (``$XDG_CACHE_HOME/geoapp-build``)."""
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "geoapp-build"


def check_integrity(data: bytes, integrity: str = INTEGRITY) -> None:
    """Refuse ``data`` unless its sha512 is the pinned Subresource-Integrity value."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise FontBuildError(f"{PACKAGE}: unsupported integrity {integrity!r}")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")
    if not hmac.compare_digest(actual, expected):
        raise FontBuildError(
            f"{PACKAGE}@{VERSION}: the tarball's sha512 is sha512-{actual}, not the pinned "
            f"{integrity}; it was not used (a corrupt download or a registry serving "
            "another file)"
        )


def faces(css: str) -> list[Face]:
    """The @font-face rules of one of the package's weight style sheets (``400.css``)."""
    found = []
    for body in _FACE.findall(css):
        descriptors = dict(_DESCRIPTOR.findall(body))
        url = _URL.search(descriptors.get("src", ""))
        if url is None or not _WOFF2.fullmatch(url.group(1)):
            raise FontBuildError(f"{PACKAGE}: unexpected @font-face source in {body.strip()!r}")
        if descriptors.get("font-style", "").strip() != "normal":
            raise FontBuildError(f"{PACKAGE}: unexpected font style in {body.strip()!r}")
        found.append(
            Face(
                weight=int(descriptors["font-weight"]),
                unicode_range=descriptors["unicode-range"].strip(),
                file=url.group(1),
            )
        )
    if not found:
        raise FontBuildError(f"{PACKAGE}: a weight's style sheet declares no @font-face")
    return found


def style_sheet(declared: list[Face]) -> str:
    """The style sheet pages load: one compact @font-face per face, naming ``FAMILY`` and
    the woff2 file beside it (a relative URL, so it follows the app's URL prefix)."""
    lines = [f"/* Noto Sans JP (SIL OFL 1.1, see LICENSE) from {PACKAGE}@{VERSION} */"]
    lines += [
        f'@font-face{{font-family:"{FAMILY}";font-style:normal;font-display:swap;'
        f'font-weight:{face.weight};src:url("files/{face.file}") format("woff2");'
        f"unicode-range:{face.unicode_range}}}"
        for face in declared
    ]
    return "\n".join(lines) + "\n"


def _safe(name: str) -> bool:
    """Whether a tar member's name stays inside the folder it is unpacked into."""
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and "\\" not in name


def _read(archive: tarfile.TarFile, name: str) -> bytes:
    """The bytes of the regular file ``name`` in ``archive`` (never a link or device)."""
    try:
        member = archive.getmember(name)
    except KeyError:
        raise FontBuildError(f"{PACKAGE}@{VERSION}: the tarball has no {name}") from None
    if not member.isfile():
        raise FontBuildError(f"{PACKAGE}@{VERSION}: {name} in the tarball is not a file")
    handle = archive.extractfile(member)
    assert handle is not None  # a regular file always has contents
    return handle.read()


def unpack(tarball: bytes, folder: Path) -> dict[str, int]:
    """Write the faces of ``WEIGHTS``, their style sheet and the licence from the package
    ``tarball`` into the empty ``folder``; return each written file's size by its path.

    Only the named files are read, by their exact names, and written under names this
    function makes; a tarball holding any absolute or ``..`` path is refused whole."""
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        unsafe = [name for name in archive.getnames() if not _safe(name)]
        if unsafe:
            raise FontBuildError(f"{PACKAGE}: the tarball holds unsafe paths {unsafe[:3]}")
        declared = [
            face
            for weight in WEIGHTS
            for face in faces(_read(archive, f"package/{weight}.css").decode("utf-8"))
        ]
        contents = {
            "LICENSE": _read(archive, "package/LICENSE"),
            STYLE_SHEET: style_sheet(declared).encode("utf-8"),
        }
        for face in declared:
            contents[f"files/{face.file}"] = _read(archive, f"package/files/{face.file}")
    (folder / "files").mkdir(parents=True)
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    return {name: len(data) for name, data in sorted(contents.items())}


def _marker() -> dict[str, Any]:
    return {"package": PACKAGE, "version": VERSION, "integrity": INTEGRITY}


def installed(folder: Path) -> bool:
    """Whether ``folder`` holds this version whole: its marker, and every file it lists at
    the listed size."""
    try:
        written = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(written, dict) or {k: written.get(k) for k in _marker()} != _marker():
        return False
    files = written.get("files")
    if not isinstance(files, dict) or not files:
        return False
    for name, size in files.items():
        path = folder / name
        if not _safe(name) or not path.is_file() or path.stat().st_size != size:
            return False
    return True


def fetch(url: str, cached: Path, timeout: float = 120) -> bytes:
    """The bytes at ``url``; a FontBuildError saying what to do when they cannot be had
    (among others: put the tarball at ``cached``)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()
    except (urllib.error.URLError, OSError) as exc:
        raise FontBuildError(
            f"geoapp's build could not download the font package {PACKAGE}@{VERSION} "
            f"(Noto Sans JP) from {url}: {exc}.\n"
            "The build fetches it from the npm registry. On a closed network, point it at "
            "an internal npm mirror (e.g. `export npm_config_registry=https://npm.example.lan/`) "
            f"or copy the tarball (from `npm pack {PACKAGE}@{VERSION}`) to {cached}, then "
            "build again. Nothing was installed."
        ) from exc


def tarball(environ: Mapping[str, str]) -> bytes:
    """The pinned package's verified tarball, from the cache or else the registry (then
    cached)."""
    cached = cache_dir(environ) / f"noto-sans-jp-{VERSION}.tgz"
    if cached.is_file():
        data = cached.read_bytes()
        try:
            check_integrity(data)
            return data
        except FontBuildError:
            cached.unlink()
    data = fetch(tarball_url(registry(environ)), cached)
    check_integrity(data)
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(cached)
    return data


def install(folder: Path, environ: Mapping[str, str]) -> bool:
    """Put this version of the font in ``folder`` unless it is there whole already; True
    when it wrote the folder. The folder is replaced only once the new one is complete."""
    if installed(folder):
        return False
    data = tarball(environ)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        fresh = staging / folder.name
        files = unpack(data, fresh)
        marker = {**_marker(), "files": files}
        (fresh / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
        if folder.exists():
            folder.rename(staging / "old")
        fresh.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return True


class NotoSansJPHook(BuildHookInterface):
    """Runs ``install`` before the wheel (or the editable wheel) is built."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        folder = Path(self.root) / FOLDER
        try:
            wrote = install(folder, os.environ)
        except FontBuildError as exc:
            self.app.abort(str(exc))
        state = "installed" if wrote else "already present"
        self.app.display_info(f"{PACKAGE}@{VERSION}: {state} in {FOLDER}")
