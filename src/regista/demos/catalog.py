"""The four sector demos shipped in the package: where their files are, the process each
starts, and their simulated workers.

The models, forms and scenarios live beside this module (`regista/demos/<sector>/`), so
they ship in the wheel and `regista server --demo` finds them wherever Regista is
installed; `examples/demos` in the repository points here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from regista.runtime.definitions import Resource
from regista.runtime.workers import Workers, load_workers

__all__ = ["DEMOS", "DEPLOYABLE", "Demo", "demo_resources", "demo_workers"]

HERE = Path(__file__).resolve().parent
#: The files of a demo that are deployed (scenarios and workers are not).
DEPLOYABLE = (".bpmn", ".dmn", ".form")


@dataclass(frozen=True, slots=True)
class Demo:
    """One sector demo: its folder `name`, a `title`, the process the traffic starts and
    the module of its simulated workers."""

    name: str
    title: str
    process_id: str
    workers_module: str

    @property
    def folder(self) -> Path:
        """The directory holding the demo's models, forms, workers and scenarios."""
        return HERE / self.name

    def files(self) -> list[Path]:
        """The demo's deployable files, in name order (a repeatable deployment)."""
        return sorted(p for p in self.folder.iterdir() if p.is_file() and p.suffix in DEPLOYABLE)


DEMOS: tuple[Demo, ...] = (
    Demo(
        "banking",
        "Banking: customer onboarding (KYC)",
        "kyc-onboarding",
        "regista.demos.banking.workers",
    ),
    Demo(
        "fashion",
        "Fashion & luxury: order to return",
        "order-to-return",
        "regista.demos.fashion.workers",
    ),
    Demo(
        "manufacturing",
        "Manufacturing: non-conformance",
        "non-conformance",
        "regista.demos.manufacturing.workers",
    ),
    Demo(
        "utilities",
        "Utilities: supplier switch",
        "supplier-switch",
        "regista.demos.utilities.workers",
    ),
)


def demo_resources(demos: tuple[Demo, ...] = DEMOS) -> list[Resource]:
    """Every deployable file of `demos`, named by its path under `regista/demos`."""
    return [
        Resource(f"demos/{demo.name}/{path.name}", path.read_bytes())
        for demo in demos
        for path in demo.files()
    ]


def demo_workers(demos: tuple[Demo, ...] = DEMOS) -> Workers:
    """The simulated workers of `demos`, every job type of their models handled."""
    workers = Workers()
    for demo in demos:
        workers.update(load_workers(demo.workers_module))
    return workers
