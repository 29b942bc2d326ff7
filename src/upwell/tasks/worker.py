"""What a Dramatiq worker process loads: ``dramatiq upwell.tasks.worker [--queues ...]``.

Reads the settings from the environment (``UPWELL_*``: database, key provider, Redis) and
sets the global broker with every task's actor. See docs/deploy.md.
"""

from __future__ import annotations

import dramatiq

from upwell.config import Settings
from upwell.tasks.broker import make_broker

broker = make_broker(Settings(), worker=True)
dramatiq.set_broker(broker)
