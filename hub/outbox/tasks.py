"""Outbox job: deliver everything due (scheduled every minute; also deferrable at will)."""

from __future__ import annotations

import os
import random
import socket

from hub.config import get_settings
from hub.connectors.counterparts import Cipher
from hub.inbox.service import wall_clock
from hub.jobs import blueprint, session_factory
from hub.outbox.worker import DeliveryWorker


@blueprint.task(name="outbox_deliver", queue="outbox")
def outbox_deliver() -> int:
    """Deliver due outbound messages until none is due; return the attempts made."""
    worker = DeliveryWorker(
        session_factory(),
        Cipher(get_settings().encryption_key_value()),
        f"{socket.gethostname()}:{os.getpid()}",
        wall_clock,
        rng=random.Random(),
        concurrency=8,
    )
    try:
        return worker.run_until_idle()
    finally:
        worker.close()
