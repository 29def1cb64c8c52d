"""In-memory caches that keep a plan edit fast: the district geography and each plan's
latest state and assignment array.

Every entry is keyed on a version stored in the database (the data generation stamp, the
plan's version), so a change made through another worker or process is never hidden.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import numpy as np

from .geography import Geography
from .model import PlanState

logger = logging.getLogger(__name__)

T = TypeVar("T")


class LatestCache(Generic[T]):
    """One value built from the data as it stood at a key (a data generation stamp, a
    plan's version): rebuilt when the key changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: tuple[Hashable, T] | None = None

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value for ``key``, built (once, under a lock) when the key changed."""
        cached = self._cached
        if cached is None or cached[0] != key:
            with self._lock:
                cached = self._cached
                if cached is None or cached[0] != key:
                    logger.info("rebuilding a cached value for %s", key)
                    cached = (key, build())
                    self._cached = cached
        return cached[1]


GeographyCache = LatestCache[Geography]


class PlanCache:
    """Each plan's state at its latest version and its community per district."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[int, tuple[int, PlanState]] = {}
        self._arrays: dict[int, tuple[int, str, np.ndarray]] = {}

    def state(self, plan_id: int, version: int) -> PlanState | None:
        """The cached state of the plan at ``version``, if that is the one cached."""
        cached = self._states.get(plan_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        return None

    def remember_state(self, plan_id: int, version: int, state: PlanState) -> None:
        """Cache a plan's state unless a newer version is cached already."""
        with self._lock:
            cached = self._states.get(plan_id)
            if cached is None or cached[0] < version:
                self._states[plan_id] = (version, state)

    def forget(self, plan_id: int) -> None:
        """Drop a plan's cached state."""
        with self._lock:
            self._states.pop(plan_id, None)

    def assignment(self, plan_id: int, version: int, stamp: str) -> np.ndarray | None:
        """The cached assignment array of the plan at ``version`` on data ``stamp``."""
        cached = self._arrays.get(plan_id)
        if cached is not None and cached[:2] == (version, stamp):
            return cached[2]
        return None

    def remember_assignment(
        self, plan_id: int, version: int, stamp: str, assigned: np.ndarray
    ) -> None:
        """Cache a plan's assignment array unless a newer version is cached already."""
        with self._lock:
            known = self._arrays.get(plan_id)
            if known is None or known[0] < version:
                self._arrays[plan_id] = (version, stamp, assigned)
