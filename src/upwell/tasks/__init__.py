"""Tasks: thin functions of ids over the library, run in-process or by Dramatiq workers.

See :mod:`upwell.tasks.registry` (registering a task), :mod:`upwell.tasks.queue` (sending one)
and docs/deploy.md.
"""
