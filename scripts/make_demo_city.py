"""Generate the fictional demo city 青葉川市 (Aobagawa City) as three Shapefile layers.

Why: the app needs sample data that behaves like what Japanese cities really hand over,
without shipping any real city's data. Real layers arrive in a plane rectangular CRS
(here JGD2011 zone VIII, EPSG:6676), with Shift_JIS (CP932) attribute text and no ``.cpg``
file; districts form a coverage with a few exclaves (飛び地), and school zones do not
follow district lines everywhere.

What: about a thousand Voronoi cells inside a noisy city outline (denser near the centre)
are grouped into 300 administrative districts (行政区), 14 elementary school zones (小学校区)
built from the same cells, and 14 community centres (拠点施設). The same ``--seed`` always
gives the same bytes. Run ``python scripts/make_demo_city.py``; it writes ``geodata/demo/``.
"""

from __future__ import annotations

import argparse
import itertools
import math
import struct
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import Point, Polygon, box

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "geodata" / "demo"
DEFAULT_SEED = 2024

CITY = "青葉川市"
EPSG = 6676
ENCODING = "cp932"
DBF_DATE = (2024, 4, 1)
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")

# Centre of the city in EPSG:6676 metres (about 34.95°N 138.05°E, inland Shizuoka).
CENTRE = (-41000.0, -116000.0)
SEMI_AXES = (6000.0, 5000.0)
MAP_LIMITS = ((34.85, 35.05), (137.9, 138.2))

DART_ATTEMPTS = 40000
SPACING_CORE = 125.0
SPACING_EDGE = 280.0

N_DISTRICTS = 300
N_EXCLAVES = 5
N_ZONES = 14
SPLIT_SHARE = (0.08, 0.12)
AREA_WEIGHT_PER_KM2 = 250.0
POPULATION_RANGE = (72000, 82000)
MIN_POPULATION = 25

URBAN_LIMIT = 0.3
SUBURBAN_LIMIT = 0.62

NUMERALS = "一二三四五六七八九十"
CHOME_KANA = ("いっ", "に", "さん", "よん", "ご", "ろく", "なな", "はっ", "きゅう", "じゅっ")
KU_KANA = ("いっ", "に", "さん", "よん", "ご", "ろっ", "なな", "はっ", "きゅう", "じゅっ")

# Town stems: (name, reading, short name for schools and centres, its reading).
URBAN_STEMS = [
    ("青葉町", "あおばちょう", "青葉", "あおば"),
    ("本町", "ほんまち", "本町", "ほんまち"),
    ("栄町", "さかえまち", "栄", "さかえ"),
    ("錦町", "にしきちょう", "錦", "にしき"),
    ("旭町", "あさひまち", "旭", "あさひ"),
    ("緑町", "みどりちょう", "緑", "みどり"),
    ("寿町", "ことぶきちょう", "寿", "ことぶき"),
    ("幸町", "さいわいちょう", "幸", "さいわい"),
    ("元町", "もとまち", "元町", "もとまち"),
    ("新町", "しんまち", "新町", "しんまち"),
    ("駅前", "えきまえ", "駅前", "えきまえ"),
    ("中央", "ちゅうおう", "中央", "ちゅうおう"),
    ("大手町", "おおてまち", "大手", "おおて"),
    ("昭和町", "しょうわちょう", "昭和", "しょうわ"),
    ("宮前町", "みやまえちょう", "宮前", "みやまえ"),
    ("川端町", "かわばたちょう", "川端", "かわばた"),
    ("曙町", "あけぼのちょう", "曙", "あけぼの"),
    ("住吉町", "すみよしちょう", "住吉", "すみよし"),
    ("若草町", "わかくさちょう", "若草", "わかくさ"),
    ("千歳町", "ちとせちょう", "千歳", "ちとせ"),
    ("日吉町", "ひよしちょう", "日吉", "ひよし"),
    ("末広町", "すえひろちょう", "末広", "すえひろ"),
    ("常盤町", "ときわちょう", "常盤", "ときわ"),
    ("八幡町", "はちまんちょう", "八幡", "はちまん"),
    ("天神町", "てんじんちょう", "天神", "てんじん"),
    ("桜町", "さくらまち", "桜町", "さくらまち"),
    ("弥生町", "やよいちょう", "弥生", "やよい"),
    ("相生町", "あいおいちょう", "相生", "あいおい"),
    ("東町", "ひがしまち", "東町", "ひがしまち"),
    ("西町", "にしまち", "西町", "にしまち"),
    ("城内", "じょうない", "城内", "じょうない"),
    ("紺屋町", "こんやまち", "紺屋町", "こんやまち"),
    ("鍛冶町", "かじまち", "鍛冶町", "かじまち"),
    ("仲町", "なかまち", "仲町", "なかまち"),
]
SUBURBAN_STEMS = [
    ("桜台", "さくらだい"),
    ("若葉台", "わかばだい"),
    ("富士見台", "ふじみだい"),
    ("緑ヶ丘", "みどりがおか"),
    ("光が丘", "ひかりがおか"),
    ("希望ヶ丘", "きぼうがおか"),
    ("梅ヶ丘", "うめがおか"),
    ("星が丘", "ほしがおか"),
    ("泉ヶ丘", "いずみがおか"),
    ("つつじヶ丘", "つつじがおか"),
    ("松ヶ丘", "まつがおか"),
    ("美里", "みさと"),
    ("朝日台", "あさひだい"),
    ("みずほ台", "みずほだい"),
    ("ひばりが丘", "ひばりがおか"),
    ("花園", "はなぞの"),
    ("日の出", "ひので"),
    ("見晴台", "みはらしだい"),
    ("高砂", "たかさご"),
    ("山手", "やまて"),
    ("松風台", "まつかぜだい"),
    ("陽光台", "ようこうだい"),
    ("桜木", "さくらぎ"),
    ("柏木", "かしわぎ"),
    ("宮の森", "みやのもり"),
    ("藤が丘", "ふじがおか"),
    ("虹ヶ丘", "にじがおか"),
    ("白鳥", "しらとり"),
    ("中原", "なかはら"),
    ("若松", "わかまつ"),
    ("清水台", "しみずだい"),
    ("紅葉台", "もみじだい"),
    ("芙蓉台", "ふようだい"),
    ("大池", "おおいけ"),
    ("平和台", "へいわだい"),
    ("南台", "みなみだい"),
    ("青葉台", "あおばだい"),
    ("さつき台", "さつきだい"),
    ("桜ヶ丘", "さくらがおか"),
    ("百合ヶ丘", "ゆりがおか"),
    ("並木", "なみき"),
    ("春日台", "かすがだい"),
    ("八千代台", "やちよだい"),
    ("鷹の台", "たかのだい"),
    ("城山台", "しろやまだい"),
    ("小松ヶ丘", "こまつがおか"),
    ("西が丘", "にしがおか"),
    ("東が丘", "ひがしがおか"),
    ("若宮", "わかみや"),
    ("青山", "あおやま"),
    ("白山台", "はくさんだい"),
    ("旭ヶ丘", "あさひがおか"),
]
RURAL_STEMS = [
    ("松原", "まつばら"),
    ("中野", "なかの"),
    ("大沢", "おおさわ"),
    ("小池", "こいけ"),
    ("高田", "たかだ"),
    ("堀之内", "ほりのうち"),
    ("柳原", "やなぎはら"),
    ("宮下", "みやした"),
    ("平井", "ひらい"),
    ("石田", "いしだ"),
    ("横山", "よこやま"),
    ("谷口", "たにぐち"),
    ("森下", "もりした"),
    ("長尾", "ながお"),
    ("富田", "とみた"),
    ("桑原", "くわばら"),
    ("竹下", "たけした"),
    ("杉山", "すぎやま"),
    ("栗原", "くりはら"),
    ("今泉", "いまいずみ"),
    ("坂本", "さかもと"),
    ("川上", "かわかみ"),
    ("野田", "のだ"),
    ("大島", "おおしま"),
    ("平野", "ひらの"),
    ("小林", "こばやし"),
    ("中島", "なかじま"),
    ("原田", "はらだ"),
    ("池田", "いけだ"),
    ("宮田", "みやた"),
    ("千代", "ちよ"),
    ("滝沢", "たきざわ"),
    ("丸山", "まるやま"),
    ("北山", "きたやま"),
    ("大野", "おおの"),
    ("萩原", "はぎわら"),
    ("寺田", "てらだ"),
    ("根岸", "ねぎし"),
    ("荒井", "あらい"),
    ("梅田", "うめだ"),
    ("北原", "きたはら"),
    ("青木", "あおき"),
    ("吉野", "よしの"),
    ("沢田", "さわだ"),
    ("向山", "むこうやま"),
    ("関口", "せきぐち"),
    ("赤坂", "あかさか"),
    ("岩崎", "いわさき"),
    ("大久保", "おおくぼ"),
    ("曽根", "そね"),
    ("牧野", "まきの"),
    ("菅沼", "すがぬま"),
    ("一色", "いっしき"),
    ("大塚", "おおつか"),
    ("小川", "おがわ"),
    ("飯塚", "いいづか"),
    ("岡本", "おかもと"),
    ("加茂", "かも"),
    ("桜井", "さくらい"),
    ("高橋", "たかはし"),
    ("田代", "たしろ"),
    ("堤", "つつみ"),
    ("長島", "ながしま"),
    ("野口", "のぐち"),
    ("橋本", "はしもと"),
    ("藤井", "ふじい"),
    ("古川", "ふるかわ"),
    ("本郷", "ほんごう"),
    ("前田", "まえだ"),
    ("村松", "むらまつ"),
    ("八木", "やぎ"),
    ("市場", "いちば"),
    ("稲葉", "いなば"),
    ("尾崎", "おざき"),
    ("久保田", "くぼた"),
    ("佐野", "さの"),
    ("芦田", "あしだ"),
]
# Land without residents, one per compass direction from the centre.
INDUSTRIAL_NAMES = {
    "east": ("東部工業団地", "とうぶこうぎょうだんち"),
    "north": ("北部工業団地", "ほくぶこうぎょうだんち"),
    "west": ("西部工業団地", "せいぶこうぎょうだんち"),
    "south": ("南部流通団地", "なんぶりゅうつうだんち"),
}
DIRECTION_PREFIXES = "上中下東西南北"

