"""Transports: how bytes reach and leave a counterpart (SFTP, HTTP, signed webhooks).

Transports know nothing about business records. Every failure they raise is either a
:class:`~connectors.sdk.transport.errors.RetriableError` (try again later) or a
:class:`~connectors.sdk.transport.errors.FatalError` (a human must act), so the delivery worker
needs one rule: retry the first, dead-letter the second.
"""

from connectors.sdk.transport.errors import (
    ConnectorError,
    FatalError,
    RetriableError,
    classify_http_response,
)

__all__ = ["ConnectorError", "FatalError", "RetriableError", "classify_http_response"]
