"""`regista tck`: run a DMN TCK folder tree and print the pass rates per compliance level."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from regista.dmn.tck import NON_COMPLIANT, LevelSummary, TckReport, run, write_csv


def _row(label: str, s: LevelSummary) -> str:
    value_rate = f"{s.value_pass_rate:.1%} ({s.value_expecting_passed}/{s.value_expecting})"
    return (
        f"{label:<28} {s.cases:>6} {s.passed:>7} {s.failed:>7} {s.errored:>8} "
        f"{s.pass_rate:>10.1%}  {value_rate}"
    )


def summary_table(report: TckReport) -> str:
    """The summary: one row per scored level, the scored total, then the unscored levels.

    "pass rate" is over all cases; "value-expecting" is the pass rate over the cases where
    at least one result node expects a non-null value.
    """
    header = (
        f"{'level':<28} {'cases':>6} {'passed':>7} {'failed':>7} {'errored':>8} "
        f"{'pass rate':>10}  value-expecting"
    )
    lines = [header, "-" * (len(header) + 4)]
    levels = report.levels()
    for s in levels:
        if s.level != NON_COMPLIANT:
            lines.append(_row(s.level, s))
    lines.append(_row("total (scored)", report.total))
    for s in levels:
        if s.level == NON_COMPLIANT:
            lines.append(_row(f"{s.level} (not scored)", s))
    return "\n".join(lines)


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the results in the TCK's tck_results.csv format to this file.",
)
@click.option("--failures", is_flag=True, help="List every failed or errored case.")
@click.option(
    "--timeout",
    type=float,
    default=10.0,
    show_default=True,
    help="Seconds allowed for each model load and each test case (0: no limit).",
)
def tck(directory: Path, csv_file: Path | None, failures: bool, timeout: float) -> None:
    """Run the DMN TCK test folders under DIRECTORY and print the pass rates."""
    report = run(directory, timeout=timeout or None)
    if not report.cases:
        click.echo(
            f"regista tck: no TCK test folders (*.dmn with *-test-*.xml) under {directory}",
            err=True,
        )
        sys.exit(2)
    if failures:
        for c in report.failures:
            scored = "" if c.scored else " (not scored)"
            click.echo(
                f"{c.status.upper():<8} {c.folder} {c.test_file} #{c.test_id}{scored}: {c.message}"
            )
        click.echo("")
    click.echo(summary_table(report))
    click.echo("value-expecting: the pass rate over the cases that expect a non-null result")
    click.echo(f"{len(report.cases)} test cases in {report.seconds:.1f} s")
    if csv_file is not None:
        write_csv(report, csv_file)
        click.echo(f"results written to {csv_file}")