CENTER_KINDS = {
    "公民館": "こうみんかん",
    "コミュニティセンター": "コミュニティセンター",
    "地区センター": "ちくセンター",
    "市民センター": "しみんセンター",
}
KIND_COUNTS = {"公民館": 4, "コミュニティセンター": 4, "地区センター": 4, "市民センター": 2}

# The README's table of fields: layer, field, type, meaning.
FIELD_ROWS = [
    ("districts", "CODE", "文字 / text", "行政区コード / district code (D001…)"),
    ("districts", "NAME", "文字 / text", "行政区名 / name (kanji)"),
    ("districts", "POP", "整数 / integer", "人口 / population"),
    ("districts", "HOUSEHOLDS", "整数 / integer", "世帯数 / households"),
    ("districts", "POP65", "整数 / integer", "65歳以上人口 / population aged 65+"),
    ("school_zones", "CODE", "文字 / text", "校区コード / zone code (S01…)"),
    ("school_zones", "NAME", "文字 / text", "校区名 / zone name"),
    ("school_zones", "SCHOOL", "文字 / text", "学校名 / school name"),
    (
        "school_zones",
        "SCHOOL_X, SCHOOL_Y",
        "実数 / real",
        "学校の位置（EPSG:6676, m） / school location",
    ),
    ("centers", "CODE", "文字 / text", "施設コード / centre code (C01…)"),
    ("centers", "NAME", "文字 / text", "施設名 / name"),
    ("centers", "NAME_KANA", "文字 / text", "読み（カタカナ） / reading (katakana)"),
    ("centers", "KIND", "文字 / text", "・".join(CENTER_KINDS)),
    ("centers", "ADDRESS", "文字 / text", "所在地 / address"),
    (
        "centers",
        "MANAGED",
        "文字 / text",
        "直営 / 指定管理 (run by the city / by a designated manager)",
    ),
]


@dataclass
class Cells:
    """The fine Voronoi cells the city is built from, with their adjacency."""

    polygons: np.ndarray
    seeds: np.ndarray
    neighbours: list[list[int]]
    shared: dict[tuple[int, int], float]
    areas: np.ndarray
    rings: np.ndarray


@dataclass
class District:
    """One administrative district (行政区) made of fine cells."""

    cells: list[int]
    exclave: int | None = None
    kind: str = ""
    town: int = -1
    rank: int = 0
    name: str = ""
    kana: str = ""
    address_area: str = ""
    code: str = ""
    population: int = 0
    households: int = 0
    population_65: int = 0
    geometry: shapely.Geometry | None = None

    @property
    def all_cells(self) -> list[int]:
        """The main cells plus the exclave cell, if any."""
        return self.cells + ([] if self.exclave is None else [self.exclave])


@dataclass
class Town:
    """A town (町・大字) whose districts share a name stem."""

    kind: str
    districts: list[int]
    name: str = ""
    short: str = ""
    short_kana: str = ""


@dataclass
class Zone:
    """One elementary school zone (小学校区)."""

    cells: list[int]
    code: str = ""
    short: str = ""
    school_cell: int = -1
    school_xy: tuple[float, float] = (0.0, 0.0)
    geometry: shapely.Geometry | None = None


@dataclass
class Center:
    """One community centre (拠点施設)."""

    zone: int
    cell: int
    xy: tuple[float, float]
    district: int
    code: str = ""
    name: str = ""
    kana: str = ""
    kind: str = ""
    address: str = ""
    managed: str = ""


@dataclass
class City:
    """Everything generated for the city."""

    cells: Cells
    districts: list[District]
    towns: list[Town]
    zones: list[Zone]
    centers: list[Center]
    core: np.ndarray
    split: list[int] = field(default_factory=list)


