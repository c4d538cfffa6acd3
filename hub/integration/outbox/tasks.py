"""Outbox job: deliver everything due (scheduled every minute; also deferrable at will)."""

from __future__ import annotations

import os
import random
import socket

from hub.integration.counterparts import Cipher
from hub.integration.inbox.service import wall_clock
from hub.integration.outbox.worker import DeliveryWorker
from hub.platform.config import get_settings
from hub.platform.jobs import blueprint, session_factory


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
