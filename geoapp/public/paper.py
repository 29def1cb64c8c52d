"""Paper for the print layout: sheet sizes, and the QR code that opens the printed view."""

from __future__ import annotations

import io

import segno

# Sheet width and height in millimetres, by paper and orientation (ISO 216).
PAPER_SIZES: dict[tuple[str, str], tuple[int, int]] = {
    ("a4", "portrait"): (210, 297),
    ("a4", "landscape"): (297, 210),
    ("a3", "portrait"): (297, 420),
    ("a3", "landscape"): (420, 297),
}


def qr_code_svg(url: str) -> str:
    """A QR code of ``url`` as an inline SVG element (error correction M, no XML header)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out, kind="svg", scale=3, border=2, xmldecl=False, svgns=True, svgclass="qr-code"
    )
    return out.getvalue().decode("ascii")
