"""A city's scheme for its community organizations, as data: the stage ladder (in order,
each with its Japanese and English name, colour and the milestones it requires), the
milestone kinds, and whether stages must be taken one at a time.

Schemes travel as TOML (``geodata/presets/*.toml``, ``geoapp scheme load|export``) and as
JSON (``PUT /api/scheme``); both are checked by ``SchemeDocument``. The ``[[programs]]``
array (subsidy programs, issue #20) is kept as it is and checked against the stages and
milestones by ``geoapp.subsidies.programs``.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from ..errors import BadInput
from ..resources import geodata_dir
from ..subsidies.programs import read_programs
from ..translatable import Text
from ..web.validation import unsafe_character, validate
from .requests import SchemeDocument
from .shown import named

# The preset a city starts on before one is loaded.
DEFAULT_PRESET = "numata"
MAX_PROGRAM_DEPTH = 6


@dataclass(frozen=True)
class MilestoneKind:
    """Something an organization achieves once, on a date (協定締結, 地域説明会 …)."""

    key: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Stage:
    """One rung of the ladder: its colour on the maps and the milestones it requires."""

    key: str
    name: str
    name_en: str
    color: str
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scheme:
    """A city's stage ladder and milestone kinds; ``stages`` are in ladder order."""

    key: str
    name: str
    name_en: str
    organization: str
    organization_en: str
    stages: tuple[Stage, ...]
    milestones: tuple[MilestoneKind, ...] = ()
    stages_in_order: bool = True
    source: str = ""
    programs: tuple[dict[str, Any], ...] = ()

    def stage(self, key: str) -> Stage | None:
        """The stage called ``key``, if the ladder has it."""
        return next((stage for stage in self.stages if stage.key == key), None)

    def order(self, key: str) -> int:
        """The position of stage ``key`` on the ladder (0 for the first)."""
        return [stage.key for stage in self.stages].index(key)

    def milestone(self, key: str) -> MilestoneKind | None:
        """The milestone kind called ``key``, if the scheme has it."""
        return next((kind for kind in self.milestones if kind.key == key), None)

    @property
    def stage_keys(self) -> tuple[str, ...]:
        """The stages' keys in ladder order."""
        return tuple(stage.key for stage in self.stages)

    @property
    def milestone_keys(self) -> tuple[str, ...]:
        """The milestone kinds' keys."""
        return tuple(kind.key for kind in self.milestones)

    def to_dict(self) -> dict[str, Any]:
        """The scheme as its document (JSON, or TOML through ``scheme_toml``)."""
        return {
            "scheme": {
                "key": self.key,
                "name": self.name,
                "name_en": self.name_en,
                "organization": self.organization,
                "organization_en": self.organization_en,
                "stages_in_order": self.stages_in_order,
                "source": self.source,
            },
            "stages": [
                {
                    "key": s.key,
                    "name": s.name,
                    "name_en": s.name_en,
                    "color": s.color,
                    "requires": list(s.requires),
                }
                for s in self.stages
            ],
            "milestones": [
                {"key": m.key, "name": m.name, "name_en": m.name_en} for m in self.milestones
            ],
            "programs": [dict(program) for program in self.programs],
        }


def scheme_from_dict(data: object) -> Scheme:
    """A scheme from its document, every field checked; a ``BadInput`` names the field."""
    document = validate(SchemeDocument, data)
    milestones = tuple(MilestoneKind(m.key, m.name, m.name_en) for m in document.milestones)
    stages = tuple(
        Stage(s.key, s.name, s.name_en, s.color.lower(), tuple(s.requires)) for s in document.stages
    )
    _refuse_repeats("stages", [s.key for s in stages])
    _refuse_repeats("milestones", [m.key for m in milestones])
    known = {m.key for m in milestones}
    for number, stage in enumerate(stages):
        unknown = [key for key in stage.requires if key not in known]
        if unknown:
            raise BadInput(
                Text(
                    "「{field}」: 段階「{stage}」が求めるマイルストーン「{keys}」が milestones に"
                    "ありません。",
                    field=f"stages.{number}.requires",
                    stage=named(stage),
                    keys=unknown,
                ),
                fields=[f"stages.{number}.requires"],
            )
    for number, program in enumerate(document.programs):
        _check_plain(program, f"programs.{number}", 0)
    read_programs(document.programs, [s.key for s in stages], known)
    info = document.scheme
    return Scheme(
        key=info.key,
        name=info.name,
        name_en=info.name_en,
        organization=info.organization,
        organization_en=info.organization_en,
        stages=stages,
        milestones=milestones,
        stages_in_order=info.stages_in_order,
        source=info.source,
        programs=tuple(document.programs),
    )


