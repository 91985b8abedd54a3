"""Charts and maps written to a file as SVG or PNG, chosen by the file's suffix.

The charts are drawn once, as SVG (`charts.py`, `maps.py`); a PNG is that SVG rendered by
resvg (the `resvg-py` wheel, the optional extra `regista[png]`), so that both formats show
the same picture and the core install needs no image library.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from regista.insight.errors import InsightError

__all__ = ["FORMATS", "check_image_path", "png_bytes", "write_image"]

FORMATS = (".svg", ".png")
"""The suffixes `write_image` writes."""

_ZOOM = 2.0  # twice the SVG's size: text stays sharp on a high-density screen or a slide
_PNG_EXTRA = "pip install 'regista[png]'"


def check_image_path(path: Path) -> str:
    """The format of a chart file by its suffix ('svg' or 'png'); an error names the
    supported suffixes, or says how to install the PNG renderer when it is missing, so that
    a command can refuse before it runs its analysis."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        given = suffix or "a name without a suffix"
        raise InsightError(
            f"{path}: a chart is written as {' or '.join(FORMATS)}, not {given}", field="out"
        )
    if suffix == ".png":
        _renderer()
    return suffix[1:]


def png_bytes(svg: str) -> bytes:
    """The SVG rendered as a PNG at twice its size, on a white background."""
    render = _renderer()
    try:
        return bytes(render(svg_string=svg, background="white", zoom=_ZOOM))
    except ValueError as exc:  # resvg refuses the document: a bug in our SVG, not the user's
        raise InsightError(f"the chart could not be rendered as PNG: {exc}") from exc


def write_image(svg: str, path: Path) -> None:
    """Write the chart `svg` to `path` as SVG or PNG, by the path's suffix."""
    if check_image_path(path) == "png":
        path.write_bytes(png_bytes(svg))
    else:
        path.write_text(svg, encoding="utf-8")


def _renderer() -> Callable[..., bytes]:
    """resvg's `svg_to_bytes`, imported when a PNG is asked for (it is an optional extra)."""
    try:
        from resvg_py import svg_to_bytes
    except ImportError:
        raise InsightError(
            f"writing a PNG needs the optional renderer: {_PNG_EXTRA} (or write .svg)",
            field="out",
        ) from None
    return svg_to_bytes
