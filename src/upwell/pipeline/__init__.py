"""Pipelines: reading, preparing (normalize + analyze), writing and syncing a member's data.

The one library the CLI, the web app and the queue tasks call to bring data in:

- :mod:`upwell.pipeline.imports`: ``import_archive(store, member, path)``: read -> prepare ->
  write, with counted skips.
- :mod:`upwell.pipeline.prepare`: raw item -> records -> finished rows, in or out of process.
- :mod:`upwell.pipeline.rows`: a record -> its analyzed, sealed, body-free row (the analyzers
  run here, never in the store).
- :mod:`upwell.pipeline.sync`: ``sync_connection`` / ``sync_member``: fetch a page -> prepare
  -> write its records and cursor in one transaction.
- :mod:`upwell.pipeline.connect`: connecting, disconnecting and revoking a member's sources.

This package imports nothing on its own: the member's import worker processes load
:mod:`upwell.pipeline.prepare` without the database layer. See docs/architecture.md.
"""
