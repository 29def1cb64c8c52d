"""Load layers in QGIS as a desktop user adds them, and describe each as JSON.

Run by Debian's ``/usr/bin/python3`` (python3-qgis), not the project's environment:
``python3 tests/qgis_layers.py '[{"name": …, "uri": …, "provider": "ogr"|"OAPIF"}, …]'``.
For each layer: valid, feature count (counted by reading every feature), CRS, fields, and
the style QGIS applied (renderer type, the field its fill colour is read from, labelling
and the field it labels by).
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    QgsApplication,
    QgsSymbolLayer,
    QgsVectorLayer,
)


def described(layer: QgsVectorLayer) -> dict[str, object]:
    """What a user sees of ``layer``: validity, count, CRS, fields and style."""
    found: dict[str, object] = {"valid": layer.isValid()}
    if not layer.isValid():
        found["error"] = layer.error().summary()
        return found
    renderer = layer.renderer()
    fill_field = None
    symbol = renderer.symbol() if hasattr(renderer, "symbol") else None
    if symbol is not None and symbol.symbolLayerCount():
        colour = (
            symbol.symbolLayer(0).dataDefinedProperties().property(QgsSymbolLayer.PropertyFillColor)
        )
        fill_field = colour.field() if colour.isActive() else None
    labelling = layer.labeling()
    found.update(
        count=sum(1 for _ in layer.getFeatures()),
        crs=layer.crs().authid(),
        fields=[field.name() for field in layer.fields()],
        renderer=renderer.type() if renderer else None,
        fill_field=fill_field,
        labels=layer.labelsEnabled(),
        label_field=labelling.settings().fieldName if labelling and layer.labelsEnabled() else None,
    )
    return found


def main() -> None:
    """Describe every layer given on the command line."""
    application = QgsApplication([], False)
    application.initQgis()
    wanted = json.loads(sys.argv[1])
    results = {
        spec["name"]: described(QgsVectorLayer(spec["uri"], spec["name"], spec["provider"]))
        for spec in wanted
    }
    print(json.dumps(results, ensure_ascii=False))
    application.exitQgis()


if __name__ == "__main__":
    main()
