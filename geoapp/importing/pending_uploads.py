"""Uploads waiting for the user to confirm or cancel: each in a folder of its own, named by
a token that holds its creation time, and removed once confirmed, cancelled or expired.

Expired folders are swept at every new upload and when the app starts, so an abandoned
dry run does not keep its files (often tens of MB) for ever.
"""

from __future__ import annotations

import logging
import re
import secrets
import shutil
import time
from datetime import timedelta
from pathlib import Path

from ..errors import GeoappError, NotFound
from ..translatable import Counted, Text

logger = logging.getLogger(__name__)

LIFETIME = timedelta(hours=1)
OPTIONS_FILE = "options.json"
_TOKEN = re.compile(r"^(?P<made>[0-9]{10})-[A-Za-z0-9_-]{16,64}$")


class UploadExpired(GeoappError):
    """The checked upload waited longer than its lifetime and was thrown away."""

    status = 410
    code = "upload_expired"


def new_pending(root: Path) -> tuple[str, Path]:
    """A fresh token and its empty folder under ``root``."""
    token = f"{int(time.time()):010d}-{secrets.token_urlsafe(18)}"
    folder = root / token
    folder.mkdir(parents=True)
    return token, folder


def pending_folder(root: Path, token: str, lifetime: timedelta = LIFETIME) -> Path:
    """The folder of a pending upload; ``UploadExpired`` when its time ran out (the folder
    is removed then), ``NotFound`` when it was never made, cancelled or imported."""
    made = _made_at(token)
    folder = root / token
    if made is not None and time.time() - made > lifetime.total_seconds():
        shutil.rmtree(folder, ignore_errors=True)
        minutes = int(lifetime.total_seconds() // 60)
        raise UploadExpired(
            Counted(
                "この取り込みは確認画面を開いてから{n}分を過ぎたため期限切れになり、"
                "アップロードされたファイルは削除されました。データベースは変更していません。"
                "もう一度ファイルを選んでアップロードしてください。",
                "この取り込みは確認画面を開いてから{n}分を過ぎたため期限切れになり、"
                "アップロードされたファイルは削除されました。データベースは変更していません。"
                "もう一度ファイルを選んでアップロードしてください。",
                n=minutes,
            )
        )
    if made is None or not (folder / OPTIONS_FILE).is_file():
        raise NotFound(
            Text("この取り込みは見つかりません（取り消し済みか、既に取り込み済みです）。")
        )
    return folder


def expire_pending(root: Path, lifetime: timedelta = LIFETIME) -> int:
    """Remove the pending uploads under ``root`` older than ``lifetime``; how many."""
    if not root.is_dir():
        return 0
    limit = time.time() - lifetime.total_seconds()
    removed = 0
    for folder in root.iterdir():
        made = _made_at(folder.name)
        if made is None:
            made = folder.stat().st_mtime
        if made >= limit:
            continue
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            folder.unlink(missing_ok=True)
        removed += 1
    if removed:
        logger.info("removed %d expired pending upload(s) from %s", removed, root)
    return removed


def _made_at(token: str) -> float | None:
    """When the upload of ``token`` was made (seconds since the epoch), or None."""
    found = _TOKEN.match(token)
    return None if found is None else float(found.group("made"))
