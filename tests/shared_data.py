"""The shared real open data (../shared/data relative to the repository root)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# ../shared/data beside the repository, or where GEOAPP_SHARED_DATA says (a git worktree
# checked out elsewhere has no ../shared of its own).
SHARED_DATA = Path(
    os.environ.get("GEOAPP_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data"
)
YAIZU = SHARED_DATA / "yaizu"


def yaizu(folder: str) -> Path:
    """A folder of the shared Yaizu open data, or a skip (a failure in CI) when missing."""
    path = YAIZU / folder
    if not path.is_dir():
        reason = f"the shared data folder {YAIZU} is missing (see ../shared/data/README.md)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path
