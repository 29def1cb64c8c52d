"""Encoding names as .cpg files and users write them, mapped to Python codecs (CP932 for
Shift_JIS, whose plain codec lacks 髙 and ①), and the words of a refusal to decode: how the
encoding was tried, and the note that a file's encodings seem mixed."""

from __future__ import annotations

import codecs

from ..errors import BadInput
from ..translatable import Text

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


def decoded_how(source: str, codec: str) -> Text:
    """How a value failed to decode, by where the encoding came from: 「指定された文字コード
    cp932 で」読めません, cannot be decoded with "the given encoding cp932"."""
    if source == "given":
        return Text("指定された文字コード {codec} で", codec=codec)
    if source == "cpg":
        return Text(".cpg が示す文字コード {codec} で", codec=codec)
    if source == "dbf_language_id":
        return Text("DBF ヘッダが示す文字コード {codec} で", codec=codec)
    if source == "detected":
        return Text("UTF-8 でも CP932（Shift_JIS）でも")
    return Text("UTF-8 で")


def mixed_note(source: str, others: Text) -> list[Text]:
    """The sentence saying that the encodings seem mixed, when they do (``others``: the
    values that are UTF-8)."""
    if source != "mixed":
        return []
    return [Text("{others}は UTF-8 なので、文字コードが混ざっているようです。", others=others)]


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
                Text(
                    "文字コード「{encoding}」が分かりません。cp932（Shift_JIS）や utf-8 のように"
                    "指定してください。",
                    encoding=name,
                ),
                encoding=name,
                reason="encoding_unknown",
            ) from None
    return "cp932" if codec == "shift_jis" else codec
