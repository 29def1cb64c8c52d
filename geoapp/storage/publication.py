"""What the open data is made of, read in one session: the stamps each published
collection is keyed on, so a request finds out in one round trip whether the collections
it serves are still current, and each collection is rebuilt only when its own parts move."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .base import Store, data_generation
from .grants import grants_stamp
from .organizations import change_stamp
from .plans import plan_rows

# The parts a published collection can be made of.
Part = Literal["data", "plan", "organizations", "grants"]


@dataclass(frozen=True)
class PublicationStamp:
    """The layers' data generation, the adopted plan (id and version, None before one is
    adopted), the organizations' change stamp and the grants'."""

    data: str
    adopted_plan: tuple[int, int] | None
    organizations: str
    grants: str

    def key_of(self, parts: Iterable[Part]) -> str:
        """The stamp of some parts as one text, which moves whenever one of them does."""
        plan = "none" if self.adopted_plan is None else "{}:{}".format(*self.adopted_plan)
        values = {
            "data": self.data,
            "plan": plan,
            "organizations": self.organizations,
            "grants": self.grants,
        }
        return "|".join(f"{part}={values[part]}" for part in sorted(set(parts)))

    @property
    def key(self) -> str:
        """The stamp of everything published, which moves whenever any part does."""
        return self.key_of(("data", "plan", "organizations", "grants"))


def publication_stamp(store: Store) -> PublicationStamp:
    """The stamp of everything the open data publishes, read in one snapshot."""
    with store.session() as session:
        adopted = plan_rows(session, "adopted")
        return PublicationStamp(
            data_generation(session),
            (int(adopted[0]["id"]), int(adopted[0]["version"])) if adopted else None,
            change_stamp(session),
            grants_stamp(session),
        )
