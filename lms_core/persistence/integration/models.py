"""Integration hub tables: counterparts, the inbox, staged records, the outbox, schedules.

* ``counterpart``: a configured partner per tenant; ``config`` is plain JSON, ``secrets``
  is one Fernet token (the hub encrypts / decrypts; this layer only stores text).
* ``inbox_blob``: raw bytes, content-addressed by SHA-256 per tenant, in the database
  (bytea) so the raw copy commits atomically with its inbox row.
* ``inbox_item``: one received file / webhook / API batch, unique on
  ``(tenant, source, dedupe_key)``; claimed by one worker with a lease.
* ``inbox_record_outcome``: per-record results (applied, duplicate, quarantined).
* ``inbound_record``: the generic staging table; unique ``(tenant, document_kind,
  record_key)`` is what makes re-applying a file a no-op.
* ``outbound_message`` / ``outbound_attempt``: the transactional outbox and its delivery log.
* ``schedule_fire``: one row per (job, fire time) claimed by the scheduler that won.

The StrEnums below name every stored status value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lms_core.persistence.base import Base, CreatedAt


class Counterpart(CreatedAt, Base):
    """A partner system a tenant exchanges data with, and how to reach it."""

    __tablename__ = "counterpart"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(60))  # e.g. partner_bank, utr_feed
    connector: Mapped[str] = mapped_column(String(60))  # registry slug
    config: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    secrets: Mapped[str | None] = mapped_column(Text, default=None)  # Fernet token
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(500), default=None)


class InboxBlob(Base):
    __tablename__ = "inbox_blob"
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class InboxItem(Base):
    """One thing received, stored raw before anything else happens to it."""

    __tablename__ = "inbox_item"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source", "dedupe_key"),
        Index("ix_inbox_item_claimable", "status", "lease_expires_at"),
        Index("ix_inbox_item_received", "tenant_id", "received_at"),
        Index("ix_inbox_item_refs", "refs", postgresql_using="gin"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    channel: Mapped[str] = mapped_column(String(20))  # file | webhook | api
    source: Mapped[str] = mapped_column(String(60))  # counterpart code
    counterpart_id: Mapped[int | None] = mapped_column(ForeignKey("counterpart.id"))
    document_kind: Mapped[str] = mapped_column(String(60))
    external_id: Mapped[str | None] = mapped_column(String(255), default=None)
    dedupe_key: Mapped[str] = mapped_column(String(400))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    filename: Mapped[str | None] = mapped_column(String(255), default=None)
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSONB, default=None)
    declared: Mapped[dict[str, Any] | None] = mapped_column(JSONB, default=None)
    refs: Mapped[dict[str, Any] | None] = mapped_column(JSONB, default=None)
    status: Mapped[str] = mapped_column(String(20), default="received")
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSONB, default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(100), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None] = mapped_column(default=None)


class InboxRecordOutcome(Base):
    """What happened to one record of an inbox item (line 0: the item as a whole)."""

    __tablename__ = "inbox_record_outcome"
    __table_args__ = (Index("ix_inbox_record_outcome_item", "inbox_item_id", "line"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    inbox_item_id: Mapped[int] = mapped_column(ForeignKey("inbox_item.id"))
    line: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(20))
    record_key: Mapped[str | None] = mapped_column(String(400), default=None)
    field: Mapped[str | None] = mapped_column(String(100), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)


class InboundRecord(Base):
    """A mapped record staged for the domain; its natural key makes re-applying a no-op."""

    __tablename__ = "inbound_record"
    __table_args__ = (
        UniqueConstraint("tenant_id", "document_kind", "record_key"),
        Index("ix_inbound_record_item", "inbox_item_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    inbox_item_id: Mapped[int] = mapped_column(ForeignKey("inbox_item.id"))
    document_kind: Mapped[str] = mapped_column(String(60))
    record_key: Mapped[str] = mapped_column(String(400))
    line: Mapped[int]
    canonical: Mapped[dict[str, Any]] = mapped_column(JSONB)


class OutboundMessage(CreatedAt, Base):
    """A message to send, written in the same transaction as the change that caused it."""

    __tablename__ = "outbound_message"
    __table_args__ = (
        UniqueConstraint("tenant_id", "message_key"),
        Index("ix_outbound_message_due", "status", "next_attempt_at"),
        Index("ix_outbound_message_order", "counterpart_id", "ordering_key", "id"),
        Index("ix_outbound_message_refs", "refs", postgresql_using="gin"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    counterpart_id: Mapped[int] = mapped_column(ForeignKey("counterpart.id"))
    channel: Mapped[str] = mapped_column(String(20))  # http | webhook | sftp
    event_type: Mapped[str] = mapped_column(String(100))
    message_key: Mapped[str] = mapped_column(String(100))  # webhook-id: same across retries
    ordering_key: Mapped[str | None] = mapped_column(String(200), default=None)
    target: Mapped[str] = mapped_column(String(500), default="")  # path or file name
    content_type: Mapped[str] = mapped_column(String(100), default="application/json")
    body: Mapped[bytes] = mapped_column(LargeBinary)
    refs: Mapped[dict[str, Any] | None] = mapped_column(JSONB, default=None)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(100), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)


class OutboundAttempt(Base):
    """One try at delivering a message: when, how long, what came back."""

    __tablename__ = "outbound_attempt"
    __table_args__ = (Index("ix_outbound_attempt_message", "message_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    message_id: Mapped[int] = mapped_column(ForeignKey("outbound_message.id"))
    number: Mapped[int]
    started_at: Mapped[datetime]
    duration_ms: Mapped[int]
    status_code: Mapped[int | None] = mapped_column(default=None)
    outcome: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text, default=None)


class ScheduleFire(Base):
    """A (job, fire time) that was enqueued; the primary key makes it happen once."""

    __tablename__ = "schedule_fire"
    job_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fire_time: Mapped[datetime] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenant.id"), default=None)
    procrastinate_job_id: Mapped[int | None] = mapped_column(default=None)
    claimed_by: Mapped[str] = mapped_column(String(100))
    claimed_at: Mapped[datetime] = mapped_column(server_default=func.now())
