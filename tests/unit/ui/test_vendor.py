"""The vendored bpmn.io and htmx files (src/regista/ui/static/vendor): what is on disk is what
versions.json pins, byte for byte, each package with its licence — checked by the vendoring
script's own `check`, without network."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]
VENDOR = ROOT / "src" / "regista" / "ui" / "static" / "vendor"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vendor_ui", ROOT / "scripts" / "vendor_ui.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


vendor_ui = _script()
PACKAGES = json.loads((VENDOR / "versions.json").read_text())["packages"]


def test_the_files_on_disk_match_versions_json() -> None:
    assert vendor_ui.check(VENDOR) == []


@pytest.mark.parametrize("package", PACKAGES, ids=[p["name"] for p in PACKAGES])
def test_each_package_is_pinned_with_its_licence(package: dict[str, object]) -> None:
    assert package["version"] and str(package["integrity"]).startswith("sha512-")
    licence = package["license"]
    assert isinstance(licence, dict)
    text = (VENDOR / str(package["dir"]) / licence["path"]).read_text()
    assert "Permission" in text or "license" in text.lower()


def test_no_source_maps_or_development_builds_are_vendored() -> None:
    files = [p.name for p in VENDOR.rglob("*") if p.is_file()]
    assert not [f for f in files if f.endswith(".map") or ".development." in f]


def test_check_names_a_changed_a_missing_and_an_unlisted_file(tmp_path: Path) -> None:
    copy = tmp_path / "vendor"
    shutil.copytree(VENDOR, copy)
    (copy / "htmx" / "htmx.min.js").write_text("tampered")
    (copy / "htmx" / "LICENSE").unlink()
    (copy / "htmx" / "stray.js").write_text("")
    problems = "\n".join(vendor_ui.check(copy))
    assert "htmx.min.js differs from its recorded sha256" in problems
    assert "LICENSE is missing" in problems
    assert "stray.js is not listed" in problems


def test_check_names_a_versions_json_it_cannot_read(tmp_path: Path) -> None:
    (tmp_path / "versions.json").write_text('{"packages": [{"name": "x"}]}')
    with pytest.raises(vendor_ui.VendorError, match=r"packages\[0\] has no 'version'"):
        vendor_ui.check(tmp_path)


def test_the_check_command_exits_zero() -> None:
    assert vendor_ui.main(["--check"]) == 0
