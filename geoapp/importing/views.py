"""The upload page: a planner uploads a layer, reads the same report as the CLI prints,
then confirms or cancels. Open to logged-in admins and planners."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Annotated, Literal

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from pydantic import BeforeValidator, Field
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from ..accounts.views import current_user, require_user
from ..errors import BadInput
from ..layers import LAYERS, POPULATION, layer_named
from ..plans.model import status_names
from ..translatable import N_, Text
from ..web.current import store
from ..web.i18n import request_language
from ..web.request_limits import accepts_files
from ..web.validation import (
    QueryModel,
    blank_is_none,
    check_file_name,
    from_form,
    refused,
    text,
    validate,
)
from .crs_choices import crs_choices, page_crs_refusal
from .district_readings import READINGS, ReadingsReport, load_readings
from .field_mapping import parse_map_option
from .pending_uploads import LIFETIME, OPTIONS_FILE, expire_pending, new_pending, pending_folder
from .pipeline import ImportOptions, import_layer
from .population_table import PopulationReport, load_population
from .report import CRS_SOURCES, ENCODING_SOURCES, ImportReport, summary_counts

blueprint = Blueprint("uploads", __name__, url_prefix="/admin/import")
# The tables by district code the page takes besides layers.
TABLES = (POPULATION.name, READINGS)
MAX_EPSG = 999_999


def _epsg_code(value: object) -> int | None:
    """An EPSG code from the form (blank: read it from the file)."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value  # kept with a pending upload, checked when it was sent
    given = str(value).strip()
    if not given:
        return None
    if not (given.isascii() and given.isdigit() and 0 < int(given) <= MAX_EPSG):
        raise refused(
            Text(
                "EPSG コードの数字（例: 6676）を入れてください（入力: {value}）",
                value=given[:20],
            )
        )
    return int(given)


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@blueprint.before_request
def require_staff() -> Response | None:
    """Send anonymous visitors to the login page; only admins and planners load layers."""
    if current_user() is None:
        return redirect(url_for("auth.login", next=request.path))
    require_user("admin", "planner")
    return None


class UploadForm(QueryModel):
    """The upload form's fields (also kept with a pending upload for its confirmation)."""

    layer: text(40) = ""
    encoding: text(40) = ""
    crs: Annotated[int | None, BeforeValidator(_epsg_code)] = None
    mapping: text(2000) = ""
    mode: Literal["replace", "upsert"] = "replace"
    snap: Annotated[Annotated[float, Field(gt=0, le=10)] | None, BeforeValidator(blank_is_none)] = (
        None
    )
    source_layer: text(200) = ""
    skip_invalid: bool = False


def uploads_dir(instance_path: str) -> Path:
    """Where uploads wait for confirmation."""
    return Path(instance_path) / "uploads"


def upload_lifetime() -> timedelta:
    """How long a checked upload waits for confirmation (``PENDING_UPLOAD_LIFETIME``)."""
    return current_app.config.get("PENDING_UPLOAD_LIFETIME", LIFETIME)


@blueprint.get("/")
def form() -> str:
    """The upload form and the recent loads."""
    return _page(report=None)


@blueprint.post("/")
@accepts_files()
def check_upload() -> str:
    """Save the upload, run a dry run, and show its report with confirm and cancel."""
    form = from_form(UploadForm)
    options = None if form.layer in TABLES else _options(form)
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        raise BadInput(
            Text(
                "ファイルが選ばれていません。"
                "シェープファイル一式、zip、GeoJSON などを選んでください。"
            )
        )
    for upload in files:
        check_file_name(upload.filename or "", "files")
    root = uploads_dir(current_app.instance_path)
    expire_pending(root, upload_lifetime())
    if options is None:
        return _check_table(files, form)
    token, folder = new_pending(root)
    try:
        saved = [_save(upload, folder) for upload in files]
        source = _source_path(folder, saved)
        _keep_form(folder, form, source)
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
    saved = json.loads((folder / OPTIONS_FILE).read_text(encoding="utf-8"))
    form = validate(UploadForm, saved["form"])
    if form.layer in TABLES:
        try:
            report = _load_table(folder / saved["source"], form, dry_run=False)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return _page(**_table_report(report))
    options = _options(form)
    files = sorted(p for p in folder.iterdir() if p.name != OPTIONS_FILE)
    try:
        report = import_layer(store(), folder / saved["source"], options, _label(files))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return _report_page(report, None)


