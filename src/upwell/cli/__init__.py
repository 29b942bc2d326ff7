"""The ``upwell`` command: a thin shell over the library, one module per concern.

Every command decodes options, calls one library function and renders the result (a rich
summary on a terminal, or JSON with ``--json``). Errors print their code and fix, never content.

- ``_base.py``: the root group (``--home``, ``--member``) and the shared helpers;
- ``member.py``: the member's own data (import, reanalyze, coach, insights, team, export,
  delete, optin);
- ``sources.py``: ``sync`` of connected sources;
- ``delivery.py``: ``digest ...`` and ``nudges ...``;
- ``org.py``: ``org ...``, the org admin's group insights;
- ``lab.py``: the lab's shell (``train``, ``eval``, ``simulate``, ``simulate-pools``,
  ``bench``), importing ``upwell.lab`` inside each command only;
- ``ops.py``: ``worker`` and ``scheduler``;
- ``upwell serve`` and ``upwell web ...`` live with the web app (``cli/web.py``) and are
  mounted here: the one edge from ``deliver/`` to ``web/``.
"""

from __future__ import annotations

from upwell.cli import lab, member, ops, sources
from upwell.cli._base import cli
from upwell.cli.delivery import digest_group, nudges_group
from upwell.cli.org import org_group

# The one import of web/ from deliver/: `upwell serve` and `upwell web ...` are the web app's
# commands (FastAPI loads only when one runs), mounted on the root group here.
from upwell.cli.web import serve_cmd, web_group

__all__ = ["cli", "lab", "main", "member", "ops", "sources"]

cli.add_command(serve_cmd)
cli.add_command(web_group)
cli.add_command(org_group)
cli.add_command(digest_group)
cli.add_command(nudges_group)


def main() -> None:
    cli(prog_name="upwell")
