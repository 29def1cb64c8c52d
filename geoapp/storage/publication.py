"""What the open data is made of, read in one session: the stamp every edition of the
published collections is keyed on, so a request finds out in one round trip whether the
edition it holds is still current."""

from __future__ import annotations

from dataclasses import dataclass

from .base import Store, data_generation
from .organizations import change_stamp
from .plans import plan_rows


@dataclass(frozen=True)
class PublicationStamp:
    """The layers' data generation, the adopted plan (id and version, None before one is
    adopted) and the organizations' change stamp."""

    data: str
    adopted_plan: tuple[int, int] | None
    organizations: str

    @property
    def key(self) -> str:
        """The stamp as one text, which moves whenever any part does."""
        plan = "none" if self.adopted_plan is None else "{}:{}".format(*self.adopted_plan)
        return f"{self.data}|{plan}|{self.organizations}"


def publication_stamp(store: Store) -> PublicationStamp:
    """The stamp of everything the open data publishes, read in one snapshot."""
    with store.session() as session:
        adopted = plan_rows(session, "adopted")
        return PublicationStamp(
            data_generation(session),
            (int(adopted[0]["id"]), int(adopted[0]["version"])) if adopted else None,
            change_stamp(session),
        )
