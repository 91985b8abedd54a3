"""Vendor the prebuilt bpmn.io and htmx files of Regista's web UI from the npm registry.

Each package pinned in src/regista/ui/static/vendor/versions.json (name, version, directory,
the files to take from its tarball) is downloaded, checked against the registry's sha512
integrity, and only its listed files and licence are extracted into
src/regista/ui/static/vendor/<dir>/ (a leading `dist/` dropped, so the CSS files' relative
imports still resolve). Each file's sha256 is recorded in versions.json, so that

    python scripts/vendor_ui.py --check          # no network: the files match versions.json
    python scripts/vendor_ui.py                  # fetch the pinned versions again
    python scripts/vendor_ui.py --upgrade dmn-js # pin the latest version of one package

Standard library only, so that it runs before the project is installed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import shutil
import sys
import tarfile
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

VENDOR = Path(__file__).resolve().parents[1] / "src" / "regista" / "ui" / "static" / "vendor"
REGISTRY = "https://registry.npmjs.org"
LICENSE_NAMES = ("license", "license.md", "license.txt", "licence", "licence.md")
TIMEOUT = 120.0


class VendorError(Exception):
    """A pin, a download or a file on disk that does not match what versions.json says."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def target_path(path: str) -> str:
    """Where a file of the tarball goes inside the package's directory: `dist/` dropped."""
    return path.removeprefix("dist/")


def load(manifest: Path) -> dict[str, Any]:
    """The parsed versions.json, with a clear error where it is not what this script wrote."""
    try:
        data: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VendorError(f"{manifest}: cannot read it as JSON ({exc})") from None
    if not isinstance(data.get("packages"), list):
        raise VendorError(f"{manifest}: expected an object with a 'packages' list")
    for index, package in enumerate(data["packages"]):
        for key in ("name", "version", "dir", "files"):
            if key not in package:
                raise VendorError(f"{manifest}: packages[{index}] has no {key!r}")
    return data


def save(manifest: Path, data: dict[str, Any]) -> None:
    manifest.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def check(vendor: Path = VENDOR) -> list[str]:
    """Every difference between versions.json and the files under `vendor`, as sentences
    (none when all match): a missing or changed file, a file nobody listed, no licence."""
    problems: list[str] = []
    data = load(vendor / "versions.json")
    for package in data["packages"]:
        root = vendor / package["dir"]
        expected: dict[str, str] = {}
        for path, digest in package["files"].items():
            expected[target_path(path)] = digest
        license_file = package.get("license")
        if not license_file:
            problems.append(f"{package['name']}: no licence file recorded ('license' key)")
        else:
            expected[license_file["path"]] = license_file["sha256"]
        for notice in package.get("notices", []):
            if "path" not in notice:
                problems.append(
                    f"{package['name']}: the licence of {notice['name']} is not fetched"
                )
            else:
                expected[notice["path"]] = notice["sha256"]
        for relative, digest in sorted(expected.items()):
            file = root / relative
            if not file.is_file():
                problems.append(f"{package['name']}: {file} is missing; run scripts/vendor_ui.py")
            elif _sha256(file.read_bytes()) != digest:
                problems.append(
                    f"{package['name']}: {file} differs from its recorded sha256; "
                    "run scripts/vendor_ui.py to fetch it again"
                )
        if root.is_dir():
            for file in sorted(p for p in root.rglob("*") if p.is_file()):
                if file.relative_to(root).as_posix() not in expected:
                    problems.append(f"{package['name']}: {file} is not listed in versions.json")
    return problems


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:
        body: bytes = answer.read()
        return body


def _metadata(name: str, version: str) -> dict[str, Any]:
    url = f"{REGISTRY}/{urllib.parse.quote(name, safe='@')}/{urllib.parse.quote(version)}"
    try:
        data: dict[str, Any] = json.loads(_get(url))
    except OSError as exc:
        raise VendorError(f"{name}@{version}: the registry did not answer ({exc})") from None
    return data


