"""Japanese place names and addresses as people type them, reduced to one comparable form.

「ほんまち二丁目５−３」, 「本町2丁目5番3号」 and 「本町二丁目」 all become 本町2丁目: NFKC
(full-width digits and letters, half-width kana), hiragana as katakana, small kana as
large ones (old ledgers keep readings in large kana only), ヶ/ケ/が and の/ノ/之 between
kanji, old and variant kanji as their common form, kanji numbers before 丁目・区・番町 as
digits, spaces dropped. Both the data and the query pass through the same function, so
every rule widens a match symmetrically and never invents a reading.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

# Old (旧字体) and variant (異体字) forms common in place names → the form in everyday use.
# Only characters whose readings are the same in place names: 﨑 and 崎 are one name,
# while 斉 and 斎 are different surnames in some cities but never different places.
VARIANT_KANJI: dict[str, str] = {
    "舊": "旧",
    "澤": "沢",
    "邊": "辺",
    "邉": "辺",
    "齋": "斎",
    "齊": "斎",
    "濱": "浜",
    "濵": "浜",
    "櫻": "桜",
    "龍": "竜",
    "髙": "高",
    "﨑": "崎",
    "嵜": "崎",
    "碕": "崎",
    "德": "徳",
    "嶋": "島",
    "嶌": "島",
    "國": "国",
    "廣": "広",
    "藏": "蔵",
    "眞": "真",
    "淺": "浅",
    "條": "条",
    "來": "来",
    "萬": "万",
    "會": "会",
    "驛": "駅",
    "壽": "寿",
    "惠": "恵",
    "檜": "桧",
    "曾": "曽",
    "冨": "富",
    "槇": "槙",
    "鐵": "鉄",
    "黑": "黒",
    "靜": "静",
    "縣": "県",
    "關": "関",
    "舘": "館",
    "峯": "峰",
    "嶽": "岳",
    "狹": "狭",
    "埜": "野",
    "邨": "村",
    "龜": "亀",
    "圓": "円",
    "淸": "清",
    "瀨": "瀬",
    "澁": "渋",
    "渕": "淵",
    "兒": "児",
    "榮": "栄",
    "寳": "宝",
    "寶": "宝",
    "豐": "豊",
    "與": "与",
    "螢": "蛍",
}
_VARIANTS = str.maketrans(VARIANT_KANJI)
# Small kana → large, after hiragana became katakana (ツ/ッ, ヤ/ャ …); ヶ and ヵ are ケ.
_SMALL_KANA = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワケケ")
_KANJI = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆]"
# が/ガ/ケ (as in 希望ヶ丘) and の/ノ/之 (as in 堀之内) written between kanji, or after one at
# the end of what has been typed so far.
_GA = re.compile(rf"(?<={_KANJI})[ガケ](?={_KANJI}|$)")
_NO = re.compile(rf"(?<={_KANJI})[ノ之](?={_KANJI}|$)")
_KANJI_DIGITS = "〇一二三四五六七八九"
# A number in kanji after 第 or before a counter of place names (第六, 二丁目, 十一区).
_KANJI_NUMBER = re.compile(
    r"(?<=第)([〇一二三四五六七八九十百]+)"
    r"|([〇一二三四五六七八九十百]+)(?=丁|区|条|番町|地割|組|班|自治会|町内会)"
)
# … or ending a name (本町二, on the way to 本町二丁目); not a name of numbers alone (百).
_LAST_NUMBER = re.compile(r"(?<=[^〇一二三四五六七八九十百])([〇一二三四五六七八九十百]+)$")
_DASHES = re.compile(r"(?<=\d)[\-‐‑‒–—―−ーｰ](?=\d)")
_SPACES = re.compile(r"\s+")
# What follows 丁目 in an address: 5-3, 5番3号, 5番地の3 (の is ノ by now) …
_AFTER_CHOME = re.compile(r"(\d+丁目)[\d\-ノ番地号]*$")
# A block and house number ending an address without 丁目 (大字石田2779番地, 本町2-5-3).
_HOUSE_NUMBER = re.compile(r"(?<=\D)\d+(?:(?:番地|番|号|ノ|-)\d*)*$")
_HYPHENED = re.compile(r"^(\D+?)(\d+)-\d+(?:-\d+)?$")
_POSTAL_CODE = re.compile(r"^(?:〒|郵便番号)?\s*\d{3}-?\d{4}$")
_HAS_NAME = re.compile(rf"{_KANJI}|[\u30a0-\u30ff]")


def kanji_number(text: str) -> int:
    """A number written in kanji: 二 → 2, 十一 → 11, 二十 → 20, 一〇 → 10, 百二 → 102."""
    if "十" not in text and "百" not in text:
        return int("".join(str(_KANJI_DIGITS.index(ch)) for ch in text))
    total, digit = 0, 0
    for ch in text:
        if ch == "百":
            total, digit = total + (digit or 1) * 100, 0
        elif ch == "十":
            total, digit = total + (digit or 1) * 10, 0
        else:
            digit = _KANJI_DIGITS.index(ch)
    return total + digit


def _digits(found: re.Match[str]) -> str:
    """The kanji number a match holds, in ASCII digits."""
    return str(kanji_number(next(group for group in found.groups() if group)))


def place_key(text: str, last_number: bool = True) -> str:
    """``text`` in the one form names are compared in (see the module's rules); with
    ``last_number`` false a kanji number ending it stays (上一 on the way to 上一色)."""
    key = unicodedata.normalize("NFKC", text)
    key = _SPACES.sub("", key)
    key = jaconv.hira2kata(key).translate(_SMALL_KANA).translate(_VARIANTS)
    key = _GA.sub("ケ", key)
    key = _NO.sub("ノ", key)
    key = _KANJI_NUMBER.sub(_digits, key)
    if last_number:
        key = _LAST_NUMBER.sub(_digits, key)
    return _DASHES.sub("-", key).upper()


def is_postal_code(text: str) -> bool:
    """Whether ``text`` is a postal code (〒420-0001): one may span several 町域, so it is
    never searched."""
    return bool(_POSTAL_CODE.match(unicodedata.normalize("NFKC", text).strip()))


def query_keys(text: str, drop: tuple[str, ...] = ()) -> list[str]:
    """The forms a query is searched under, best first (a search stops at the first that
    matches): the typed name, then the name its address reduces to (本町2丁目5-3 → 本町2丁目;
    大字石田2779番地 → 石田; 本町2-5-3 → 本町2丁目, then 本町). Leading ``drop`` words (the
    prefecture, the city) are removed first."""
    keys = [place_key(text), place_key(text, last_number=False)]
    for word in (place_key(word) for word in drop if word):
        keys = [k.removeprefix(word) for k in keys]
    key = keys[0]
    address = _AFTER_CHOME.sub(r"\1", key.replace("大字", "", 1).removeprefix("字"))
    hyphened = _HYPHENED.match(address)
    if hyphened:
        keys.append(f"{hyphened.group(1)}{hyphened.group(2)}丁目")
    stripped = _HOUSE_NUMBER.sub("", address)
    for candidate in (address, stripped):
        if candidate and _HAS_NAME.search(candidate):
            keys.append(candidate)
    return list(dict.fromkeys(k for k in keys if k))
