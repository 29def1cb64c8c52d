"""Messages with values, put into the reader's language from the gettext catalogue: the
errors, import notes and rule verdicts carry these instead of a Japanese and an English copy."""

from __future__ import annotations

from geoapp.errors import BadInput
from geoapp.translatable import Clauses, Counted, InContext, Sentences, Text, listed


def test_a_text_reads_as_written_in_japanese_and_from_the_catalogue_in_english() -> None:
    text = Text("この操作を行う権限がありません。")
    assert text.in_language("ja") == "この操作を行う権限がありません。"
    assert text.in_language("en") == "You are not allowed to do this."
    assert str(text) == "この操作を行う権限がありません。"


def test_a_texts_values_fill_its_placeholders_in_either_language() -> None:
    text = Text("送信された内容（本文・ファイル）が大きすぎます（上限 {limit}）。", limit="2 MB")
    assert text.in_language("ja") == "送信された内容（本文・ファイル）が大きすぎます（上限 2 MB）。"
    assert text.in_language("en") == "The request body or upload is too large (at most 2 MB)."


def test_a_text_inside_a_text_is_shown_in_the_same_language() -> None:
    wait = Counted("{n}分", "{n}分", n=3)
    text = Text(
        "この接続元からのログインの失敗が多いため、ここからまだログインしたことのない"
        "ユーザー名でのログインを一時的に止めています。{wait}後にもう一度お試しください。",
        wait=wait,
    )
    assert "3分後に" in text.in_language("ja")
    assert text.in_language("en").endswith("can try again in 3 minutes.")


def test_a_counted_text_takes_the_english_singular_for_one_and_the_plural_for_more() -> None:
    assert Counted("{n}秒", "{n}秒", n=1).in_language("en") == "1 second"
    assert Counted("{n}秒", "{n}秒", n=45).in_language("en") == "45 seconds"
    assert Counted("{n}秒", "{n}秒", n=1).in_language("ja") == "1秒"


def test_a_list_of_values_is_listed_as_each_language_lists() -> None:
    assert listed(["A", "B", "C"], "ja") == "A、B、C"
    assert listed(["A", "B", "C"], "en") == "A, B, C"
    text = Text(
        "このリクエストには応じられません（HTTP {status} {name}）。", status=415, name=("a", "b")
    )
    assert text.in_language("ja").endswith("（HTTP 415 a、b）。")
    assert text.in_language("en") == "This request cannot be answered (HTTP 415 a, b)."


def test_sentences_run_on_without_a_space_in_japanese_and_with_one_in_english() -> None:
    forbidden = Text("この操作を行う権限がありません。")
    not_here = Text("この方法ではアクセスできません。")
    both = Sentences(forbidden, not_here)
    assert both.in_language("ja") == forbidden.in_language("ja") + not_here.in_language("ja")
    assert both.in_language("en") == (
        "You are not allowed to do this. This method is not allowed here."
    )


def test_clauses_run_on_with_a_comma_in_japanese_and_a_semicolon_in_english() -> None:
    first, second = Text("自己交差"), Text("入れ子の穴")
    both = Clauses(first, second)
    assert both.in_language("ja") == "自己交差、入れ子の穴"
    assert both.in_language("en") == "a self-intersection; nested holes"
    assert both != Sentences(first, second)


def test_a_word_in_context_takes_the_english_of_its_place_in_the_catalogue() -> None:
    hub = InContext("文中の項目名", "拠点施設")
    assert hub.in_language("ja") == "拠点施設"
    assert hub.in_language("en") == "hub facility"
    assert Text("拠点施設").in_language("en") == "Community centres"
    assert hub != Text("拠点施設")


def test_text_without_a_translation_stays_japanese_in_english() -> None:
    assert Text("まだ訳されていない文。").in_language("en") == "まだ訳されていない文。"


def test_an_error_carries_its_text_and_gives_it_in_each_language() -> None:
    error = BadInput(Text("リクエストの内容が正しくありません。"), field="name")
    assert error.message == "リクエストの内容が正しくありません。"
    assert error.message_en == "The request is not valid."
    assert error.in_language("en") == "The request is not valid."
    assert str(error) == "リクエストの内容が正しくありません。"
    assert error.to_dict() == {
        "error": "bad_input",
        "status": 400,
        "message": "リクエストの内容が正しくありません。",
        "message_en": "The request is not valid.",
        "details": {"field": "name"},
    }
