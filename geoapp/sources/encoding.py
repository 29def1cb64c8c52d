"""Encoding names as .cpg files and users write them, mapped to Python codecs (CP932 for
Shift_JIS, whose plain codec lacks 髙 and ①), and the note that a file's encodings seem mixed."""

from __future__ import annotations

import codecs

from ..errors import BadInput

_CODEPAGE_NAMES = {
    "SHIFT_JIS": "cp932",
    "SHIFT-JIS": "cp932",
    "SJIS": "cp932",
    "S-JIS": "cp932",
    "X-SJIS": "cp932",
    "MS932": "cp932",
    "MS_KANJI": "cp932",
    "WINDOWS-31J": "cp932",
    "CP932": "cp932",
    "932": "cp932",
    "ANSI 932": "cp932",
    "UTF-8": "utf-8",
    "UTF8": "utf-8",
    "65001": "utf-8",
    "EUC-JP": "euc_jp",
    "20932": "euc_jp",
    "51932": "euc_jp",
}


def mixed_note(source: str, others_ja: str, others_en: str) -> tuple[str, str]:
    """The sentence saying that the encodings seem mixed, when they do."""
    if source != "mixed":
        return "", ""
    return (
        f"{others_ja}は UTF-8 なので、文字コードが混ざっているようです。",
        f" The {others_en} are UTF-8, so the encodings seem mixed.",
    )


def python_codec(name: str) -> str:
    """The Python codec for an encoding name as .cpg files and users write it."""
    key = name.strip().lstrip("\ufeff").upper()
    codec = _CODEPAGE_NAMES.get(key)
    if codec is None:
        candidate = f"cp{key}" if key.isdigit() else key
        try:
            codec = codecs.lookup(candidate).name
        except LookupError:
            raise BadInput(
                f"文字コード「{name}」が分かりません。cp932（Shift_JIS）や utf-8 のように"
                "指定してください。",
                f"Unknown encoding {name!r}; use e.g. cp932 (Shift_JIS) or utf-8.",
                encoding=name,
                reason="encoding_unknown",
            ) from None
    return "cp932" if codec == "shift_jis" else codec
