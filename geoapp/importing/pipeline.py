"""Import one layer from a file in its stages: read (decode, map fields), check (reproject,
check and repair geometry), store, and check the coverage — storing it in one transaction,
or nothing.

The same function serves ``geoapp import``, ``scripts/import_shapefile.py`` and the upload
page; it returns an ``ImportReport`` whether the import succeeded or not.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BadInput
from ..geometry.coverage_edges import CoverageEdges
from ..layers import CENTERS, DISTRICTS, Layer
from ..plans.district_changes import PlansBeforeImport
from ..sources import SourceData, check_coordinates_in_japan, open_source
from ..storage import Store
from ..storage.base import WriteMode
from ..storage.rows import LayerBatch
from .exclaves import exclave_parts
from .features import ImportFeatures
from .field_values import mapped_fields
from .progress import Progress, ProgressStep
from .report import ImportReport

logger = logging.getLogger(__name__)

# How long a thread may hold the GIL while another waits for it, during an import (Python's
# default is 5 ms). The store writes each row with the GIL released only inside SQLite, so a
# writer thread waits for it once per row while the main thread reads and checks the next
# batch: shorter turns let it pick the GIL up sooner. 100,000 districts into SQLite, four
# pairs in turn on a shared machine (load 3): 3.85–4.02 s with 0.5 ms against 4.14–4.52 s
# with 5 ms; under heavier load (4–5) the spread of either hid the difference.
_IMPORT_SWITCH_INTERVAL = 0.0005


@dataclass
class ImportOptions:
    """How to import: overrides for what the file does not say, and what to do with it."""

    layer: Layer
    encoding: str | None = None
    crs: int | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    mode: WriteMode = "replace"
    dry_run: bool = False
    snap: float | None = None
    layer_name: str | None = None
    skip_invalid: bool = False
    # How the caller words a refusal that stops the import (the upload page points at its
    # own CRS field where the command line says --crs); None: as the importer words it.
    reworded: Callable[[BadInput], BadInput] | None = None


def import_layer(
    store: Store,
    path: Path,
    options: ImportOptions,
    source_label: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import ``path`` into ``options.layer``; nothing is stored unless every check passes.

    A large layer streams: each batch of features is read, checked and handed to the
    database while the next is read, and the coverage's edges are matched batch by batch
    beside it. A refusal found in a later batch rolls back what was sent before it.
    """
    started = time.monotonic()
    step = progress or (lambda _step: None)
    report = ImportReport(
        layer=options.layer.name,
        source=source_label or Path(path).name,
        mode=options.mode,
        dry_run=options.dry_run,
    )
    try:
        store.require_current_schema()
        step(ProgressStep("read", 0, 0))
        with open_source(
            Path(path),
            encoding=options.encoding,
            crs=options.crs,
            layer_name=options.layer_name,
            point_layer=options.layer is CENTERS,
            preferred_layers=(options.layer.name, options.layer.table),
        ) as source:
            _describe_source(report, source)
            step(ProgressStep("read", report.read, report.read))
            try:
                check_coordinates_in_japan(source.geometry, source.crs, source.source)
                _import_source(store, Path(path), source, options, report, step, started)
            finally:
                report.warnings[:0] = source.warnings
    except BadInput as error:
        report.fail(error if options.reworded is None else options.reworded(error))
    except _Refused:
        pass
    report.duration_seconds = round(time.monotonic() - started, 3)
    logger.info(
        "import %s from %s: read %d, imported %d, errors %d, stored %s",
        report.layer,
        report.source,
        report.read,
        report.imported,
        len(report.errors),
        report.stored,
    )
    return report


@contextmanager
def _short_thread_turns() -> Iterator[None]:
    """Threads take shorter turns with the GIL while the import's threads run."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, _IMPORT_SWITCH_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


class _Refused(Exception):
    """Ends the stream of batches once the report holds an error, rolling back the write."""


@_short_thread_turns()
def _import_source(
    store: Store,
    path: Path,
    source: SourceData,
    options: ImportOptions,
    report: ImportReport,
    step: Progress,
    started: float,
) -> None:
    """Check ``source`` batch by batch and, unless it is a dry run, store it as it goes."""
    layer = options.layer
    working_crs = store.geometry_srid()
    report.working_crs = f"EPSG:{working_crs}"
    fields = mapped_fields(layer, path, source.fields, options.mapping, report, working_crs)
    exclaves = exclave_parts(layer, fields)
    plans_before = PlansBeforeImport.read(store) if layer is DISTRICTS else None
    # One thread matches the coverage's edges beside the checks.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-edges") as edge_worker:
        edges = (
            CoverageEdges(edge_worker)
            if layer.geometry_type == "MultiPolygon" and not options.snap
            else None
        )
        features = ImportFeatures(
            layer, source, fields, exclaves, options.skip_invalid, report, working_crs
        )
        batches = features.batches(edges, step)
        if options.snap:
            batches = iter(features.snapped(list(batches), options.snap))

        def concluded() -> None:
            """The coverage check and the changes to plans, once every batch has passed;
            refuse (ending the stream, so rolling back the write) if the report holds an
            error."""
            step(ProgressStep("coverage", features.count, report.read))
            report.coverage = features.coverage_report(edges, options.snap)
            if not report.ok:
                raise _Refused
            if plans_before is not None:
                report.district_changes = plans_before.changes(
                    features.stored_codes(),
                    dict(zip(fields["code"].tolist(), fields["name"].tolist(), strict=True)),
                    upsert=options.mode == "upsert",
                )
            report.imported = features.count
            report.duration_seconds = round(time.monotonic() - started, 3)

        if options.dry_run:
            for _ in batches:
                pass
            concluded()
            return
        notes = source.warnings
        store.write_layers(
            {layer: _stored_stream(batches, report.read, step, concluded)},
            report.source,
            options.mode,
            lambda: {**report.to_dict(), "warnings": [*notes, *report.warnings], "stored": True},
        )
        report.stored = True


def _stored_stream(
    batches: Iterable[LayerBatch], total: int, step: Progress, concluded: Callable[[], None]
) -> Iterator[LayerBatch]:
    """The batches as the database takes them, each reported to ``step`` once taken, and
    ``concluded`` called after the last (an error it raises rolls the write back)."""
    handed = 0
    for number, batch in enumerate(batches):
        if number == 0:
            step(ProgressStep("store", 0, total))
        yield batch
        handed += len(batch.frame)
        step(ProgressStep("store", handed, total))
    concluded()


def _describe_source(report: ImportReport, source: SourceData) -> None:
    """Copy what opening the source found into the report."""
    report.format = source.format
    report.read = len(source.fields)
    report.encoding = source.encoding
    report.encoding_source = source.encoding_source
    epsg = source.crs.to_epsg()
    report.crs = f"EPSG:{epsg}" if epsg else source.crs.name
    report.crs_source = source.crs_source
