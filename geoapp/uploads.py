"""The upload page: a planner uploads a layer, reads the same report as the CLI prints,
then confirms or cancels. Open to logged-in admins and planners."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import unicodedata
from dataclasses import replace
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from .auth import current_user, require_user
from .crs_choices import crs_choices, page_crs_issue
from .current import store
from .errors import BadInput, NotFound
from .field_mapping import parse_map_option
from .importer import (
    CRS_SOURCES,
    ENCODING_SOURCES,
    ImportOptions,
    ImportReport,
    import_layer,
    summary_counts,
)
from .layers import LAYERS, POPULATION, layer_named
from .plans.model import STATUS_LABELS
from .population_table import PopulationReport, load_population

blueprint = Blueprint("uploads", __name__, url_prefix="/admin/import")

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@blueprint.before_request
def require_staff() -> Response | None:
    """Send anonymous visitors to the login page; only admins and planners load layers."""
    if current_user() is None:
        return redirect(url_for("auth.login", next=request.path))
    require_user("admin", "planner")
    return None


def _uploads_dir() -> Path:
    """Where uploads wait for confirmation."""
    return Path(current_app.instance_path) / "uploads"


@blueprint.get("/")
def form() -> str:
    """The upload form and the recent loads."""
    return _page(report=None)


@blueprint.post("/")
def check_upload() -> str:
    """Save the upload, run a dry run, and show its report with confirm and cancel."""
    population = request.form.get("layer") == POPULATION.name
    layer = POPULATION if population else layer_named(request.form.get("layer", ""))
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        raise BadInput(
            "ファイルが選ばれていません。シェープファイル一式、zip、GeoJSON などを選んでください。",
            "No file chosen; choose a Shapefile set, a zip, GeoJSON, …",
        )
    if population:
        return _check_population(files)
    options = _options_from_form(layer.name)
    token = secrets.token_urlsafe(18)
    folder = _uploads_dir() / token
    folder.mkdir(parents=True)
    try:
        saved = [_save(upload, folder) for upload in files]
        source = _source_path(folder, saved)
        (folder / "options.json").write_text(
            json.dumps({"form": request.form.to_dict(), "source": source.name}, ensure_ascii=False),
            encoding="utf-8",
        )
        report = import_layer(store(), source, replace(options, dry_run=True), _label(saved))
    except Exception:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if not report.ok:
        shutil.rmtree(folder, ignore_errors=True)
    return _report_page(report, token if report.ok else None)


@blueprint.post("/<token>/confirm")
def confirm(token: str) -> str:
    """Import the checked upload for real."""
    folder = _pending(token)
    saved = json.loads((folder / "options.json").read_text(encoding="utf-8"))
    if saved["form"]["layer"] == POPULATION.name:
        try:
            report = _load_population(folder / saved["source"], saved["form"], dry_run=False)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return _page(population_report=report)
    options = _options_from_form(saved["form"]["layer"], saved["form"])
    files = sorted(p for p in folder.iterdir() if p.name != "options.json")
    try:
        report = import_layer(store(), folder / saved["source"], options, _label(files))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return _report_page(report, None)


@blueprint.post("/<token>/cancel")
def cancel(token: str) -> Response:
    """Throw the checked upload away."""
    shutil.rmtree(_pending(token), ignore_errors=True)
    flash("取り込みを取り消しました。データベースは変更していません。")
    return redirect(url_for("uploads.form"))


def _check_population(files: list[FileStorage]) -> str:
    """Save an uploaded population table, check it, and show the report with confirm
    and cancel when every row could be taken."""
    if len(files) != 1:
        raise BadInput(
            "人口表は CSV ファイル1つで送ってください。",
            "Send the population table as one CSV file.",
        )
    token = secrets.token_urlsafe(18)
    folder = _uploads_dir() / token
    folder.mkdir(parents=True)
    try:
        source = _save(files[0], folder)
        form = request.form.to_dict()
        (folder / "options.json").write_text(
            json.dumps({"form": form, "source": source.name}, ensure_ascii=False),
            encoding="utf-8",
        )
        report = _load_population(source, form, dry_run=True)
    except Exception:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if not report.ok:
        shutil.rmtree(folder, ignore_errors=True)
    return _page(population_report=report, token=token if report.ok else None)


def _load_population(source: Path, form: dict[str, str], dry_run: bool) -> PopulationReport:
    """Check, or load, a saved population table with the form's encoding and mapping."""
    mapping = form.get("mapping", "").strip()
    return load_population(
        store(),
        source,
        mapping=parse_map_option(mapping, POPULATION) if mapping else None,
        encoding=form.get("encoding", "").strip() or None,
        dry_run=dry_run,
    )