def convert_to_katakana(text: str) -> str:
    """The text with hiragana turned into katakana."""
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def convert_to_hiragana(text: str) -> str:
    """The text with katakana turned into hiragana."""
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def compose_readings_csv(city: City) -> bytes:
    """The districts' readings as a city keeps them apart from its GIS layer: a CSV of
    行政区コード, 行政区名 and よみがな (hiragana), UTF-8 with a BOM as spreadsheets save it."""
    lines = ["行政区コード,行政区名,よみがな"] + [
        f"{d.code},{d.name},{convert_to_hiragana(d.kana)}"
        for d in sorted(city.districts, key=lambda d: d.code)
    ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def measure_ring(points: np.ndarray, core: np.ndarray) -> np.ndarray:
    """Elliptic distance from the core: 0 at the centre, about 1 at the city edge."""
    offset = (np.atleast_2d(points) - core) / np.array(SEMI_AXES)
    return np.hypot(offset[:, 0], offset[:, 1])


def choose_spacing(points: np.ndarray, core: np.ndarray) -> np.ndarray:
    """The minimum distance between seed points: small downtown, large in the countryside."""
    t = measure_ring(points, core)
    return SPACING_CORE + (SPACING_EDGE - SPACING_CORE) * (1 - np.exp(-((t / 0.5) ** 2)))


def sample_seed_points(rng: np.random.Generator, core: np.ndarray) -> np.ndarray:
    """Throw darts over the map, denser near the core, so cells are irregular but even."""
    half = np.array(SEMI_AXES) * 1.5
    lower = np.array(CENTRE) - half
    candidates = lower + rng.random((DART_ATTEMPTS, 2)) * 2 * half
    radii = choose_spacing(candidates, core)
    accepted = np.empty_like(candidates)
    count = 0
    for point, radius in zip(candidates, radii, strict=True):
        if count and np.min(np.sum((accepted[:count] - point) ** 2, axis=1)) < radius**2:
            continue
        accepted[count] = point
        count += 1
    return accepted[:count]


def draw_city_outline(rng: np.random.Generator) -> Polygon:
    """A noisy ellipse about 12 km × 10 km: the cells whose seed lies inside form the city."""
    theta = np.linspace(0, 2 * math.pi, 720, endpoint=False)
    radius = np.ones_like(theta)
    for k in range(2, 12):
        amplitude = rng.uniform(0.3, 1.0) * 0.17 / k
        radius += amplitude * np.cos(k * theta + rng.uniform(0, 2 * math.pi))
    radius = np.clip(radius, 0.7, 1.3)
    x = CENTRE[0] + SEMI_AXES[0] * radius * np.cos(theta)
    y = CENTRE[1] + SEMI_AXES[1] * radius * np.sin(theta)
    return Polygon(np.column_stack([x, y]))


def build_voronoi_cells(points: np.ndarray) -> np.ndarray:
    """Voronoi cells of the points, in point order, with coordinates rounded to the mm."""
    extent = box(*(points.min(axis=0) - 3000), *(points.max(axis=0) + 3000))
    regions = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=extent, ordered=True)
    cells = shapely.get_parts(regions)
    rounded = shapely.transform(cells, lambda xy: np.round(xy, 3))
    return shapely.remove_repeated_points(rounded)


def find_shared_edges(polygons: np.ndarray) -> dict[tuple[int, int], float]:
    """Length of the common boundary of every pair of polygons that share an edge."""
    owners: dict[tuple[tuple[float, float], tuple[float, float]], list[int]] = {}
    for index, polygon in enumerate(polygons):
        ring = [tuple(xy) for xy in shapely.get_coordinates(polygon.exterior)]
        for start, end in itertools.pairwise(ring):
            owners.setdefault((min(start, end), max(start, end)), []).append(index)
    shared: dict[tuple[int, int], float] = {}
    for (start, end), cells in owners.items():
        if len(cells) == 2:
            pair = (min(cells), max(cells))
            shared[pair] = shared.get(pair, 0.0) + math.dist(start, end)
    return shared


def list_cell_neighbours(count: int, shared: dict[tuple[int, int], float]) -> list[list[int]]:
    """Sorted neighbour list of every cell from the shared-edge table."""
    neighbours: list[list[int]] = [[] for _ in range(count)]
    for a, b in sorted(shared):
        neighbours[a].append(b)
        neighbours[b].append(a)
    return neighbours


def split_into_connected_parts(members: list[int], neighbours: list[list[int]]) -> list[list[int]]:
    """The edge-connected parts of a set of cells, largest first."""
    remaining = set(members)
    parts: list[list[int]] = []
    for start in sorted(members):
        if start not in remaining:
            continue
        remaining.discard(start)
        part, queue = [start], deque([start])
        while queue:
            for other in neighbours[queue.popleft()]:
                if other in remaining:
                    remaining.discard(other)
                    part.append(other)
                    queue.append(other)
        parts.append(sorted(part))
    return sorted(parts, key=lambda part: (-len(part), part[0]))


def is_all_connected(members: list[int], neighbours: list[list[int]]) -> bool:
    """True when the cells form one edge-connected piece."""
    return len(members) > 0 and len(split_into_connected_parts(members, neighbours)) == 1


def select_city_cells(polygons: np.ndarray, points: np.ndarray, outline: Polygon) -> np.ndarray:
    """Indices of the cells whose seed lies inside the outline, as one piece with no holes."""
    kept = np.flatnonzero(shapely.contains_xy(outline, points[:, 0], points[:, 1]))
    while True:
        shared = find_shared_edges(polygons[kept])
        neighbours = list_cell_neighbours(len(kept), shared)
        parts = split_into_connected_parts(list(range(len(kept))), neighbours)
        kept = kept[parts[0]]
        union = shapely.coverage_union_all(polygons[kept])
        holes = [Polygon(ring) for ring in union.interiors]
        if not holes:
            return np.sort(kept)
        inside = shapely.contains_xy(shapely.union_all(holes), points[:, 0], points[:, 1])
        kept = np.union1d(kept, np.flatnonzero(inside))


def make_cells(rng: np.random.Generator, core: np.ndarray) -> Cells:
    """Generate the fine cells of the city: Voronoi cells of seeds inside a noisy outline."""
    points = sample_seed_points(rng, core)
    polygons = build_voronoi_cells(points)
    kept = select_city_cells(polygons, points, draw_city_outline(rng))
    polygons, seeds = polygons[kept], points[kept]
    if not shapely.is_valid(polygons).all():
        raise AssertionError("a fine cell is not a valid polygon")
    shared = find_shared_edges(polygons)
    return Cells(
        polygons=polygons,
        seeds=seeds,
        neighbours=list_cell_neighbours(len(polygons), shared),
        shared=shared,
        areas=shapely.area(polygons),
        rings=measure_ring(seeds, core),
    )


def grow_cell_groups(rng: np.random.Generator, cells: Cells) -> list[list[int]]:
    """Group the cells into contiguous groups of 2–5 by random region growing."""
    owner = np.full(len(cells.polygons), -1)
    groups: list[list[int]] = []
    for start in rng.permutation(len(cells.polygons)):
        if owner[start] >= 0:
            continue
        target = int(rng.choice([2, 2, 3, 3, 4, 5]))
        group = [int(start)]
        owner[start] = len(groups)
        while len(group) < target:
            free = sorted({n for c in group for n in cells.neighbours[c] if owner[n] < 0})
            if not free:
                break
            pick = int(rng.choice(free))
            owner[pick] = len(groups)
            group.append(pick)
        groups.append(group)
    return groups


def find_group_neighbours(groups: list[list[int]], cells: Cells) -> list[list[int]]:
    """Sorted list of the groups that share an edge with each group."""
    owner = find_owner_of_each_cell(groups, len(cells.polygons))
    result: list[list[int]] = []
    for group in groups:
        found = {owner[n] for c in group for n in cells.neighbours[c]}
        result.append(sorted(found - {owner[group[0]]}))
    return result


def find_owner_of_each_cell(groups: list[list[int]], count: int) -> np.ndarray:
    """For every cell, the index of the group holding it."""
    owner = np.full(count, -1)
    for index, group in enumerate(groups):
        owner[group] = index
    return owner


def absorb_single_cells(groups: list[list[int]], cells: Cells) -> list[list[int]]:
    """Merge every one-cell group into a neighbour, or pair it with a cell taken from one."""
    while True:
        singles = [i for i, group in enumerate(groups) if len(group) == 1]
        if not singles:
            return groups
        index = singles[0]
        cell = groups[index][0]
        adjacent = find_group_neighbours(groups, cells)[index]
        smallest = min(adjacent, key=lambda g: (len(groups[g]), g))
        if len(groups[smallest]) < 5:
            groups[smallest].append(cell)
            groups.pop(index)
            continue
        for other in adjacent:
            donors = [c for c in groups[other] if c in cells.neighbours[cell]]
            for donor in donors:
                rest = [c for c in groups[other] if c != donor]
                if len(rest) >= 2 and is_all_connected(rest, cells.neighbours):
                    groups[other] = rest
                    groups[index] = [cell, donor]
                    break
            else:
                continue
            break
        else:
            raise AssertionError(f"cannot place the lone cell {cell} in a district of 2–5")


