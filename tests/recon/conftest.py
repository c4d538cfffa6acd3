"""Reconciliation fixtures: a clock, sessions on the test connection, the inbox worker."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

import hub.recon.ingest  # noqa: F401  (registers the statement handlers)
from hub.integration.inbox.service import InboxWorker
from lms_core.persistence.integration import counterpart_repository
from tests.recon.helpers import make_account
from tests.support.factories import make_tenant

NOW = datetime(2024, 4, 10, 18, 0, tzinfo=UTC)


@pytest.fixture
def worker(factory) -> InboxWorker:
    return InboxWorker(factory, "recon-test", lambda: NOW)


@pytest.fixture
def bank(db: Session):
    """A tenant on 2024-04-10 with the escrow account and its bank and UTR-feed counterparts."""
    tenant = make_tenant(db, business_date=date(2024, 4, 10))
    account = make_account(db, tenant)
    config = {"account": account.account_no, "mapping": "escrow_bank_hdfc/statement_csv"}
    escrow = counterpart_repository.create(
        db, tenant.id, "hdfc_escrow", "escrow_bank", "sftp_pickup", config, None
    )
    feed = counterpart_repository.create(
        db, tenant.id, "hdfc_utr", "utr_feed", "sftp_pickup", {"account": account.account_no}, None
    )
    return tenant, account, escrow, feed
