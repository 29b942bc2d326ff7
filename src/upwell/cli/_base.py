"""The root of the ``upwell`` command: the group, its options and the helpers every command
module shares (settings, the store, coded errors on stderr).

Reads: ``--home``/``UPWELL_HOME`` and ``--member``/``UPWELL_MEMBER``, then the settings.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from upwell import __version__
from upwell.config import Settings
from upwell.errors import UpwellError
from upwell.store.db import Store

err = Console(stderr=True)


def _settings(ctx: click.Context) -> Settings:
    obj: dict[str, Any] = ctx.ensure_object(dict)
    overrides: dict[str, Any] = {}
    if obj.get("home"):
        overrides["home"] = obj["home"]
    if obj.get("member"):
        overrides["member"] = obj["member"]
    return Settings(**overrides)


@contextmanager
def _store(ctx: click.Context) -> Iterator[tuple[Store, Settings]]:
    settings = _settings(ctx)
    store = Store(settings)
    try:
        yield store, settings
    finally:
        store.close()


def _fail(exc: UpwellError) -> None:
    from rich.markup import escape

    # Escaped: a fix such as `pip install 'upwell[minilm]'` is text, not rich markup.
    err.print(f"[red]error[/red] {escape(str(exc))}")
    sys.exit(2)


class _UpwellGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UpwellError as exc:
            _fail(exc)


@click.group(cls=_UpwellGroup)
@click.version_option(__version__, prog_name="upwell")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), envvar="UPWELL_HOME",
              help="Data directory (default: UPWELL_HOME or the user data dir).")
@click.option("--member", envvar="UPWELL_MEMBER", help="Local member to act for (default: me).")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, member: str | None) -> None:
    """Upwell: coaching from your own mail, chat and calendar, for you alone."""
    ctx.ensure_object(dict).update(home=home, member=member)

