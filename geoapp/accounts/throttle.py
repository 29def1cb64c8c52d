"""The login throttle: it slows the attacker, never the account's owner elsewhere.

Failures are counted per (user name, address) pair. After ``PAIR_FREE_FAILURES`` in a row,
that pair waits ``PAIR_FIRST_DELAY`` after each further failure, doubling up to
``PAIR_MAX_DELAY``; a success or ``PAIR_MEMORY`` without failures clears it. Nothing is
counted per account alone, so failures from other addresses never refuse the owner's
right password. Failures at names that never logged in from an address (password
spraying, guessing names) are also counted per address: past ``ADDRESS_MAX_FAILURES``
within ``ADDRESS_WINDOW``, such names wait until the window moves on, while every name
that has logged in from there keeps working (a city hall behind one NAT).
The attempts live in the database, so every worker process sees the same counts.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from ..errors import TooManyAttempts
from ..storage.accounts import pair_ever_succeeded, pair_failures, stranger_failures
from ..storage.base import Session
from ..translatable import Counted, Text

PAIR_FREE_FAILURES = 5
PAIR_FIRST_DELAY = timedelta(minutes=1)
PAIR_MAX_DELAY = timedelta(hours=1)
PAIR_MEMORY = timedelta(hours=24)
ADDRESS_MAX_FAILURES = 30
ADDRESS_WINDOW = timedelta(minutes=15)


def pair_delay(failures: int) -> timedelta:
    """How long a pair waits after its ``failures``-th failure in a row."""
    if failures < PAIR_FREE_FAILURES:
        return timedelta(0)
    doublings = min(failures - PAIR_FREE_FAILURES, 16)
    return min(PAIR_FIRST_DELAY * 2**doublings, PAIR_MAX_DELAY)


def refuse_when_throttled(session: Session, name: str, remote_addr: str, now: datetime) -> None:
    """Raise ``TooManyAttempts`` (with the seconds to wait) while this pair, or this
    address for a name new to it, must wait before its password is checked."""
    failures = pair_failures(session, name, remote_addr, now - PAIR_MEMORY)
    if failures.last is not None:
        wait = failures.last + pair_delay(failures.count) - now
        if wait > timedelta(0):
            raise TooManyAttempts(
                Text(
                    "このユーザー名でのログインの失敗が続いたため、この接続元からのログインを"
                    "一時的に止めています。{wait}後にもう一度お試しください。",
                    wait=_wait(wait),
                ),
                retry_after=_seconds(wait),
            )
    recent = stranger_failures(session, remote_addr, now - ADDRESS_WINDOW)
    if len(recent) >= ADDRESS_MAX_FAILURES and not pair_ever_succeeded(session, name, remote_addr):
        wait = recent[len(recent) - ADDRESS_MAX_FAILURES] + ADDRESS_WINDOW - now
        raise TooManyAttempts(
            Text(
                "この接続元からのログインの失敗が多いため、ここからまだログインしたことのない"
                "ユーザー名でのログインを一時的に止めています。{wait}後にもう一度お試しください。",
                wait=_wait(wait),
            ),
            retry_after=_seconds(wait),
        )


def _seconds(wait: timedelta) -> int:
    """Whole seconds to wait, at least one."""
    return max(1, math.ceil(wait.total_seconds()))


def _wait(wait: timedelta) -> Text:
    """A wait as the user reads it: 「45秒」 or 「3分」, "45 seconds" or "3 minutes"."""
    seconds = _seconds(wait)
    if seconds < 60:
        return Counted("{n}秒", "{n}秒", n=seconds)
    return Counted("{n}分", "{n}分", n=math.ceil(seconds / 60))
