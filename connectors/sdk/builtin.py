"""The hub's generic connectors, usable as they are or as examples for real ones.

* ``standard_webhooks``: receives webhooks signed per Standard Webhooks (the event kind
  comes from a JSON field, ``type`` by default).
* ``http_post``: POSTs messages to a base URL (optionally Standard-Webhooks-signed).
* ``sftp_drop`` / ``sftp_pickup``: hand files over through connectors.sdk.transport.sftp.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping

from pydantic import SecretStr

from connectors.sdk.base import (
    ConfigField,
    ConnectorConfig,
    FieldType,
    FileDrop,
    FilePickup,
    HttpCall,
    InboundWebhook,
)
from connectors.sdk.transport import http, sftp, webhook_signing

_SFTP_FIELDS = (
    ConfigField("host", required=True),
    ConfigField("port", FieldType.INTEGER, default=22),
    ConfigField("username", required=True),
    ConfigField("host_key_fingerprint", required=True),
    ConfigField("private_key", secret=True),
    ConfigField("password", secret=True),
    ConfigField("inbox_dir", default="/inbox"),
    ConfigField("processed_dir", default="/processed"),
    ConfigField("failed_dir", default="/failed"),
    ConfigField("outbox_dir", default="/outbox"),
    ConfigField("done_marker_suffix", default=".done"),
)
# Pickup-only keys: what to call the files, when to poll, which files must arrive by when.
_PICKUP_FIELDS = (
    ConfigField("document_kind", default="file", description="inbox document kind"),
    ConfigField(
        "document_kinds", FieldType.MAPPING, description="glob -> document kind, first match"
    ),
    ConfigField("poll_cron", description="cron for the scheduled pickup, e.g. */5 * * * *"),
    ConfigField(
        "expected_files",
        FieldType.LIST,
        description="[{name, pattern, cutoff HH:MM, weekdays}] checked by the file SLA job",
    ),
)


class StandardWebhookReceiver(InboundWebhook):
    slug = "standard_webhooks"
    description = "Inbound webhooks signed with the Standard Webhooks scheme"
    document_kinds = ("event",)
    config_schema = (
        ConfigField("webhook_secret", required=True, secret=True),
        ConfigField("previous_secret", secret=True),
        ConfigField("kind_field", default="type", description="JSON field naming the event"),
        ConfigField("tolerance_s", FieldType.INTEGER, default=300),
    )

    def verify(self, headers: Mapping[str, str], body: bytes, now: float) -> str:
        keys = [self.config.secret("webhook_secret")]
        if "previous_secret" in self.config.secrets:
            keys.append(self.config.secret("previous_secret"))
        tolerance = self.config.get("tolerance_s", 300)
        return webhook_signing.verify(keys, headers, body, now=now, tolerance_s=tolerance)

    def document_kind(self, headers: Mapping[str, str], body: bytes) -> str:
        try:
            payload = json.loads(body)
        except ValueError:
            return "event"
        kind = (
            payload.get(self.config.get("kind_field", "type"))
            if isinstance(payload, dict)
            else None
        )
        return str(kind) if kind else "event"


class HttpPost(HttpCall):
    slug = "http_post"
    description = "POSTs outbound messages to a counterpart's HTTP endpoint"
    config_schema = (
        ConfigField("base_url", required=True),
        ConfigField("timeout_s", FieldType.NUMBER, default=15),
        ConfigField("api_key", secret=True),
        ConfigField("webhook_secret", secret=True, description="sign as Standard Webhooks"),
        ConfigField("retry_schedule_s", FieldType.LIST, description="delays between tries"),
        ConfigField("max_connections", FieldType.INTEGER, default=20),
    )

    def __init__(self, config: ConnectorConfig) -> None:
        super().__init__(config)
        auth = None
        if "api_key" in config.secrets:
            auth = http.ApiKeyAuth(SecretStr(config.secret("api_key")))
        timeout = float(config.get("timeout_s", 15))
        endpoint = http.HttpEndpoint(
            config.counterpart, config.get("base_url"), read_timeout_s=timeout, auth=auth
        )
        self._client = http.build_client(endpoint)

    def send(self, target: str, body: bytes, headers: Mapping[str, str]) -> int:
        response = http.request(
            self._client,
            "POST",
            target,
            counterpart=self.config.counterpart,
            content=body,
            headers=dict(headers),
        )
        return response.status_code

    def close(self) -> None:
        self._client.close()


def _sftp_endpoint(config: ConnectorConfig) -> sftp.SftpEndpoint:
    known = {f.name for f in dataclasses.fields(sftp.SftpEndpoint)}
    values = {k: v for k, v in config.values.items() if v is not None and k in known}
    for name in ("private_key", "password"):
        if name in config.secrets:
            values[name] = config.secrets[name]
    return sftp.SftpEndpoint(name=config.counterpart, **values)


class SftpDrop(FileDrop):
    slug = "sftp_drop"
    description = "Drops files on a counterpart's SFTP server (temp name, rename, marker)"
    config_schema = _SFTP_FIELDS

    def drop(self, name: str, data: bytes) -> None:
        sftp.upload(_sftp_endpoint(self.config), name, data)


class SftpPickup(FilePickup):
    slug = "sftp_pickup"
    description = "Picks complete files up from a counterpart's SFTP server"
    config_schema = _SFTP_FIELDS + _PICKUP_FIELDS

    def list_ready(self) -> list[sftp.RemoteFile]:
        return sftp.list_ready(_sftp_endpoint(self.config))

    def fetch(self, handle: sftp.RemoteFile) -> tuple[str, bytes]:
        return handle.name, sftp.download(_sftp_endpoint(self.config), handle)

    def acknowledge(self, handle: sftp.RemoteFile, ok: bool, stamp: str) -> None:
        mark = sftp.mark_processed if ok else sftp.mark_failed
        mark(_sftp_endpoint(self.config), handle, stamp)
