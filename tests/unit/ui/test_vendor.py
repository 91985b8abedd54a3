"""The vendored bpmn.io and htmx files (src/regista/ui/static/vendor): what is on disk is what
versions.json pins, byte for byte, each package with its licence — checked by the vendoring
script's own `check`, without network."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import re
import shutil
import tarfile
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


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in files.items():
            info = tarfile.TarInfo(f"package/{path}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class FakeRegistry:
    """The two documents the script asks the npm registry for, served from memory."""

    def __init__(self, files: dict[str, bytes], *, integrity: str | None = None) -> None:
        self.tarball = _tarball(files)
        digest = base64.b64encode(hashlib.sha512(self.tarball).digest()).decode()
        self.integrity = integrity or f"sha512-{digest}"
        self.asked: list[str] = []

    def get(self, url: str) -> bytes:
        self.asked.append(url)
        if url.endswith(".tgz"):
            return self.tarball
        dist = {"tarball": "https://registry.test/x.tgz", "integrity": self.integrity}
        return json.dumps({"version": "2.0.0", "dist": dist}).encode()


FILES = {
    "dist/app.min.js": b"window.App = {}",
    "dist/app.js.map": b"{}",
    "dist/assets/app.css": b"body {}",
    "LICENSE": b"MIT Permission is hereby granted",
}


def test_fetch_verifies_extracts_the_listed_files_and_records_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = FakeRegistry(FILES)
    monkeypatch.setattr(vendor_ui, "_get", registry.get)
    package = {
        "name": "@scope/app",
        "version": "2.0.0",
        "dir": "app",
        "files": {"dist/app.min.js": "", "dist/assets/app.css": ""},
    }
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "old.js").write_text("dropped from the list")
    vendor_ui.fetch(package, tmp_path)
    assert registry.asked[0] == "https://registry.npmjs.org/@scope%2Fapp/2.0.0"
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*"))
    assert written == ["app/app.min.js", "app/assets/app.css"]
    assert (tmp_path / "app" / "LICENSE").read_bytes() == FILES["LICENSE"]
    assert package["files"] == {
        "dist/app.min.js": hashlib.sha256(FILES["dist/app.min.js"]).hexdigest(),
        "dist/assets/app.css": hashlib.sha256(FILES["dist/assets/app.css"]).hexdigest(),
    }
    assert package["integrity"] == registry.integrity
    vendor_ui.save(tmp_path / "versions.json", {"packages": [package]})
    assert vendor_ui.check(tmp_path) == []


def test_fetch_refuses_a_tarball_that_fails_its_integrity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = FakeRegistry(FILES, integrity="sha512-" + base64.b64encode(b"0" * 64).decode())
    monkeypatch.setattr(vendor_ui, "_get", registry.get)
    package = {"name": "app", "version": "2.0.0", "dir": "app", "files": {"dist/app.min.js": ""}}
    with pytest.raises(vendor_ui.VendorError, match="does not match its sha512 integrity"):
        vendor_ui.fetch(package, tmp_path)
    assert not (tmp_path / "app").exists()


def test_fetch_names_a_listed_file_the_tarball_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vendor_ui, "_get", FakeRegistry(FILES).get)
    package = {"name": "app", "version": "2.0.0", "dir": "app", "files": {"dist/gone.js": ""}}
    with pytest.raises(vendor_ui.VendorError, match=r"app@2.0.0 has no dist/gone.js"):
        vendor_ui.fetch(package, tmp_path)


# The global each bundle defines, as the README tells the pages to use it.
GLOBALS = {
    "camunda-bpmn-js/camunda-cloud-modeler.production.min.js": "BpmnModeler",
    "camunda-bpmn-js/camunda-platform-modeler.production.min.js": "BpmnModeler",
    "camunda-bpmn-js/camunda-cloud-navigated-viewer.production.min.js": "BpmnNavigatedViewer",
    "dmn-js/dmn-modeler.production.min.js": "DmnJS",
    "form-js/form-viewer.umd.js": "FormViewer",
    "form-js/form-editor.umd.js": "FormEditor",
    "htmx/htmx.min.js": "htmx",
}


@pytest.mark.parametrize("bundle", sorted(GLOBALS))
def test_each_bundle_defines_the_global_the_readme_names(bundle: str) -> None:
    name = GLOBALS[bundle]
    head = (VENDOR / bundle).read_text(encoding="utf-8")[:1000]
    assert re.search(rf"(\.{name}\s*=|global\.{name}\b|var {name}\s*=)", head), head[:200]
    assert f"`{name}`" in (VENDOR / "README.md").read_text()