def _refuse_repeats(part: str, keys: list[str]) -> None:
    """Refuse a key used twice within ``part``."""
    seen: set[str] = set()
    for number, key in enumerate(keys):
        if key in seen:
            where = f"{part}.{number}.key"
            raise BadInput(
                Text(
                    "「{field}」: {problem}。",
                    field=where,
                    problem=Text("キー「{key}」が二度使われています", key=key),
                ),
                fields=[where],
            )
        seen.add(key)


def _check_plain(value: object, where: str, depth: int) -> None:
    """Refuse what a kept ``[[programs]]`` value may not hold: anything but text, whole
    and finite numbers, booleans, lists and tables, unsafe characters, deep nesting."""
    problem = None
    if depth > MAX_PROGRAM_DEPTH:
        problem = Text("入れ子が深すぎます")
    elif isinstance(value, str):
        if (character := unsafe_character(value)) is not None:
            problem = Text("使えない文字（{character}）があります", character=character)
    elif isinstance(value, float):
        if not math.isfinite(value):
            problem = Text("NaN・Infinity は使えません")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_plain(str(key), where, depth + 1)
            _check_plain(item, f"{where}.{key}", depth + 1)
    elif isinstance(value, list):
        for number, item in enumerate(value):
            _check_plain(item, f"{where}.{number}", depth + 1)
    elif not isinstance(value, bool | int):
        problem = Text("文字列・数値・真偽値・配列・表のいずれかにしてください（日付は文字列で）")
    if problem is not None:
        raise BadInput(
            Text("「{field}」: {problem}。", field=where, problem=problem), fields=[where]
        )


# --- TOML ----------------------------------------------------------------------------------
def read_scheme_toml(data: bytes, filename: str) -> Scheme:
    """A scheme from a TOML file's bytes (UTF-8)."""
    try:
        document = tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise BadInput(
            Text(
                "{file} を UTF-8 として読めません。TOML は UTF-8 で保存してください。",
                file=filename,
            )
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(
            Text("{file} を TOML として読めません（{reason}）。", file=filename, reason=str(exc))
        ) from None
    try:
        return scheme_from_dict(document)
    except BadInput as error:
        raise BadInput(
            Text("{file}: {message}", file=filename, message=error.text), **error.details
        ) from None


def scheme_toml(scheme: Scheme) -> str:
    """The scheme as a TOML document, laid out as the presets are (``[scheme]``, then one
    ``[[stages]]`` and ``[[milestones]]`` table each), that ``read_scheme_toml`` reads back
    equal; kept programs follow as ``tomli_w`` writes them."""
    document = scheme.to_dict()
    lines = [f"# {scheme.name} / {scheme.name_en}", "[scheme]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in document["scheme"].items()]
    for part in ("stages", "milestones"):
        for entry in document[part]:
            lines += ["", f"[[{part}]]"]
            lines += [f"{key} = {_toml_value(value)}" for key, value in entry.items()]
    text = "\n".join(lines) + "\n"
    if scheme.programs:
        text += "\n" + tomli_w.dumps({"programs": document["programs"]})
    return text


def _toml_value(value: object) -> str:
    """A string, boolean or list of strings in TOML (JSON's string escapes are TOML's)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


# --- presets -------------------------------------------------------------------------------
def presets_dir() -> Path:
    """The folder of the shipped schemes, one per seed city."""
    return geodata_dir() / "presets"


def preset_names() -> list[str]:
    """The shipped schemes' names (their file names without ``.toml``)."""
    return sorted(path.stem for path in presets_dir().glob("*.toml"))


def load_scheme(name_or_path: str) -> Scheme:
    """A shipped preset by name (``numata``), or a scheme TOML file by its path."""
    path = presets_dir() / f"{name_or_path}.toml"
    if name_or_path not in preset_names():
        path = Path(name_or_path)
        if path.suffix.lower() != ".toml" or not path.is_file():
            raise BadInput(
                Text(
                    "体系「{name}」はありません。プリセット（{presets}）か TOML ファイルを"
                    "指定してください。",
                    name=name_or_path,
                    presets=preset_names(),
                )
            )
    return read_scheme_toml(path.read_bytes(), path.name)


def default_scheme() -> Scheme:
    """The scheme of a city that has loaded none."""
    return load_scheme(DEFAULT_PRESET)