def _verify(name: str, tarball: bytes, integrity: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise VendorError(f"{name}: the registry gave {algorithm!r} integrity, not sha512")
    actual = base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    if actual != expected:
        raise VendorError(f"{name}: the tarball does not match its sha512 integrity")


def _members(tarball: bytes) -> dict[str, bytes]:
    """The regular files of an npm tarball by path, the leading `package/` dropped."""
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue
            _, _, path = member.name.partition("/")
            extracted = archive.extractfile(member)
            if extracted is not None:
                found[path] = extracted.read()
    return found


def _download(name: str, version: str) -> tuple[str, dict[str, bytes]]:
    """The registry's integrity of `name@version` and its tarball's files, verified."""
    dist = _metadata(name, version).get("dist") or {}
    if "tarball" not in dist or "integrity" not in dist:
        raise VendorError(f"{name}@{version}: the registry gave no dist.tarball/integrity")
    tarball = _get(dist["tarball"])
    _verify(name, tarball, dist["integrity"])
    integrity: str = dist["integrity"]
    return integrity, _members(tarball)


def _license(name: str, version: str, members: dict[str, bytes]) -> str:
    found = [path for path in members if path.lower() in LICENSE_NAMES]
    if not found:
        raise VendorError(f"{name}@{version} ships no LICENSE file at its root")
    return found[0]


def fetch(package: dict[str, Any], vendor: Path = VENDOR) -> None:
    """Download the pinned version of `package`, verify it and write its listed files and
    licence under `vendor`, recording their sha256 (and the integrity) in `package`. The
    licences of packages its bundles contain (`notices`: name and version) are written
    beside it as LICENSE.<name>."""
    name, version = package["name"], package["version"]
    integrity, members = _download(name, version)
    missing = [path for path in package["files"] if path not in members]
    if missing:
        raise VendorError(
            f"{name}@{version} has no {', '.join(missing)}; fix the 'files' of this package "
            "in versions.json (list the tarball with `npm pack` and `tar tzf`)"
        )
    license_path = _license(name, version, members)
    notices: list[tuple[dict[str, Any], str, bytes]] = []
    for notice in package.get("notices", []):
        _, bundled = _download(notice["name"], notice["version"])
        text = bundled[_license(notice["name"], notice["version"], bundled)]
        notices.append((notice, "LICENSE." + notice["name"].replace("/", "-"), text))
    root = vendor / package["dir"]
    if root.exists():
        shutil.rmtree(root)  # files dropped from the list must not linger
    for path in [*package["files"], license_path]:
        file = root / target_path(path)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(members[path])
    for notice, path, text in notices:
        (root / path).write_bytes(text)
        notice.update(path=path, sha256=_sha256(text))
    package["integrity"] = integrity
    package["files"] = {path: _sha256(members[path]) for path in package["files"]}
    package["license"] = {"path": license_path, "sha256": _sha256(members[license_path])}


def latest(name: str) -> str:
    """The version the registry tags `latest` for `name`."""
    version: str = _metadata(name, "latest")["version"]
    return version


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify the files, no network")
    parser.add_argument("--upgrade", metavar="NAME", help="pin the latest version of NAME")
    args = parser.parse_args(argv)
    manifest = VENDOR / "versions.json"
    try:
        if args.check:
            problems = check(VENDOR)
            for problem in problems:
                print(problem, file=sys.stderr)
            print("vendored files match versions.json" if not problems else "vendor check failed")
            return 1 if problems else 0
        data = load(manifest)
        names = [p["name"] for p in data["packages"]]
        if args.upgrade and args.upgrade not in names:
            raise VendorError(f"--upgrade {args.upgrade}: not in versions.json ({names})")
        for package in data["packages"]:
            if args.upgrade and package["name"] != args.upgrade:
                continue
            if args.upgrade:
                package["version"] = latest(package["name"])
            fetch(package, VENDOR)
            print(f"{package['name']}@{package['version']} -> {VENDOR / package['dir']}")
        save(manifest, data)
    except VendorError as exc:
        print(f"vendor_ui: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
