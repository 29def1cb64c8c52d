"""Settings from environment variables, with defaults kept in the instance folder.

Settings are checked when they are loaded, so a value the app cannot work with stops it
from starting, with a message naming the variable, instead of failing page by page.

| variable | meaning | default |
|---|---|---|
| GEOAPP_DATABASE_URL | ``sqlite:///path`` or ``postgresql://…`` | SQLite file in the instance dir |
| GEOAPP_SECRET_KEY | signs session cookies | a random key saved in the instance folder |
| GEOAPP_BASEMAP | ``gsi-pale``, ``gsi-std``, ``none`` or an XYZ URL template | the city's setting |
| GEOAPP_BASEMAP_ATTRIBUTION | the credit shown for an XYZ URL's tiles (required with one) | none |
| GEOAPP_CRS | working CRS (EPSG code) for a new database | 6677 |
| GEOAPP_POOL_SIZE | PostgreSQL connection pool size | 10 |
| GEOAPP_PROXY_COUNT | reverse proxies in front (trust their X-Forwarded-For/-Proto) | 0 |
| GEOAPP_SESSION_IDLE_MINUTES | a login session ends after this long unused | 120 |
| GEOAPP_SESSION_MAX_HOURS | a login session ends this long after logging in | 10 |
| GEOAPP_SQLITE_BUSY_TIMEOUT | seconds to wait for another's SQLite lock (then 503) | 30 |
"""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import BadInput, BadSetting
from .translatable import Sentences, Text
from .web.basemap import basemap_for

DEFAULT_WORKING_CRS = 6677


@dataclass(frozen=True)
class Settings:
    """What an app instance is configured with."""

    database_url: str
    secret_key: str
    basemap: str | None
    working_crs: int
    pool_size: int
    proxy_count: int = 0
    session_idle_minutes: int = 120
    session_max_hours: int = 10
    basemap_attribution: str = ""
    sqlite_busy_timeout: float = 30.0


def instance_folder(config: Mapping[str, object]) -> Path:
    """The instance folder: ``INSTANCE_PATH`` in config, ``GEOAPP_INSTANCE_PATH``, or ./instance."""
    given = config.get("INSTANCE_PATH") or os.environ.get("GEOAPP_INSTANCE_PATH")
    return Path(str(given) if given else Path.cwd() / "instance").resolve()


def sqlite_url(path: Path) -> str:
    """The database URL of an SQLite file."""
    return f"sqlite:///{path}"


def _instance_secret_key(instance_path: Path) -> str:
    """A secret key kept in the instance folder, made on first use."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32), encoding="ascii")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="ascii").strip()


def load_settings(
    instance_path: Path,
    overrides: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from ``overrides``, then the environment, then instance-folder defaults."""
    env = os.environ if environ is None else environ
    given = dict(overrides or {})

    def pick(name: str) -> str | None:
        value = given.get(name, env.get(f"GEOAPP_{name}"))
        return None if value in (None, "") else str(value)

    database_url = pick("DATABASE_URL") or sqlite_url(instance_path / "geoapp.sqlite3")
    basemap, attribution = pick("BASEMAP"), pick("BASEMAP_ATTRIBUTION") or ""
    if basemap:
        check_basemap_setting(basemap, attribution)
    return Settings(
        database_url=database_url,
        secret_key=pick("SECRET_KEY") or _instance_secret_key(instance_path),
        basemap=basemap,
        basemap_attribution=attribution,
        working_crs=int(pick("CRS") or DEFAULT_WORKING_CRS),
        pool_size=int(pick("POOL_SIZE") or 10),
        proxy_count=int(pick("PROXY_COUNT") or 0),
        session_idle_minutes=_positive(pick("SESSION_IDLE_MINUTES"), 120, "SESSION_IDLE_MINUTES"),
        session_max_hours=_positive(pick("SESSION_MAX_HOURS"), 10, "SESSION_MAX_HOURS"),
        sqlite_busy_timeout=_seconds(pick("SQLITE_BUSY_TIMEOUT"), 30.0, "SQLITE_BUSY_TIMEOUT"),
    )


def _positive(value: str | None, default: int, name: str) -> int:
    """A whole number above zero, or ``default`` when unset."""
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or int(value) <= 0:
        raise BadInput(
            Text(
                "GEOAPP_{name} には1以上の整数を指定してください（「{value}」）。",
                name=name,
                value=value,
            )
        )
    return int(value)


def _seconds(value: str | None, default: float, name: str) -> float:
    """A number of seconds above zero (``0.5`` allowed), or ``default`` when unset."""
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not value.isascii() or not 0 < seconds < math.inf:
        raise BadInput(
            Text(
                "GEOAPP_{name} には0より大きい秒数を指定してください（「{value}」）。",
                name=name,
                value=value,
            )
        )
    return seconds


def check_basemap_setting(value: str, attribution: str) -> None:
    """Refuse a GEOAPP_BASEMAP the maps could not draw, saying which variable to fix."""
    try:
        basemap_for(value, attribution)
    except BadInput as error:
        raise BadSetting(
            Sentences(Text("環境変数 GEOAPP_BASEMAP の設定では地図を表示できません。"), error.text)
        ) from error
