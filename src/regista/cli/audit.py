"""`regista audit verify` and `regista audit anchor`: check the hash chains of the audit
trail and their recorded heads, and sign checkpoints of them to keep outside the database."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import httpx

from regista.cli.options import client_for, database_option
from regista.runtime.anchor import (
    AnchorError,
    Ed25519Key,
    HmacKey,
    SigningKey,
    make_checkpoint,
    read_checkpoint,
)

_LISTED = 100  # findings printed at most


@click.group("audit")
def audit() -> None:
    """The audit trail: every history event is chained to the previous one by SHA-256, and
    each instance's chain head is recorded, so altered, deleted or missing events show."""


def _key(key_file: str | None, ed25519_key: str | None, *, required: bool) -> SigningKey | None:
    if key_file and ed25519_key:
        raise click.UsageError("give --key-file or --ed25519-key, not both")
    try:
        if key_file:
            return HmacKey.from_file(key_file)
        if ed25519_key:
            return Ed25519Key.from_file(ed25519_key)
    except AnchorError as exc:
        raise click.UsageError(str(exc)) from None
    if required:
        raise click.UsageError(
            "give the key: --key-file FILE (HMAC-SHA256 secret) or --ed25519-key PEM"
        )
    return None


_key_file = click.option(
    "--key-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="A file holding the HMAC-SHA256 secret (at least 16 bytes) anchors are signed with.",
)
_ed25519 = click.option(
    "--ed25519-key",
    type=click.Path(dir_okay=False),
    default=None,
    help="An Ed25519 key in PEM: the private key signs, the public key is enough to verify "
    "(needs `pip install 'regista[audit]'`).",
)


@audit.command("verify")
@database_option
@click.option("--instance", "instance_id", default=None, help="Check one instance only.")
@click.option(
    "--anchor",
    "anchor_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="A checkpoint written by `regista audit anchor`: also prove that nothing it "
    "covers changed since (give its key).",
)
@_key_file
@_ed25519
def verify(
    database_url: str | None,
    instance_id: str | None,
    anchor_file: str | None,
    key_file: str | None,
    ed25519_key: str | None,
) -> None:
    """Check every history chain and its recorded head; exit 1 listing what is broken.

    \b
    regista audit verify
    regista audit verify --anchor anchor.json --key-file audit.key
    """
    anchor = None
    if anchor_file is not None:
        key = _key(key_file, ed25519_key, required=True)
        assert key is not None
        try:
            anchor = read_checkpoint(Path(anchor_file).read_bytes(), key)
        except OSError as exc:
            raise click.UsageError(
                f"cannot read the anchor {anchor_file}: {exc.strerror or exc}"
            ) from None
        except AnchorError as exc:
            click.echo(f"audit anchor REFUSED: {anchor_file}: {exc}", err=True)
            sys.exit(1)
    elif key_file or ed25519_key:
        raise click.UsageError("a key is used with --anchor FILE only")
    with client_for(database_url) as client:
        found = client.audit_history(
            instance_id,
            None if anchor is None else anchor.by_instance(),
            limit=_LISTED,
        )
    what = f"instance {instance_id}" if instance_id else "every instance"
    if not found:
        click.echo(f"audit trail verified: the history of {what} is intact")
        if anchor is not None:
            click.echo(
                f"anchor of {anchor.created_at} verified ({anchor.algorithm}, key "
                f"{anchor.key_id}): its {len(anchor.heads)} chains and {anchor.events} events "
                "are unchanged"
            )
        return
    for broken in found:
        click.echo(f"audit trail BROKEN: {broken}", err=True)
    more = " (the first 100)" if len(found) >= _LISTED else ""
    click.echo(f"{len(found)} problem{'s' * (len(found) != 1)} found{more}", err=True)
    sys.exit(1)


@audit.command("anchor")
@database_option
@_key_file
@_ed25519
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the checkpoint to this file (default: standard output).",
)
@click.option("--url", default=None, help="POST the checkpoint (JSON) to this URL.")
def anchor_command(
    database_url: str | None,
    key_file: str | None,
    ed25519_key: str | None,
    out_file: str | None,
    url: str | None,
) -> None:
    """Write a signed checkpoint of every chain head, to keep where the database's users
    cannot change it; `regista audit verify --anchor` later proves nothing it covers changed.

    \b
    regista audit anchor --key-file audit.key --out anchors/2026-12-07.json
    regista audit anchor --ed25519-key signing.pem --url https://notary.example/anchors
    """
    key = _key(key_file, ed25519_key, required=True)
    assert key is not None
    if out_file and url:
        raise click.UsageError("give --out or --url, not both")
    with client_for(database_url) as client:
        heads = client.history_heads()
        now = client.shell.now()
    try:
        text = make_checkpoint(heads, key, now=now)
    except AnchorError as exc:
        raise click.UsageError(str(exc)) from None
    summary = f"{len(heads)} chains, {sum(h.seq for h in heads)} events"
    if url is not None:
        try:
            response = httpx.post(
                url, content=text.encode(), headers={"content-type": "application/json"}
            )
        except httpx.HTTPError as exc:
            click.echo(f"regista audit anchor: cannot post to {url}: {exc}", err=True)
            sys.exit(1)
        if response.status_code >= 300:
            click.echo(
                f"regista audit anchor: {url} answered {response.status_code}; the anchor "
                "was not stored",
                err=True,
            )
            sys.exit(1)
        click.echo(f"anchored {summary}; posted to {url}", err=True)
        return
    if out_file is None:
        click.echo(text, nl=False)
        click.echo(f"anchored {summary}", err=True)
        return
    target = Path(out_file)
    partial = target.with_name(target.name + ".partial")
    try:
        partial.write_text(text, "utf-8")
        partial.replace(target)  # whole or not at all
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise click.UsageError(f"cannot write {out_file}: {exc.strerror or exc}") from None
    click.echo(f"anchored {summary} in {out_file}", err=True)
