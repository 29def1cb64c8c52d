"""Which new passwords are refused, as NIST SP 800-63B asks: short ones, and those an
attacker guesses early (common passwords, repeats, sequences, keyboard rows, the user name).

Guessability comes from zxcvbn, which matches a password against its lists of leaked
passwords, words and names and against repeats, sequences and keyboard patterns, and
estimates how many guesses it takes; below ``MIN_GUESSES`` the password is refused,
naming the pattern that makes it weak.
"""

from __future__ import annotations

import logging
from typing import Any

from ..errors import BadInput
from ..translatable import Text

logger = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
# zxcvbn's "score 2" line: a password needing fewer guesses falls to a patient online attacker.
MIN_GUESSES = 10**6

_RULES: dict[str, Text] = {
    "user_name": Text("ユーザー名を含んでいます"),
    "repeat": Text("同じ文字や文字列の繰り返しです"),
    "sequence": Text("連続した文字や数字（abcd…、1234…）です"),
    "spatial": Text("キーボードの並び（qwerty…）です"),
    "passwords": Text("よく使われるパスワードの一覧にあります"),
    "words": Text("よく使われる単語や名前です"),
    "date": Text("日付や年です"),
    "guessable": Text("推測されやすい文字の並びです"),
}


def check_password(password: str, user_name: str) -> None:
    """Refuse a password that is too short or too easy to guess, naming the rule."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInput(
            Text("パスワードは{n}文字以上にしてください。", n=MIN_PASSWORD_LENGTH), rule="length"
        )
    if not password.strip():
        raise BadInput(Text("空白だけのパスワードは使えません。"), rule="whitespace")
    rule = weakness(password, user_name)
    if rule is not None:
        logger.info("refused a new password for %s: %s", user_name, rule)
        raise BadInput(
            Text(
                "このパスワードは使えません: {why}。"
                "推測されにくいパスワード（いくつかの単語を組み合わせた長めの文など）にしてください。",
                why=_RULES[rule],
            ),
            rule=rule,
        )


def weakness(password: str, user_name: str) -> str | None:
    """The rule a guessable password breaks (a key of ``_RULES``), or None if it is strong."""
    from zxcvbn import zxcvbn  # 50 ms of word lists, loaded only when a password is set

    name = user_name.casefold()
    result = zxcvbn(password, user_inputs=[user_name])
    if float(result["guesses"]) >= MIN_GUESSES:
        return None
    if len(name) >= 3 and name in password.casefold():
        return "user_name"
    return _rule_of(max(result["sequence"], key=lambda match: len(match["token"])))


def _rule_of(match: dict[str, Any]) -> str:
    """The rule named by zxcvbn's longest match in a weak password."""
    pattern = match["pattern"]
    if pattern == "dictionary":
        dictionary = match.get("dictionary_name")
        if dictionary == "user_inputs":
            return "user_name"
        return "passwords" if dictionary == "passwords" else "words"
    if pattern in ("repeat", "sequence", "spatial", "date"):
        return str(pattern)
    if pattern == "regex":
        return "date"
    return "guessable"