@blueprint.post("/<token>/cancel")
def cancel(token: str) -> Response:
    """Throw the checked upload away."""
    shutil.rmtree(_pending(token), ignore_errors=True)
    flash(N_("取り込みを取り消しました。データベースは変更していません。"))
    return redirect(url_for("uploads.form"))


def _keep_form(folder: Path, form: UploadForm, source: Path) -> None:
    """Keep the checked form beside the upload, for its confirmation."""
    (folder / OPTIONS_FILE).write_text(
        json.dumps({"form": form.model_dump(), "source": source.name}, ensure_ascii=False),
        encoding="utf-8",
    )


def _check_table(files: list[FileStorage], form: UploadForm) -> str:
    """Save an uploaded table by district code (population or readings), check it, and show
    the report with confirm and cancel when every row could be taken."""
    if len(files) != 1:
        raise BadInput(Text("人口表・よみがな表は CSV ファイル1つで送ってください。"))
    token, folder = new_pending(uploads_dir(current_app.instance_path))
    try:
        source = _save(files[0], folder)
        _keep_form(folder, form, source)
        report = _load_table(source, form, dry_run=True)
    except Exception:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if not report.ok:
        shutil.rmtree(folder, ignore_errors=True)
    return _page(**_table_report(report), token=token if report.ok else None)


def _load_table(source: Path, form: UploadForm, dry_run: bool) -> PopulationReport | ReadingsReport:
    """Check, or load, a saved table with the form's encoding (and mapping, for population)."""
    encoding = form.encoding or None
    if form.layer == READINGS:
        return load_readings(store(), source, encoding=encoding, dry_run=dry_run)
    return load_population(
        store(),
        source,
        mapping=parse_map_option(form.mapping, POPULATION) if form.mapping else None,
        encoding=encoding,
        dry_run=dry_run,
    )


def _table_report(report: PopulationReport | ReadingsReport) -> dict[str, object]:
    """The page's context for a table's report."""
    if isinstance(report, ReadingsReport):
        return {"readings_report": report}
    return {"population_report": report}


def _report_page(report: ImportReport, token: str | None) -> str:
    """The report, with confirm and cancel when ``token`` is given."""
    return _page(
        report=report,
        layer=layer_named(report.layer),
        counts=summary_counts(report.to_dict()),
        encoding_sources=ENCODING_SOURCES,
        crs_sources=CRS_SOURCES,
        status_names=status_names(request_language()),
        token=token,
    )


def _page(**context: object) -> str:
    """The import page: the form (its CRS choices led by the city's working CRS), the recent
    loads and whatever ``context`` adds."""
    working = store().geometry_srid()
    return render_template(
        "importing/import.html",
        crs_groups=crs_choices(working),
        layers=(*LAYERS, POPULATION),
        layer_labels={
            READINGS: N_("よみがな表"),
            **{layer.name: layer.label for layer in (*LAYERS, POPULATION)},
        },
        imports=store().layer_imports(limit=10),
        **context,
    )


def _pending(token: str) -> Path:
    """The folder of a pending upload (expired ones are refused and removed)."""
    return pending_folder(uploads_dir(current_app.instance_path), token, upload_lifetime())


def _options(form: UploadForm) -> ImportOptions:
    """Import options from the checked form."""
    layer = layer_named(form.layer)
    return ImportOptions(
        layer=layer,
        encoding=form.encoding or None,
        crs=form.crs,
        mapping=parse_map_option(form.mapping, layer),
        mode=form.mode,
        snap=form.snap,
        layer_name=form.source_layer or None,
        skip_invalid=form.skip_invalid,
        reworded=partial(page_crs_refusal, working=store().geometry_srid()),
    )


def _save(upload: FileStorage, folder: Path) -> Path:
    """Store one uploaded file under a safe version of its own name (Japanese kept)."""
    name = unicodedata.normalize("NFC", Path(upload.filename or "").name)
    name = _UNSAFE.sub("_", name).strip().lstrip(".")
    if not name or name == OPTIONS_FILE:
        raise BadInput(Text("ファイル名「{name}」は使えません。", name=upload.filename))
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
        Text(
            "複数のファイルを送るときは、1つのシェープファイル一式（.shp .shx .dbf .prj など）に"
            "してください。別々のデータは1つずつ取り込んでください。"
        )
    )


def _label(files: list[Path]) -> str:
    """The source name shown in reports."""
    shapefiles = [p.name for p in files if p.suffix.lower() == ".shp"]
    return shapefiles[0] if shapefiles else files[0].name