def _report_page(report: ImportReport, token: str | None) -> str:
    """The report, with confirm and cancel when ``token`` is given."""
    return _page(
        report=report,
        layer=layer_named(report.layer),
        counts=summary_counts(report.to_dict()),
        encoding_sources=ENCODING_SOURCES,
        crs_sources=CRS_SOURCES,
        status_labels=STATUS_LABELS,
        token=token,
    )


def _page(**context: object) -> str:
    """The import page: the form (its CRS choices led by the city's working CRS), the recent
    loads and whatever ``context`` adds."""
    working = store().geometry_srid()
    return render_template(
        "import.html",
        crs_groups=crs_choices(working),
        page_issue=lambda issue: page_crs_issue(issue, working),
        layers=(*LAYERS, POPULATION),
        layer_labels={layer.name: layer.label for layer in (*LAYERS, POPULATION)},
        imports=store().layer_imports(limit=10),
        **context,
    )


def _pending(token: str) -> Path:
    """The folder of a pending upload."""
    folder = _uploads_dir() / token
    if not _TOKEN.match(token) or not (folder / "options.json").is_file():
        raise NotFound(
            "この取り込みは見つかりません（取り消し済みか、既に取り込み済みです）。",
            "This upload no longer exists (cancelled or already imported).",
        )
    return folder


def _options_from_form(layer_name: str, form: dict[str, str] | None = None) -> ImportOptions:
    """Import options from the form, with clear messages for bad values."""
    values = form if form is not None else request.form.to_dict()
    layer = layer_named(layer_name)
    crs = values.get("crs", "").strip()
    snap = values.get("snap", "").strip()
    mode = values.get("mode", "replace")
    if crs and not crs.isdigit():
        raise BadInput(
            f"座標系の欄には EPSG コードの数字を入れてください（入力: {crs}）。",
            f"The CRS field takes an EPSG number (got {crs!r}).",
        )
    if mode not in ("replace", "upsert"):
        raise BadInput("取り込み方法の値が正しくありません。", f"Unknown mode {mode!r}.")
    try:
        snap_value = float(snap) if snap else None
    except ValueError as exc:
        raise BadInput(
            f"スナップ幅はメートルの数値で入れてください（入力: {snap}）。",
            f"The snap tolerance takes metres (got {snap!r}).",
        ) from exc
    if snap_value is not None and not 0 < snap_value <= 10:
        raise BadInput(
            "スナップ幅は 0 より大きく 10 m 以下にしてください。",
            "The snap tolerance must be more than 0 and at most 10 m.",
        )
    return ImportOptions(
        layer=layer,
        encoding=values.get("encoding", "").strip() or None,
        crs=int(crs) if crs else None,
        mapping=parse_map_option(values.get("mapping", ""), layer),
        mode=mode,  # type: ignore[arg-type]
        snap=snap_value,
        layer_name=values.get("source_layer", "").strip() or None,
        skip_invalid=values.get("skip_invalid") == "on",
    )


def _save(upload: FileStorage, folder: Path) -> Path:
    """Store one uploaded file under a safe version of its own name (Japanese kept)."""
    name = unicodedata.normalize("NFC", Path(upload.filename or "").name)
    name = _UNSAFE.sub("_", name).strip().lstrip(".")
    if not name or name == "options.json":
        raise BadInput(
            f"ファイル名「{upload.filename}」は使えません。",
            f"The file name {upload.filename!r} cannot be used.",
        )
    target = folder / name[:200]
    upload.save(target)
    return target


def _source_path(folder: Path, saved: list[Path]) -> Path:
    """What to read: the one file, the .shp among loose Shapefile parts, or the folder."""
    if len(saved) == 1:
        return saved[0]
    shapefiles = [p for p in saved if p.suffix.lower() == ".shp"]
    if len(shapefiles) == 1:
        return shapefiles[0]
    raise BadInput(
        "複数のファイルを送るときは、1つのシェープファイル一式（.shp .shx .dbf .prj など）に"
        "してください。別々のデータは1つずつ取り込んでください。",
        "Several files must be the parts of one Shapefile; import other data one at a time.",
    )


def _label(files: list[Path]) -> str:
    """The source name shown in reports."""
    shapefiles = [p.name for p in files if p.suffix.lower() == ".shp"]
    return shapefiles[0] if shapefiles else files[0].name