def split_group_in_two(group: list[int], cells: Cells) -> tuple[list[int], list[int]] | None:
    """Two connected halves of a group of four or more cells, if it can be cut."""
    for start in sorted(group):
        order, queue, seen = [], deque([start]), {start}
        while queue:
            cell = queue.popleft()
            order.append(cell)
            for other in cells.neighbours[cell]:
                if other in group and other not in seen:
                    seen.add(other)
                    queue.append(other)
        half = order[: len(group) // 2]
        rest = [c for c in group if c not in half]
        if is_all_connected(rest, cells.neighbours):
            return sorted(half), sorted(rest)
    return None


def adjust_group_count(groups: list[list[int]], cells: Cells, wanted: int) -> list[list[int]]:
    """Merge small neighbouring groups or split big ones until there are exactly ``wanted``."""
    while len(groups) > wanted:
        adjacency = find_group_neighbours(groups, cells)
        pairs = [
            (len(groups[a]) + len(groups[b]), a, b)
            for a in range(len(groups))
            for b in adjacency[a]
            if a < b and len(groups[a]) + len(groups[b]) <= 5
        ]
        if not pairs:
            raise AssertionError("too many cell groups and none can be merged")
        _, a, b = min(pairs)
        groups[a] = groups[a] + groups[b]
        groups.pop(b)
    while len(groups) < wanted:
        for index in sorted(range(len(groups)), key=lambda i: (-len(groups[i]), i)):
            halves = split_group_in_two(groups[index], cells) if len(groups[index]) >= 4 else None
            if halves:
                groups[index] = halves[0]
                groups.append(halves[1])
                break
        else:
            raise AssertionError("too few cell groups and none can be split")
    return groups


def give_districts_exclaves(
    rng: np.random.Generator, districts: list[District], cells: Cells
) -> list[int]:
    """Move a few cells to a nearby district they do not touch, making exclaves (飛び地)."""
    owner = find_owner_of_each_cell([d.cells for d in districts], len(cells.polygons))
    touched: set[int] = set()
    receivers: list[int] = []
    for cell in map(int, rng.permutation(len(cells.polygons))):
        source = int(owner[cell])
        rest = [c for c in districts[source].cells if c != cell]
        if source in touched or len(rest) < 2 or not is_all_connected(rest, cells.neighbours):
            continue
        beside = {int(owner[n]) for n in cells.neighbours[cell]}
        if beside == {source}:
            continue
        near = {int(owner[m]) for n in cells.neighbours[cell] for m in cells.neighbours[n]}
        options = sorted(near - beside - touched)
        options = [
            d
            for d in options
            if not shapely.intersects(
                cells.polygons[cell], shapely.union_all(cells.polygons[districts[d].cells])
            )
        ]
        if not options:
            continue
        receiver = int(rng.choice(options))
        districts[source].cells = rest
        districts[receiver].exclave = cell
        owner[cell] = receiver
        touched.update({source, receiver, *beside})
        receivers.append(receiver)
        if len(receivers) == N_EXCLAVES:
            return receivers
    raise AssertionError("could not place enough exclaves")


def find_district_centroid(district: District, cells: Cells) -> np.ndarray:
    """Area-weighted mean of the seeds of a district's main cells."""
    weights = cells.areas[district.cells]
    return (cells.seeds[district.cells] * weights[:, None]).sum(axis=0) / weights.sum()


def find_district_neighbours(districts: list[District], cells: Cells) -> list[list[int]]:
    """Sorted list of districts whose main parts share an edge with each district."""
    owner = find_owner_of_each_cell([d.cells for d in districts], len(cells.polygons))
    result = []
    for index, district in enumerate(districts):
        found = {int(owner[n]) for c in district.cells for n in cells.neighbours[c]}
        result.append(sorted(found - {index, -1}))
    return result


def classify_districts(districts: list[District], cells: Cells, core: np.ndarray) -> None:
    """Mark each district urban, suburban or rural by its distance from the core."""
    for district in districts:
        t = float(measure_ring(find_district_centroid(district, cells), core)[0])
        if t < URBAN_LIMIT:
            district.kind = "urban"
        elif t < SUBURBAN_LIMIT:
            district.kind = "suburban"
        else:
            district.kind = "rural"


def choose_industrial_districts(
    districts: list[District], cells: Cells, core: np.ndarray
) -> list[int]:
    """Pick one large outer district per compass direction as unpopulated industrial land."""
    adjacency = find_district_neighbours(districts, cells)
    busy = {i for i, d in enumerate(districts) if d.exclave is not None}
    chosen: list[int] = []
    for direction in INDUSTRIAL_NAMES:
        best, best_area = -1, 0.0
        for index, district in enumerate(districts):
            centre = find_district_centroid(district, cells)
            t = float(measure_ring(centre, core)[0])
            if index in busy or not 0.45 < t < 0.85:
                continue
            if find_compass_direction(centre - core) != direction:
                continue
            if any(other in chosen for other in adjacency[index]):
                continue
            area = float(cells.areas[district.cells].sum())
            if area > best_area:
                best, best_area = index, area
        if best < 0:
            raise AssertionError(f"no district for the {direction} industrial estate")
        districts[best].kind = "industrial"
        districts[best].name, reading = INDUSTRIAL_NAMES[direction]
        districts[best].kana = convert_to_katakana(reading)
        districts[best].address_area = districts[best].name
        chosen.append(best)
    return chosen


def find_compass_direction(offset: np.ndarray) -> str:
    """The compass direction (east, north, west, south) of an offset."""
    angle = math.degrees(math.atan2(offset[1], offset[0])) % 360
    return ("east", "north", "west", "south")[int(((angle + 45) % 360) // 90)]


def group_districts_into_towns(
    rng: np.random.Generator, districts: list[District], cells: Cells, core: np.ndarray
) -> list[Town]:
    """Group neighbouring districts of the same kind into towns of one to five districts."""
    adjacency = find_district_neighbours(districts, cells)
    centroids = np.array([find_district_centroid(d, cells) for d in districts])
    order = np.argsort(measure_ring(centroids, core), kind="stable")
    sizes = {
        "urban": [2, 3, 3, 4, 4, 5],
        "suburban": [2, 2, 3, 3, 4],
        "rural": [1, 2, 2, 3, 3, 4, 5],
        "industrial": [1],
    }
    towns: list[Town] = []
    for start in map(int, order):
        if districts[start].town >= 0:
            continue
        kind = districts[start].kind
        target = int(rng.choice(sizes[kind]))
        members = [start]
        districts[start].town = len(towns)
        while len(members) < target:
            free = sorted(
                {
                    n
                    for m in members
                    for n in adjacency[m]
                    if districts[n].town < 0 and districts[n].kind == kind
                },
                key=lambda n: float(np.hypot(*(centroids[n] - centroids[start]))),
            )
            if not free:
                break
            districts[free[0]].town = len(towns)
            members.append(free[0])
        towns.append(Town(kind=kind, districts=members))
    return towns


def shuffle_name_stems(rng: np.random.Generator) -> dict[str, list[tuple[str, str, str, str]]]:
    """Name stems for each kind of town, in the order they are handed out."""
    suburban = [(n, r, n, r) for n, r in SUBURBAN_STEMS]
    rural = [(n, r, n, r) for n, r in RURAL_STEMS]
    supply = {
        "urban": [URBAN_STEMS[0]]
        + [URBAN_STEMS[i] for i in 1 + rng.permutation(len(URBAN_STEMS) - 1)],
        "suburban": [suburban[i] for i in rng.permutation(len(suburban))],
        "rural": [rural[i] for i in rng.permutation(len(rural))],
    }
    for stems in list(supply.values()):
        stems.extend(
            ("新" + n, "しん" + r, "新" + s, "しん" + sr)
            for n, r, s, sr in list(stems)
            if not n.startswith("新")
        )
    return supply


def name_towns_and_districts(
    rng: np.random.Generator,
    towns: list[Town],
    districts: list[District],
    cells: Cells,
    core: np.ndarray,
) -> None:
    """Give each town a stem and each district a unique name and reading."""
    supply = shuffle_name_stems(rng)
    centroids = np.array([find_district_centroid(d, cells) for d in districts])
    town_centres = np.array([centroids[t.districts].mean(axis=0) for t in towns])
    for index in np.argsort(measure_ring(town_centres, core), kind="stable"):
        town = towns[int(index)]
        if town.kind == "industrial":
            district = districts[town.districts[0]]
            town.name, town.short, town.short_kana = district.name, district.name, district.kana
            continue
        name, reading, town.short, short_reading = supply[town.kind].pop(0)
        town.name, town.short_kana = name, convert_to_katakana(short_reading)
        members = town.districts
        if town.kind == "rural":
            name_rural_districts(rng, members, districts, centroids, name, reading)
            continue
        by_ring = sorted(members, key=lambda d: float(measure_ring(centroids[d], core)[0]))
        for number, d in enumerate(by_ring):
            suffix, suffix_kana = make_chome_suffix(number, len(members))
            districts[d].rank = number
            districts[d].name = name + suffix
            districts[d].kana = convert_to_katakana(reading + suffix_kana)
            districts[d].address_area = districts[d].name
    names = [d.name for d in districts]
    if len(set(names)) != len(names):
        raise AssertionError("district names are not unique")


def make_chome_suffix(number: int, count: int) -> tuple[str, str]:
    """The 丁目 suffix for the ``number``-th (from 0) of ``count`` districts of a town."""
    if count == 1:
        return "", ""
    return f"{NUMERALS[number]}丁目", f"{CHOME_KANA[number]}ちょうめ"


def name_rural_districts(
    rng: np.random.Generator,
    members: list[int],
    districts: list[District],
    centroids: np.ndarray,
    stem: str,
    reading: str,
) -> None:
    """Name the districts of a rural town: 松原, 上松原/下松原, 松原東/西, or 松原一区…."""
    count = len(members)
    styles = ["ku"]
    if count in (2, 3) and stem[0] not in DIRECTION_PREFIXES:
        styles.append("updown")
    if count == 2:
        styles.append("eastwest")
    style = str(rng.choice(styles))
    if count == 1:
        labelled = [(members[0], stem, reading)]
    elif style == "updown":
        north_first = sorted(members, key=lambda d: -centroids[d][1])
        prefixes = [("上", "かみ"), ("中", "なか"), ("下", "しも")]
        prefixes = prefixes if count == 3 else [prefixes[0], prefixes[2]]
        labelled = [
            (d, p + stem, pk + reading) for d, (p, pk) in zip(north_first, prefixes, strict=True)
        ]
    elif style == "eastwest":
        east_first = sorted(members, key=lambda d: -centroids[d][0])
        labelled = [
            (east_first[0], stem + "東", reading + "ひがし"),
            (east_first[1], stem + "西", reading + "にし"),
        ]
    else:
        north_first = sorted(members, key=lambda d: -centroids[d][1])
        labelled = [
            (d, f"{stem}{NUMERALS[i]}区", f"{reading}{KU_KANA[i]}く")
            for i, d in enumerate(north_first)
        ]
    for rank, (d, name, kana) in enumerate(labelled):
        districts[d].rank = rank
        districts[d].name = name
        districts[d].kana = convert_to_katakana(kana)
        districts[d].address_area = "大字" + (stem if style == "ku" and count > 1 else name)


def assign_populations(
    rng: np.random.Generator, districts: list[District], cells: Cells
) -> np.ndarray:
    """Give districts population, households and 65+ counts; return the people per cell."""
    density = 150 + 5200 * np.exp(-((cells.rings / 0.28) ** 2))
    density += 900 * np.exp(-((cells.rings / 0.6) ** 2))
    raw = density * cells.areas / 1e6 * rng.lognormal(0.0, 0.3, len(cells.areas))
    for district in districts:
        if district.kind == "industrial":
            raw[district.all_cells] = 0.0
    target = int(rng.integers(*POPULATION_RANGE))
    per_cell = raw * target / raw.sum()
    for district in districts:
        t = float(cells.rings[district.cells].mean())
        people = round(float(per_cell[district.all_cells].sum()))
        if district.kind == "industrial":
            continue
        people = max(people, MIN_POPULATION)
        ratio = float(np.clip(2.05 + 0.45 * min(t, 1.0) + rng.normal(0, 0.07), 2.0, 2.6))
        households = min(max(round(people / ratio), math.ceil(people / 2.6)), people // 2)
        share = float(np.clip(0.23 + 0.17 * min(t, 1.0) + rng.normal(0, 0.025), 0.22, 0.42))
        elderly = min(
            max(round(people * share), math.ceil(people * 0.22)), math.floor(people * 0.42)
        )
        district.population, district.households, district.population_65 = (
            people,
            households,
            elderly,
        )
    return per_cell


def rank_north_to_south(points: np.ndarray, band: float) -> np.ndarray:
    """Ranking of points north→south in bands of ``band`` metres, then west→east."""
    rows = np.floor((points[:, 1].max() - points[:, 1]) / band)
    return np.lexsort((points[:, 0], rows))


def code_districts(towns: list[Town], districts: list[District], cells: Cells) -> None:
    """Number districts D001… town by town, north→south then west→east."""
    centres = np.array(
        [
            np.mean([find_district_centroid(districts[d], cells) for d in t.districts], axis=0)
            for t in towns
        ]
    )
    number = 0
    for index in rank_north_to_south(centres, 1500.0):
        for d in sorted(towns[int(index)].districts, key=lambda d: districts[d].rank):
            number += 1
            districts[d].code = f"D{number:03d}"


def cluster_cells_into_zones(
    rng: np.random.Generator, cells: Cells, per_cell: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Zone of each cell by population-weighted k-means around 14 school sites."""
    weights = per_cell + AREA_WEIGHT_PER_KM2 * cells.areas / 1e6
    seeds = cells.seeds
    centres = [seeds[rng.choice(len(seeds), p=weights / weights.sum())]]
    for _ in range(1, N_ZONES):
        d2 = np.min([np.sum((seeds - c) ** 2, axis=1) for c in centres], axis=0)
        p = weights * d2
        centres.append(seeds[rng.choice(len(seeds), p=p / p.sum())])
    centre_array = np.array(centres)
    for _ in range(60):
        labels = np.argmin(((seeds[:, None, :] - centre_array[None]) ** 2).sum(axis=2), axis=1)
        for z in range(N_ZONES):
            mask = labels == z
            if mask.any():
                centre_array[z] = (seeds[mask] * weights[mask, None]).sum(0) / weights[mask].sum()
    return labels, centre_array


def make_zones_contiguous(zone_of: np.ndarray, cells: Cells) -> np.ndarray:
    """Hand every detached piece of a zone to the neighbouring zone it shares most edge with."""
    zone_of = zone_of.copy()
    changed = True
    while changed:
        changed = False
        for z in range(N_ZONES):
            members = np.flatnonzero(zone_of == z).tolist()
            parts = split_into_connected_parts(members, cells.neighbours)
            for part in parts[1:]:
                lengths: dict[int, float] = {}
                for (a, b), length in cells.shared.items():
                    if (a in part) != (b in part):
                        other = int(zone_of[b] if a in part else zone_of[a])
                        lengths[other] = lengths.get(other, 0.0) + length
                zone_of[part] = max(sorted(lengths), key=lambda o: lengths[o])
                changed = True
    return zone_of


def find_zones_of_district(district: District, zone_of: np.ndarray) -> list[int]:
    """The distinct zones a district's cells fall in."""
    return sorted({int(zone_of[c]) for c in district.all_cells})


def snap_zones_to_districts(
    zone_of: np.ndarray, districts: list[District], cells: Cells, keep_split: set[int]
) -> np.ndarray:
    """Move each district wholly into its majority zone, except those kept split."""
    zone_of = zone_of.copy()
    for index, district in enumerate(districts):
        if index in keep_split:
            continue
        members = district.all_cells
        areas: dict[int, float] = {}
        for c in members:
            areas[int(zone_of[c])] = areas.get(int(zone_of[c]), 0.0) + float(cells.areas[c])
        zone_of[members] = max(sorted(areas), key=lambda z: areas[z])
    return make_zones_contiguous(zone_of, cells)


def draw_school_zones(
    rng: np.random.Generator, districts: list[District], cells: Cells, per_cell: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Zones of all cells, k-means centres and split districts, with 8–12 % split."""
    labels, centres = cluster_cells_into_zones(rng, cells, per_cell)
    base = make_zones_contiguous(labels, cells)
    straddling = [i for i, d in enumerate(districts) if len(find_zones_of_district(d, base)) == 2]
    straddling = [straddling[i] for i in rng.permutation(len(straddling))]
    low, high = (math.ceil(share * len(districts)) for share in SPLIT_SHARE)
    wanted = round(sum(SPLIT_SHARE) / 2 * len(districts))
    keep = wanted
    for _ in range(20):
        zone_of = snap_zones_to_districts(base, districts, cells, set(straddling[:keep]))
        split = [i for i, d in enumerate(districts) if len(find_zones_of_district(d, zone_of)) > 1]
        if low <= len(split) <= high:
            if any(len(find_zones_of_district(districts[i], zone_of)) > 2 for i in split):
                raise AssertionError("a district is split between more than two zones")
            return zone_of, centres, split
        keep = max(0, min(len(straddling), keep + wanted - len(split)))
    raise AssertionError(f"could not split {low}–{high} districts between zones")


def place_schools(
    zones: list[Zone], cells: Cells, centres: np.ndarray, per_cell: np.ndarray
) -> None:
    """Put each school at the seed of the populated cell nearest its zone's k-means centre."""
    for z, zone in enumerate(zones):
        populated = [c for c in zone.cells if per_cell[c] > 0]
        distances = np.sum((cells.seeds[populated] - centres[z]) ** 2, axis=1)
        zone.school_cell = populated[int(np.argmin(distances))]
        x, y = np.round(cells.seeds[zone.school_cell], 3)
        zone.school_xy = (float(x), float(y))


def name_zones(
    zones: list[Zone],
    districts: list[District],
    towns: list[Town],
    cells: Cells,
    core_cell: int,
) -> None:
    """Name the central zone 青葉 and every other one after the town its school stands in."""
    owner = find_owner_of_each_cell([d.all_cells for d in districts], len(cells.polygons))
    central = URBAN_STEMS[0][2]
    used = {central}
    for zone in zones:
        if core_cell in zone.cells:
            zone.short = central
            continue
        by_distance = sorted(
            zone.cells,
            key=lambda c: float(np.sum((cells.seeds[c] - cells.seeds[zone.school_cell]) ** 2)),
        )
        for cell in by_distance:
            town = towns[districts[int(owner[cell])].town]
            if town.kind != "industrial" and town.short not in used:
                zone.short = town.short
                used.add(town.short)
                break
        else:
            raise AssertionError("no name left for a school zone")


def place_centers(
    rng: np.random.Generator,
    zones: list[Zone],
    districts: list[District],
    cells: Cells,
    per_cell: np.ndarray,
    core_cell: int,
) -> list[Center]:
    """One centre per zone, except none in one small zone and two in the largest one."""
    owner = find_owner_of_each_cell([d.all_cells for d in districts], len(cells.polygons))
    areas = [float(cells.areas[z.cells].sum()) for z in zones]
    central = next(z for z, zone in enumerate(zones) if core_cell in zone.cells)
    double = max(range(len(zones)), key=lambda z: areas[z])
    empty = min(
        (z for z in range(len(zones)) if z not in (central, double)), key=lambda z: areas[z]
    )
    centers: list[Center] = []
    for z, zone in enumerate(zones):
        if z == empty:
            continue
        populated = [c for c in zone.cells if per_cell[c] > 0 and c != zone.school_cell]
        school = cells.seeds[zone.school_cell]
        near = sorted(populated, key=lambda c: float(np.sum((cells.seeds[c] - school) ** 2)))
        picks = [int(rng.choice(near[:6]))]
        if z == double:
            inner = [
                c for c in populated if all(n in zone.cells for n in cells.neighbours[c])
            ] or populated
            first = cells.seeds[picks[0]]
            picks.append(max(inner, key=lambda c: float(np.sum((cells.seeds[c] - first) ** 2))))
        for cell in picks:
            x, y = np.round(cells.seeds[cell], 3)
            centers.append(
                Center(zone=z, cell=cell, xy=(float(x), float(y)), district=int(owner[cell]))
            )
    return centers


def describe_centers(
    rng: np.random.Generator,
    centers: list[Center],
    zones: list[Zone],
    districts: list[District],
    towns: list[Town],
    core_cell: int,
) -> None:
    """Give centres codes, kinds, names, readings, addresses and managers."""
    centers.sort(key=lambda c: (zones[c.zone].code, c.xy[0]))
    central = next(i for i, c in enumerate(centers) if core_cell in zones[c.zone].cells)
    kinds = [k for k, n in KIND_COUNTS.items() for _ in range(n)]
    kinds.remove("市民センター")
    kinds = [kinds[i] for i in rng.permutation(len(kinds))]
    kinds.insert(central, "市民センター")
    managed = ["指定管理" if rng.random() < 0.45 else "直営" for _ in centers]
    managed[central] = "直営"
    for wanted in ("直営", "指定管理"):
        while managed.count(wanted) < 3:
            managed[next(i for i, m in enumerate(managed) if m != wanted and i != central)] = wanted
    used: set[str] = set()
    for number, center in enumerate(centers, start=1):
        district = districts[center.district]
        town = towns[district.town]
        center.code = f"C{number:02d}"
        center.kind, center.managed = kinds[number - 1], managed[number - 1]
        kind_kana = convert_to_katakana(CENTER_KINDS[center.kind])
        center.name, center.kana = town.short + center.kind, town.short_kana + kind_kana
        if center.name in used:
            center.name, center.kana = district.name + center.kind, district.kana + kind_kana
        used.add(center.name)
        if district.address_area.startswith("大字"):
            number_part = f"{int(rng.integers(100, 3000))}番地"
        else:
            number_part = f"{int(rng.integers(1, 26))}番{int(rng.integers(1, 31))}号"
        center.address = CITY + district.address_area + number_part


def check_coverage(geometries: list[shapely.Geometry], label: str) -> float:
    """Fail loudly unless the polygons form a valid coverage; return the union's area."""
    array = np.array(geometries, dtype=object)
    if not shapely.is_valid(array).all():
        raise AssertionError(f"{label}: a polygon is not valid")
    if not shapely.coverage_is_valid(array):
        raise AssertionError(f"{label}: not a valid coverage (edges do not match)")
    if not shapely.is_empty(shapely.coverage_invalid_edges(array)).all():
        raise AssertionError(f"{label}: coverage has invalid edges")
    union = shapely.union_all(array)
    total = float(shapely.area(array).sum())
    if abs(total - union.area) > 1e-9 * union.area:
        raise AssertionError(f"{label}: areas sum to {total}, union is {union.area}")
    if union.geom_type != "Polygon" or len(union.interiors):
        raise AssertionError(f"{label}: the union is not one polygon without holes")
    return union.area


def build_city(seed: int) -> City:
    """Generate cells, districts, zones and centres for the given seed."""
    rng = np.random.default_rng(seed)
    core = np.array(CENTRE) + rng.uniform(-900, 900, 2)
    cells = make_cells(rng, core)
    groups = adjust_group_count(
        absorb_single_cells(grow_cell_groups(rng, cells), cells), cells, N_DISTRICTS
    )
    districts = [District(cells=sorted(g)) for g in groups]
    give_districts_exclaves(rng, districts, cells)
    classify_districts(districts, cells, core)
    choose_industrial_districts(districts, cells, core)
    towns = group_districts_into_towns(rng, districts, cells, core)
    name_towns_and_districts(rng, towns, districts, cells, core)
    code_districts(towns, districts, cells)
    per_cell = assign_populations(rng, districts, cells)
    for district in districts:
        district.geometry = shapely.coverage_union_all(cells.polygons[district.all_cells])
        expected = "Polygon" if district.exclave is None else "MultiPolygon"
        if district.geometry.geom_type != expected or not district.geometry.is_valid:
            raise AssertionError(f"{district.code}: expected a valid {expected}")
    core_cell = int(np.argmin(np.sum((cells.seeds - core) ** 2, axis=1)))
    zone_of, centres, split = draw_school_zones(rng, districts, cells, per_cell)
    zones = [Zone(cells=np.flatnonzero(zone_of == z).tolist()) for z in range(N_ZONES)]
    place_schools(zones, cells, centres, per_cell)
    schools = np.array([zone.school_xy for zone in zones])
    for number, z in enumerate(rank_north_to_south(schools, 3000.0), start=1):
        zones[int(z)].code = f"S{number:02d}"
    for zone in zones:
        zone.geometry = shapely.coverage_union_all(cells.polygons[zone.cells])
        if zone.geometry.geom_type != "Polygon":
            raise AssertionError(f"{zone.code}: the zone is not one contiguous polygon")
    name_zones(zones, districts, towns, cells, core_cell)
    centers = place_centers(rng, zones, districts, cells, per_cell, core_cell)
    describe_centers(rng, centers, zones, districts, towns, core_cell)
    return City(
        cells=cells,
        districts=districts,
        towns=towns,
        zones=zones,
        centers=centers,
        core=core,
        split=split,
    )


def check_city(city: City) -> None:
    """Fail loudly unless the layers meet the demo data's promises."""
    district_area = check_coverage([d.geometry for d in city.districts], "districts")
    zone_area = check_coverage([z.geometry for z in city.zones], "school zones")
    districts_union = shapely.union_all([d.geometry for d in city.districts])
    zones_union = shapely.union_all([z.geometry for z in city.zones])
    if shapely.symmetric_difference(districts_union, zones_union).area > 1e-9 * district_area:
        raise AssertionError("school zones and districts do not cover the same area")
    if abs(district_area - zone_area) > 1e-9 * district_area:
        raise AssertionError("school zones and districts differ in area")
    for zone in city.zones:
        if not zone.geometry.contains(Point(zone.school_xy)):
            raise AssertionError(f"{zone.code}: the school is outside its zone")
    per_zone = [
        sum(zone.geometry.contains(Point(c.xy)) for c in city.centers) for zone in city.zones
    ]
    if sorted(per_zone) != [0] + [1] * (N_ZONES - 2) + [2]:
        raise AssertionError(f"centres per zone are {per_zone}")
    kinds = [c.kind for c in city.centers]
    if any(kinds.count(k) < 2 for k in CENTER_KINDS):
        raise AssertionError("every kind of centre must be used at least twice")
    for center in city.centers:
        if not city.districts[center.district].geometry.contains(Point(center.xy)):
            raise AssertionError(f"{center.code}: not inside the district of its address")
    check_location(districts_union)


def check_location(union: shapely.Geometry) -> None:
    """Fail unless the city lies inland in central Japan (zone VIII, around 34.9–35°N)."""
    to_lonlat = Transformer.from_crs(EPSG, 4326, always_xy=True)
    x0, y0, x1, y1 = union.bounds
    lons, lats = to_lonlat.transform([x0, x1, x0, x1], [y0, y0, y1, y1])
    (lat_min, lat_max), (lon_min, lon_max) = MAP_LIMITS
    if not (
        lat_min < min(lats) and max(lats) < lat_max and lon_min < min(lons) and max(lons) < lon_max
    ):
        raise AssertionError(f"city is not where it should be: {lons}, {lats}")


def make_district_frame(city: City) -> gpd.GeoDataFrame:
    """The districts layer, in code order."""
    rows = sorted(city.districts, key=lambda d: d.code)
    return gpd.GeoDataFrame(
        {
            "CODE": [d.code for d in rows],
            "NAME": [d.name for d in rows],
            "POP": np.array([d.population for d in rows], dtype="int32"),
            "HOUSEHOLDS": np.array([d.households for d in rows], dtype="int32"),
            "POP65": np.array([d.population_65 for d in rows], dtype="int32"),
        },
        geometry=[d.geometry for d in rows],
        crs=f"EPSG:{EPSG}",
    )


def make_zone_frame(city: City) -> gpd.GeoDataFrame:
    """The school zones layer, in code order."""
    rows = sorted(city.zones, key=lambda z: z.code)
    return gpd.GeoDataFrame(
        {
            "CODE": [z.code for z in rows],
            "NAME": [f"{z.short}小学校区" for z in rows],
            "SCHOOL": [f"{CITY}立{z.short}小学校" for z in rows],
            "SCHOOL_X": [z.school_xy[0] for z in rows],
            "SCHOOL_Y": [z.school_xy[1] for z in rows],
        },
        geometry=[z.geometry for z in rows],
        crs=f"EPSG:{EPSG}",
    )


def make_center_frame(city: City) -> gpd.GeoDataFrame:
    """The community centres layer, in code order."""
    rows = city.centers
    return gpd.GeoDataFrame(
        {
            "CODE": [c.code for c in rows],
            "NAME": [c.name for c in rows],
            "NAME_KANA": [c.kana for c in rows],
            "KIND": [c.kind for c in rows],
            "ADDRESS": [c.address for c in rows],
            "MANAGED": [c.managed for c in rows],
        },
        geometry=[Point(c.xy) for c in rows],
        crs=f"EPSG:{EPSG}",
    )


def stamp_dbf_date(path: Path) -> None:
    """Overwrite the DBF header's last-update date so reruns give identical bytes."""
    year, month, day = DBF_DATE
    with path.open("r+b") as dbf:
        dbf.seek(1)
        dbf.write(bytes([year - 1900, month, day]))


def write_layer(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write one layer as a CP932 Shapefile with no .cpg and a fixed DBF date."""
    for suffix in SHAPEFILE_PARTS:
        path.with_suffix(suffix).unlink(missing_ok=True)
    frame.to_file(path, driver="ESRI Shapefile", engine="pyogrio", encoding=ENCODING)
    path.with_suffix(".cpg").unlink(missing_ok=True)
    stamp_dbf_date(path.with_suffix(".dbf"))


def check_written_layer(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Fail unless the files read back as written: EPSG:6676, CP932 text, no .cpg."""
    if path.with_suffix(".cpg").exists():
        raise AssertionError(f"{path.name}: a .cpg file was left behind")
    if CRS.from_wkt(path.with_suffix(".prj").read_text()).to_epsg() != EPSG:
        raise AssertionError(f"{path.name}: the .prj is not recognised as EPSG:{EPSG}")
    back = pyogrio.read_dataframe(path, encoding=ENCODING)
    columns = [c for c in frame.columns if c != "geometry"]
    if not back[columns].equals(frame[columns].astype(back[columns].dtypes)):
        raise AssertionError(f"{path.name}: attributes do not read back as written")
    if not shapely.equals(back.geometry.values, frame.geometry.values).all():
        raise AssertionError(f"{path.name}: geometries do not read back as written")
    raw = path.with_suffix(".dbf").read_bytes()
    header_length = struct.unpack("<H", raw[8:10])[0]
    try:
        raw[header_length:].decode("utf-8")
    except UnicodeDecodeError:
        return
    raise AssertionError(f"{path.name}: the DBF text is valid UTF-8, not CP932")


def format_markdown_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A Markdown table with the given header and rows."""
    lines = [header, tuple("---" for _ in header), *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def compose_readme(city: City, seed: int) -> str:
    """The README of the demo folder, Japanese first, then English."""
    n = count_what_was_made(city)
    files = format_markdown_table(
        ("ファイル", "内容", "件数"),
        [
            (
                "`districts.shp`",
                "行政区（ポリゴン。隙間・重なりのないカバレッジ）",
                f"{n['districts']}（うち飛び地のあるマルチポリゴン {n['multipart']}、"
                f"人口0の工業団地等 {n['empty']}）",
            ),
            (
                "`school_zones.shp`",
                "小学校区（行政区と同じ範囲のカバレッジ。行政区界に沿わない所あり）",
                f"{n['zones']}（2つの校区に分かれる行政区 {n['split']}）",
            ),
            (
                "`centers.shp`",
                "拠点施設（ポイント。拠点のない校区が1つ、2つある校区が1つ）",
                f"{n['centers']}",
            ),
            (
                "`district_readings.csv`",
                "行政区のよみがな（行政区コード・行政区名・よみがな。UTF-8、BOM つき）",
                f"{n['districts']}",
            ),
        ],
    )
    header = ("レイヤ / layer", "項目 / field", "型 / type", "内容 / meaning")
    fields = format_markdown_table(header, FIELD_ROWS)
    return f"""# デモ市「青葉川市」（架空） / Demo city Aobagawa (fictional)

青葉川市（あおばがわし）は**架空の市**です。実在の地名・人口とは関係ありません。
このフォルダのシェープファイルは `python scripts/make_demo_city.py`（seed {seed}）で
生成したものです。実際の自治体データと同じく、座標系は平面直角座標系 第VIII系
（JGD2011, EPSG:6676, メートル）、属性の文字コードは Shift_JIS（CP932）で、
`.cpg` ファイルはありません。`city.toml` は市の設定です。行政区のシェープファイルには
読みがなく、市が別に管理するよみがな表（`district_readings.csv`）を `geoapp demo` が
`geoapp import readings` と同じ手順で読み込みます。公開地図の検索はこの読みでかなを照合します。

{files}

総人口 {n["population"]:,} 人、世帯数 {n["households"]:,}、65歳以上人口 {n["elderly"]:,} 人。

## 項目 / Fields

{fields}

## English

Aobagawa City (青葉川市) is **fictional**; it has nothing to do with real places or people.
The Shapefiles here are generated by `python scripts/make_demo_city.py` (seed {seed}) and
arrive the way real municipal data does: JGD2011 plane rectangular zone VIII (EPSG:6676,
metres), attribute text in Shift_JIS (CP932), no `.cpg` file. `city.toml` holds the city's
settings. The districts' Shapefile has no readings: the city keeps them in a table of its
own, `district_readings.csv`, which `geoapp demo` loads as `geoapp import readings` does;
the public map's search matches kana through them.

- `districts.shp`: {n["districts"]} administrative districts (行政区) forming a coverage (no
  gaps or overlaps); {n["multipart"]} are multipart (exclaves), {n["empty"]} have no
  residents (industrial land).
- `school_zones.shp`: {n["zones"]} elementary school zones (小学校区) covering the same area;
  {n["split"]} districts are split between two zones.
- `centers.shp`: {n["centers"]} community centres (拠点施設); one zone has none, one has two.
- `district_readings.csv`: the readings (よみがな, hiragana) of the {n["districts"]} districts
  by code.
- Total population {n["population"]:,}; households {n["households"]:,}; aged 65+
  {n["elderly"]:,}.
"""


def count_what_was_made(city: City) -> dict[str, int]:
    """The counts reported in the README and the printed summary."""
    return {
        "cells": len(city.cells.polygons),
        "districts": len(city.districts),
        "multipart": sum(d.exclave is not None for d in city.districts),
        "empty": sum(d.population == 0 for d in city.districts),
        "zones": len(city.zones),
        "split": len(city.split),
        "centers": len(city.centers),
        "population": sum(d.population for d in city.districts),
        "households": sum(d.households for d in city.districts),
        "elderly": sum(d.population_65 for d in city.districts),
    }


def print_summary(city: City, out: Path, seed: int) -> None:
    """Print a short account of what was written."""
    counts = count_what_was_made(city)
    split = sorted(city.districts[i].code for i in city.split)
    multipart = sorted(d.code for d in city.districts if d.exclave is not None)
    empty = sorted(d.code for d in city.districts if d.population == 0)
    lon, lat = Transformer.from_crs(EPSG, 4326, always_xy=True).transform(*city.core)
    print(f"{CITY} (fictional) → {out}  seed {seed}, EPSG:{EPSG}, {ENCODING}, no .cpg")
    print(f"  centre ≈ {lat:.3f}°N {lon:.3f}°E; {counts['cells']} fine cells")
    print(
        f"  districts.shp     {counts['districts']} districts, "
        f"{counts['multipart']} multipart, {counts['empty']} with POP 0"
    )
    print(
        f"  school_zones.shp  {counts['zones']} zones, {counts['split']} districts split "
        f"({counts['split'] / counts['districts']:.1%})"
    )
    print(f"  centers.shp       {counts['centers']} centres")
    print(
        f"  population {counts['population']:,}, households {counts['households']:,}, "
        f"65+ {counts['elderly']:,}"
    )
    print(f"  multipart: {' '.join(multipart)}")
    print(f"  POP 0:     {' '.join(empty)}")
    print(f"  split:     {' '.join(split)}")


def parse_command_line() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output folder (default: geodata/demo in the repository)",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})"
    )
    return parser.parse_args()


def main() -> None:
    """Generate the demo city, check it, write it and report."""
    args = parse_command_line()
    city = build_city(args.seed)
    check_city(city)
    args.out.mkdir(parents=True, exist_ok=True)
    layers = {
        "districts": make_district_frame(city),
        "school_zones": make_zone_frame(city),
        "centers": make_center_frame(city),
    }
    for name, frame in layers.items():
        path = args.out / f"{name}.shp"
        write_layer(frame, path)
        check_written_layer(frame, path)
    (args.out / "district_readings.csv").write_bytes(compose_readings_csv(city))
    (args.out / "README.md").write_text(compose_readme(city, args.seed), encoding="utf-8")
    print_summary(city, args.out, args.seed)


if __name__ == "__main__":
    main()
