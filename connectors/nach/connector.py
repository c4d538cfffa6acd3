"""The sponsor bank's NACH SFTP drop: one counterpart that takes our files and returns its own.

We upload ACH debit presentation files and e-mandate registration batches to the bank's
``/inbox`` (``outbox_dir`` from our side) and pick its response files up from its
``/outbox`` (``inbox_dir`` from our side). Besides the SFTP keys, the counterpart's
config declares the bank's NACH settings (read by :mod:`hub.collections.nach.bank_settings`):
the utility code and account that present, the checksum algorithm and transaction codes
of its ACH files, its cut-off time and the re-presentation policy. The connector itself
only moves files; it holds no business rules.
"""

from __future__ import annotations

from connectors.sdk.base import ConfigField, FieldType, FileDrop, FilePickup
from connectors.sdk.builtin import _PICKUP_FIELDS, _SFTP_FIELDS, _sftp_endpoint
from connectors.sdk.transport import sftp

NACH_FIELDS = (
    ConfigField("user_name", required=True, description="lender name in the ACH header"),
    ConfigField("utility_code", required=True, description="NACH user number (18)"),
    ConfigField("sponsor_ifsc", required=True),
    ConfigField("account_number", required=True, description="lender's account at the bank"),
    ConfigField("checksum", default="none", description="none | amount_sum | account_digits_sum"),
    ConfigField("header_transaction_code", default="56"),
    ConfigField("detail_transaction_code", default="67"),
    ConfigField("cutoff", default="10:30", description="HH:MM local; later rolls to next day"),
    ConfigField("settlement_cycle", default="01"),
    ConfigField("represent_max_attempts", FieldType.INTEGER, default=3),
    ConfigField("represent_gap_days", FieldType.INTEGER, default=5),
    ConfigField("category_code", default="L001"),
    ConfigField("notify_counterpart", description="counterpart told of bounces (webhook)"),
)


class NachSponsorBank(FileDrop, FilePickup):
    slug = "nach_sponsor_bank"
    description = "Sponsor bank NACH SFTP: ACH debit files and e-mandate batches, responses"
    document_kinds = ("ach_response", "emandate_response")
    config_schema = _SFTP_FIELDS + _PICKUP_FIELDS + NACH_FIELDS

    def drop(self, name: str, data: bytes) -> None:
        sftp.upload(_sftp_endpoint(self.config), name, data)

    def list_ready(self) -> list[sftp.RemoteFile]:
        return sftp.list_ready(_sftp_endpoint(self.config))

    def fetch(self, handle: sftp.RemoteFile) -> tuple[str, bytes]:
        return handle.name, sftp.download(_sftp_endpoint(self.config), handle)

    def acknowledge(self, handle: sftp.RemoteFile, ok: bool, stamp: str) -> None:
        mark = sftp.mark_processed if ok else sftp.mark_failed
        mark(_sftp_endpoint(self.config), handle, stamp)
