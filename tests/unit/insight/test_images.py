"""Charts written by suffix: a PNG is the SVG rendered (the PNG signature, twice the SVG's
size, not blank), an unknown suffix and a missing renderer are refused with a sentence
that says what to do."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

from regista.insight import InsightError
from regista.insight.charts import paired_svg
from regista.insight.images import check_image_path, png_bytes, write_image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chart() -> str:
    rows = [
        {"from": 0.0, "to": 10.0, "count_from": 5, "count_to": 7},
        {"from": 10.0, "to": 20.0, "count_from": 3, "count_to": 9},
    ]
    return paired_svg(rows, title="Compare claims version 1 with claims version 2")


def _size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a PNG has right after its signature."""
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def test_a_png_is_the_svg_rendered_at_twice_its_size(tmp_path: Path) -> None:
    svg = _chart()
    assert 'width="640" height="320"' in svg
    out = tmp_path / "chart.PNG"
    write_image(svg, out)
    png = out.read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    assert _size(png) == (1280, 640)
    # bars and text drawn: far more than the few hundred bytes of an empty white canvas
    assert len(png) > 2000
    assert png_bytes(svg) == png


def test_an_svg_is_written_as_text(tmp_path: Path) -> None:
    out = tmp_path / "chart.svg"
    write_image(_chart(), out)
    assert out.read_text("utf-8").startswith("<svg")


@pytest.mark.parametrize("name", ["chart.jpg", "chart"])
def test_an_unknown_suffix_names_the_supported_ones(tmp_path: Path, name: str) -> None:
    with pytest.raises(InsightError, match=r"written as \.svg or \.png, not") as raised:
        write_image(_chart(), tmp_path / name)
    assert raised.value.field == "out"
    assert not (tmp_path / name).exists()


def test_without_the_renderer_a_png_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # None in sys.modules makes `import resvg_py` raise ImportError, as when it is missing
    monkeypatch.setitem(sys.modules, "resvg_py", None)
    with pytest.raises(InsightError, match=r"pip install 'regista\[png\]'"):
        check_image_path(tmp_path / "chart.png")
    assert check_image_path(tmp_path / "chart.svg") == "svg"
