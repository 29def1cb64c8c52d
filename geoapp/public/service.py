"""The public map's answers, free of Flask: search, the community at a point, and each
community's public page, from a directory rebuilt only when the data or the adopted plan
changed."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import numpy as np
import shapely

from ..errors import NotFound
from ..formatting import day as day_text
from ..formatting import fiscal_year_short
from ..geometry.point_location import lowest_covering_code
from ..japanese_calendar import fiscal_year
from ..layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from ..organizations.service import Organizations
from ..plans.caches import LatestCache
from ..plans.service import Planning
from ..storage.district_readings import district_readings
from ..subsidies.service import Subsidies
from ..translatable import Text
from .directory import Community, Directory, build_directory
from .search import District

logger = logging.getLogger(__name__)

# The loads that set the districts' population: the layer itself or a population table.
POPULATION_LOADS = (DISTRICTS.name, "population")
# What a search for a postal code answers instead of matches.
_POSTAL_CODE_NOTICE = Text(
    "郵便番号では探せません（一つの郵便番号が複数の町域にまたがるため）。"
    "町名や自治会名で探してください。"
)


class PublicMap:
    """What anyone may see of one store's city: its adopted communities, found by search,
    by point or by id."""

    def __init__(self, planning: Planning) -> None:
        self.planning = planning
        self.store = planning.store
        self._directories: LatestCache[Directory] = LatestCache()

    def directory(self) -> Directory:
        """The directory of the current data and adopted plan."""
        geo = self.planning.geography()
        try:
            plan: dict[str, Any] | None = self.planning.public_plan()
        except NotFound:
            plan = None
        key = (geo.stamp, plan["id"] if plan else None, plan["version"] if plan else None)
        return self._directories.get(key, lambda: self._build(plan))

    def _build(self, plan: dict[str, Any] | None) -> Directory:
        """A directory read from the store."""
        city = self.store.city()
        loads = [load for load in self.store.layer_imports() if load.layer in POPULATION_LOADS]
        with self.store.session() as session:
            readings = district_readings(session)
        return build_directory(
            plan,
            self.planning.geography(),
            readings,
            self.store.read_layer(CENTERS),
            self.store.read_layer(SCHOOL_ZONES),
            loads[0].imported_at.date() if loads else None,
            (city.prefecture, city.name) if city else (),
        )

    def search(self, query: str) -> dict[str, Any]:
        """The answer of ``GET /api/public/search``: matches best first, each with its
        community and hub; suggestions when none."""
        directory = self.directory()
        found = directory.index.search(query)
        answer: dict[str, Any] = {
            "matches": [match(directory, district) for district in found.matches],
            "total": found.total,
            "suggestions": found.suggestions,
        }
        if found.postal_code:
            answer["notice"] = {
                lang: _POSTAL_CODE_NOTICE.in_language(lang) for lang in ("ja", "en")
            }
        return answer

    def at_point(self, lon: float, lat: float) -> dict[str, Any]:
        """The district at a point (lon/lat) with its community and hub, as a search match
        (``matches`` empty outside every district)."""
        directory = self.directory()
        web = directory.districts_web
        code = lowest_covering_code(np.array([shapely.Point(lon, lat)]), web)[0]
        if code is None:
            return {"matches": [], "total": 0, "suggestions": []}
        district = directory.index.district(code)
        return {"matches": [match(directory, district)], "total": 1, "suggestions": []}

    def community(self, community_id: int) -> tuple[Directory, Community]:
        """An adopted community by id, with the directory it belongs to."""
        directory = self.directory()
        found = directory.communities.get(community_id)
        if found is None:
            raise NotFound(Text("広域コミュニティ {id} はありません。", id=community_id))
        return directory, found


def match(directory: Directory, district: District) -> dict[str, Any]:
    """One search match: the district, its community and the community's hub (public
    fields only; None where there is none)."""
    community = directory.community_of_district(district.code)
    hub = community.hub if community else None
    return {
        "district": {
            "code": district.code,
            "name": district.name,
            "kana": district.kana,
            "bounds": directory.district_bounds.get(district.code),
        },
        "community": None
        if community is None
        else {"id": community.id, "name": community.name, "color": community.color},
        "hub": None if hub is None else {"name": hub.name, "address": hub.address},
    }


def community_organization(
    organizations: Organizations, community_id: int, lang: str
) -> dict[str, Any] | None:
    """The public view of a community's organization (read as an anonymous visitor, so
    only public fields): its name, stage, public contact and notes, and a timeline of its
    stage changes and milestones, oldest first; None when it has none."""
    public = [
        o for o in organizations.list_organizations(None) if o["community_id"] == community_id
    ]
    if not public:
        return None
    found = organizations.organization(None, public[0]["id"])
    scheme = organizations.scheme()

    def named(kind: Any, key: str) -> str:
        return key if kind is None else (kind.name_en if lang == "en" else kind.name)

    stage = scheme.stage(found["stage"]) if found.get("stage") else None
    timeline = [
        {
            "day": entry["date"],
            "what": named(scheme.stage(entry["stage"]), entry["stage"]),
            "kind": "stage",
        }
        for entry in found.get("history", [])
    ] + [
        {"day": day, "what": named(scheme.milestone(key), key), "kind": "milestone"}
        for key, day in (found.get("milestones") or {}).items()
    ]
    since = found.get("stage_since")
    return {
        "id": found["id"],
        "name": found["name"],
        "kind": scheme.organization_en if lang == "en" else scheme.organization,
        "stage": named(stage, found["stage"]) if found.get("stage") else None,
        "stage_color": stage.color if stage else None,
        "stage_since": shown_date(since, lang) if since else None,
        "contact": found.get("contact_public") or "",
        "notes": found.get("notes_public") or "",
        "timeline": [
            {**item, "date": shown_date(item["day"], lang)}
            for item in sorted(timeline, key=lambda item: item["day"])
        ],
    }


def shown_date(day: str | date, lang: str) -> dict[str, str]:
    """A day as a page shows it: 和暦 in Japanese (令和5年4月1日), ISO in English, with the
    ISO form for ``<time datetime>`` and the fiscal year it falls in."""
    value = day if isinstance(day, date) else date.fromisoformat(str(day))
    year = fiscal_year(value)
    return {
        "iso": value.isoformat(),
        "text": day_text(value, lang),
        "fiscal_year": fiscal_year_short(year, lang),
    }


def community_grants(subsidies: Subsidies, organization_id: int, lang: str) -> dict[str, Any]:
    """An organization's subsidies by fiscal year as the community page tables them: each
    year (和暦 in Japanese) with its grants and total, and the total of every year."""
    years: dict[int, dict[str, Any]] = {}
    for grant in subsidies.public_grants(organization_id):
        year = years.setdefault(
            grant["fiscal_year"],
            {
                "year": grant["fiscal_year"],
                "label": fiscal_year_short(grant["fiscal_year"], lang),
                "grants": [],
                "total": 0,
            },
        )
        year["grants"].append(
            {
                "program": grant["program_en"] if lang == "en" else grant["program"],
                "project": grant["project"],
                "granted": grant["granted"],
            }
        )
        year["total"] += grant["granted"]
    return {
        "years": [years[year] for year in sorted(years)],
        "total": sum(year["total"] for year in years.values()),
    }
