"""Operational alerts the hub raises for people to see (e.g. a file not arrived by cut-off).

An alert has a natural ``key`` unique per tenant (``file_sla:<counterpart>:<file>:<date>``)
so a check that runs every few minutes raises it once; it is *resolved* when the cause
goes away (the file arrives late) and *acknowledged* when a person has seen it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms_core.persistence.base import Base


class HubAlert(Base):
    __tablename__ = "hub_alert"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(300))
    counterpart_id: Mapped[int | None] = mapped_column(ForeignKey("counterpart.id"), default=None)
    subject: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(String(2000))
    raised_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution: Mapped[str | None] = mapped_column(String(500), default=None)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120), default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
