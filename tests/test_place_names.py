"""Place names and addresses as residents type them reduce to the form the data's names
do: one table of what is typed and what it must equal."""

from __future__ import annotations

import pytest

from geoapp.public.place_names import (
    VARIANT_KANJI,
    is_postal_code,
    kanji_number,
    place_key,
    query_keys,
)

SAME_KEY = [
    # NFKC: full-width digits and letters, half-width kana
    ("本町２丁目", "本町2丁目"),
    ("ｄ０１０", "D010"),
    ("ﾎﾝﾏﾁ", "ほんまち"),
    # hiragana = katakana, small kana = large (ツ/ッ, ャ/ヤ …)
    ("ほんまち", "ホンマチ"),
    ("みつしま", "ミッシマ"),
    ("きょうまち", "キヨウマチ"),
    # ヶ/ケ/が/ガ and の/ノ/之 between kanji
    ("希望ヶ丘", "希望が丘"),
    ("希望ケ丘", "希望ガ丘"),
    ("希望ヵ丘", "希望ヶ丘"),
    ("堀之内", "堀ノ内"),
    ("堀の内", "堀之内"),
    ("鷹ノ台", "鷹の台"),
    # old and variant kanji
    ("舊町", "旧町"),
    ("大澤東", "大沢東"),
    ("渡邊", "渡辺"),
    ("渡邉", "渡辺"),
    ("齋藤", "斎藤"),
    ("齊藤", "斎藤"),
    ("長濱", "長浜"),
    ("櫻木", "桜木"),
    ("龍ヶ崎", "竜ケ崎"),
    ("髙田", "高田"),
    ("岩﨑", "岩崎"),
    ("德山", "徳山"),
    ("嶋田", "島田"),
    # 丁目 and other counters in kanji or digits
    ("本町二丁目", "本町2丁目"),
    ("本町十一丁目", "本町11丁目"),
    ("本町二十丁目", "本町20丁目"),
    ("久保田一区", "久保田1区"),
    ("焼津第六自治会", "焼津第6自治会"),
    ("四番町", "4番町"),
    # spaces of any width
    ("本町 二丁目", "本町2丁目"),
    ("本町　二丁目", "本町2丁目"),
    # dashes between digits
    ("本町2−5", "本町2-5"),
    ("本町2ー5", "本町2-5"),
]


@pytest.mark.parametrize(("typed", "data"), SAME_KEY)
def test_what_residents_type_has_the_key_of_the_name_in_the_data(typed: str, data: str) -> None:
    assert place_key(typed) == place_key(data)


DIFFERENT_KEY = [
    ("本町一丁目", "本町二丁目"),
    ("一色", "色"),
    ("百合ヶ丘", "100合ヶ丘"),
    ("上原", "下原"),
]


@pytest.mark.parametrize(("one", "other"), DIFFERENT_KEY)
def test_different_names_keep_different_keys(one: str, other: str) -> None:
    assert place_key(one) != place_key(other)


QUERY_KEYS = [
    ("本町二丁目5-3", ["本町2丁目5-3", "本町2丁目"]),
    ("本町2丁目5番3号", ["本町2丁目5番3号", "本町2丁目"]),
    ("本町二丁目５番地の３", ["本町2丁目5番地ノ3", "本町2丁目"]),
    ("本町2-5-3", ["本町2-5-3", "本町2丁目", "本町"]),
    ("大字石田2779番地", ["大字石田2779番地", "石田2779番地", "石田"]),
    ("青葉川市平和台三丁目16番5号", ["平和台3丁目16番5号", "平和台3丁目"]),
    ("静岡県青葉川市 本町", ["本町"]),
    ("本町二", ["本町2", "本町二", "本町"]),
    ("百", ["百"]),
    ("D010", ["D010"]),
]


@pytest.mark.parametrize(("typed", "keys"), QUERY_KEYS)
def test_an_address_is_searched_as_its_name_after_the_name_as_typed(
    typed: str, keys: list[str]
) -> None:
    assert query_keys(typed, ("静岡県", "青葉川市")) == keys


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("一", 1),
        ("九", 9),
        ("十", 10),
        ("十一", 11),
        ("二十", 20),
        ("二十三", 23),
        ("一〇", 10),
        ("百", 100),
        ("百二", 102),
        ("三百十二", 312),
    ],
)
def test_kanji_numbers(text: str, number: int) -> None:
    assert kanji_number(text) == number


@pytest.mark.parametrize(
    ("text", "postal"),
    [
        ("〒420-0001", True),
        ("420-0001", True),
        ("４２０００３１", True),
        ("郵便番号4200001", True),
        ("D010", False),
        ("22212001", False),
        ("本町", False),
        ("420", False),
    ],
)
def test_postal_codes_are_recognised_so_they_are_never_searched(text: str, postal: bool) -> None:
    assert is_postal_code(text) is postal


def test_the_variant_table_maps_old_forms_to_forms_it_does_not_map_again() -> None:
    assert set(VARIANT_KANJI) & set(VARIANT_KANJI.values()) == set()
    assert all(len(old) == len(new) == 1 for old, new in VARIANT_KANJI.items())
