"""Tasks: thin functions of ids over the library, run in-process or by Dramatiq workers.

Queue plumbing only: a task decodes its ids and calls one library function (the pipelines in
:mod:`upwell.pipeline`, the coaching, digest and nudge libraries, the privacy guard). See
:mod:`upwell.tasks.registry` (registering a task), :mod:`upwell.tasks.queue` (sending one)
and docs/deploy.md.
"""
